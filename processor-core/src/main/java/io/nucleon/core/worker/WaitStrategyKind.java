package io.nucleon.core.worker;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import java.util.Locale;

/**
 * How an idle worker waits for the next event. {@link #BLOCKING} (the default) costs no CPU when
 * idle; {@link #YIELDING} and {@link #BUSY_SPIN} trade a core per worker for the lowest latency.
 */
public enum WaitStrategyKind {
    /** Sleeps on a lock (Disruptor's LiteBlockingWaitStrategy); an idle function uses no CPU. */
    BLOCKING,
    /** Spins, then yields, then sleeps briefly: little CPU when idle, quick to wake. */
    SLEEPING,
    /** Spins then yields: near-lowest latency, a busy core per idle worker. */
    YIELDING,
    /** Spins: lowest latency, a busy core per worker even when idle. */
    BUSY_SPIN;

    WaitStrategy create() {
        return switch (this) {
            case BLOCKING -> new LiteBlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

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
        throw new IllegalArgumentException("must be one of blocking, sleeping, yielding, busySpin; got \""
                + name.toLowerCase(Locale.ROOT) + "\"");
    }

}
