package io.nucleon.core.worker;

import java.util.Locale;

/**
 * What a {@link WorkerPool} does with an event that finds its queue full ({@code whenQueueFull}).
 * Neither holds the dispatching thread: an event loop or a broker client's thread hands the event
 * over and returns at once.
 */
public enum QueueFullPolicy {
    /**
     * The event waits on the pool's waiting list (bounded by {@code waitingListSize}), without a
     * thread, and moves into the queue as room frees, oldest first; it is rejected (503) if no worker
     * has taken it within the worker-availability timeout, or at once when the waiting list is full too.
     */
    WAIT,
    /** The event is rejected (503) at once. */
    REJECT;

    /** The name used in configuration: {@code wait} or {@code reject}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code wait} or {@code reject}. */
    public static QueueFullPolicy parse(String s) {
        for (QueueFullPolicy p : values()) {
            if (p.configName().equals(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("must be wait or reject, got \"" + s + "\"");
    }
}
