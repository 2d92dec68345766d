package io.nucleon.examples.telemetry;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-device tumbling windows of {@code size} readings, shared by every worker of the processor.
 *
 * <pre>
 *   add(reading) ──▶ device state (locked per device) ──▶ window full? ──▶ summary, unpublished
 *                                                                             │
 *   caller publishes what add() returned ◀── every unpublished summary ◀──────┘
 *   publish failed? putBack(): the device's next add() returns them again
 * </pre>
 *
 * <p>Thread-safe: the map is concurrent and each device's state is changed under its own lock, so
 * workers handling different devices never wait for each other. A reading whose {@code seq} the
 * device has shown among its last {@code 4 × size} readings is not counted again (a message
 * delivered twice to this process). The state is in memory only: a restart starts every device
 * with an empty window; {@link #closeAll()} closes the open windows early, for a graceful stop.
 */
public final class DeviceWindows {
    private final int size;
    private final int remembered;
    private final Map<String, DeviceState> devices = new ConcurrentHashMap<>();

    /** @param size readings per window, ≥ 1 */
    public DeviceWindows(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a window holds at least one reading, not " + size);
        }
        this.size = size;
        this.remembered = 4 * size;
    }

    /** Readings per window. */
    public int size() {
        return size;
    }

    /**
     * Counts a reading that the server has stored, and hands over the device's summaries that are
     * due: the window this reading closed, if any, and those {@link #putBack put back} earlier. The
     * caller must publish them, or put them back.
     *
     * @param reading     a stored reading
     * @param redelivered the server had already stored it (a duplicate)
     * @return the summaries to publish now, usually none
     */
    public List<WindowSummary> add(Reading reading, boolean redelivered) {
        DeviceState state = devices.computeIfAbsent(reading.device(), DeviceState::new);
        synchronized (state) {
            state.add(reading, redelivered);
            if (state.unpublished.isEmpty()) {
                return List.of();
            }
            List<WindowSummary> due = state.unpublished;
            state.unpublished = new ArrayList<>();
            return due;
        }
    }

    /** Gives back summaries whose publish failed: the device's next {@link #add} returns them again. */
    public void putBack(String device, List<WindowSummary> summaries) {
        DeviceState state = devices.computeIfAbsent(device, DeviceState::new);
        synchronized (state) {
            state.unpublished.addAll(0, summaries);
        }
    }

    /**
     * Closes every device's open window, full or not, and hands over every summary not yet published:
     * for a processor that stops, so that what its windows hold is not lost with them.
     *
     * @return the summaries to publish, the partial ones marked so
     */
    public List<WindowSummary> closeAll() {
        List<WindowSummary> due = new ArrayList<>();
        for (DeviceState state : devices.values()) {
            synchronized (state) {
                if (state.window != null) {
                    state.unpublished.add(state.window.summary(state.device, true));
                    state.window = null;
                }
                due.addAll(state.unpublished);
                state.unpublished = new ArrayList<>();
            }
        }
        return due;
    }

    /** The highest {@code seq} counted for the device, or -1. */
    public long lastSeq(String device) {
        DeviceState state = devices.get(device);
        if (state == null) {
            return -1;
        }
        synchronized (state) {
            return state.lastSeq;
        }
    }

    /** How many readings the device's open window holds. */
    public int pending(String device) {
        DeviceState state = devices.get(device);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.window == null ? 0 : state.window.count;
        }
    }

    /** One device: its open window, the seqs seen lately, the summaries not yet published. Guarded by itself. */
    private final class DeviceState {
        private final String device;
        private final Set<Long> recent = new HashSet<>();
        private final ArrayDeque<Long> recentOrder = new ArrayDeque<>();
        private Window window;
        private List<WindowSummary> unpublished = new ArrayList<>();
        private long lastSeq = -1;

        DeviceState(String device) {
            this.device = device;
        }

        void add(Reading r, boolean redelivered) {
            if (!recent.add(r.seq())) {
                return; // counted already: the same message handled twice by this process
            }
            recentOrder.addLast(r.seq());
            if (recentOrder.size() > remembered) {
                recent.remove(recentOrder.removeFirst());
            }
            lastSeq = Math.max(lastSeq, r.seq());
            if (window == null) {
                window = new Window();
            }
            window.add(r, redelivered);
            if (window.count == size) {
                unpublished.add(window.summary(device, false));
                window = null;
            }
        }
    }

    /** The open window of a device: running minimum, maximum and sum of each quantity. */
    private static final class Window {
        private int count;
        private int redelivered;
        private long firstSeq = Long.MAX_VALUE;
        private long lastSeq = Long.MIN_VALUE;
        private Instant from;
        private Instant to;
        private double tMin = Double.POSITIVE_INFINITY;
        private double tMax = Double.NEGATIVE_INFINITY;
        private double tSum;
        private double hMin = Double.POSITIVE_INFINITY;
        private double hMax = Double.NEGATIVE_INFINITY;
        private double hSum;

        void add(Reading r, boolean wasRedelivered) {
            count++;
            if (wasRedelivered) {
                redelivered++;
            }
            firstSeq = Math.min(firstSeq, r.seq());
            lastSeq = Math.max(lastSeq, r.seq());
            from = from == null || r.ts().isBefore(from) ? r.ts() : from;
            to = to == null || r.ts().isAfter(to) ? r.ts() : to;
            tMin = Math.min(tMin, r.temperature());
            tMax = Math.max(tMax, r.temperature());
            tSum += r.temperature();
            hMin = Math.min(hMin, r.humidity());
            hMax = Math.max(hMax, r.humidity());
            hSum += r.humidity();
        }

        WindowSummary summary(String device, boolean partial) {
            return new WindowSummary(
                    device,
                    count,
                    firstSeq,
                    lastSeq,
                    from,
                    to,
                    new WindowSummary.Stats(tMin, tMax, tSum / count),
                    new WindowSummary.Stats(hMin, hMax, hSum / count),
                    redelivered,
                    partial);
        }
    }
}
