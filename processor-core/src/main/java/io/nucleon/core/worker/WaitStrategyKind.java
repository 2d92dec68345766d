package io.nucleon.core.worker;

import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * How an idle worker waits for the next event. {@link #BLOCKING} (the default) costs no CPU when
 * idle; {@link #YIELDING} and {@link #BUSY_SPIN} trade a core per worker for the lowest latency.
 */
public enum WaitStrategyKind {
    /** Parks, and is woken only when an event needs it ({@link IdleWorkers}); an idle function uses no CPU. */
    BLOCKING,
    /** Spins, then yields, then sleeps 0.1 ms at a time: little CPU when idle, quick to wake. */
    SLEEPING,
    /** Spins then yields: near-lowest latency, a busy core per idle worker. */
    YIELDING,
    /** Spins: lowest latency, a busy core per worker even when idle. */
    BUSY_SPIN;

    /**
     * One round of waiting by an idle worker of a spinning kind ({@link #BLOCKING} workers park in
     * {@link IdleWorkers} instead); {@code round} counts the empty rounds since its last event.
     */
    void idle(int round) {
        switch (this) {
            case BUSY_SPIN -> Thread.onSpinWait();
            case YIELDING -> {
                if (round < SPIN_ROUNDS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            case SLEEPING -> {
                if (round < SPIN_ROUNDS) {
                    Thread.onSpinWait();
                } else if (round < 2 * SPIN_ROUNDS) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(SLEEP_NANOS);
                }
            }
            case BLOCKING -> throw new IllegalStateException("blocking workers park in IdleWorkers");
        }
    }

    private static final int SPIN_ROUNDS = 100;
    private static final long SLEEP_NANOS = 100_000;

    /** The name used in configuration, e.g. {@code busySpin}. */
    public String configName() {
        return switch (this) {
            case BLOCKING -> "blocking";
            case SLEEPING -> "sleeping";
            case YIELDING -> "yielding";
            case BUSY_SPIN -> "busySpin";
        };
    }

    /** Parses a configuration name, ignoring case. */
    public static WaitStrategyKind parse(String name) {
        for (WaitStrategyKind k : values()) {
            if (k.configName().equalsIgnoreCase(name) || k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(
                "must be one of blocking, sleeping, yielding, busySpin; got \"" + name.toLowerCase(Locale.ROOT) + "\"");
    }
}
