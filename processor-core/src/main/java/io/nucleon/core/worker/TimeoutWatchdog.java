package io.nucleon.core.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread per processor that looks at every running handler each tick and times out those past
 * the event timeout. Scanning keeps the hot path free of timers: a worker only writes a token and a
 * start time per event. A 504 arrives at most one tick after the deadline.
 */
public final class TimeoutWatchdog implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TimeoutWatchdog.class);
    private final List<WorkerPool> pools = new CopyOnWriteArrayList<>();
    private final long tickNanos;
    private final Thread thread;
    private volatile boolean stopped;

    public TimeoutWatchdog(Duration tick) {
        this.tickNanos = tick.toNanos();
        this.thread = new Thread(this, "nucleon-timeout-watchdog");
        this.thread.setDaemon(true);
    }

    /**
     * The tick for an event timeout: a tenth of it, between 1 ms and 10 ms.
     */
    public static Duration tickFor(Duration eventTimeout) {
        long ms = Math.max(1, Math.min(10, eventTimeout.toMillis() / 10));
        return Duration.ofMillis(ms);
    }

    public void watch(WorkerPool pool) {
        pools.add(pool);
    }

    public void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (!stopped) {
            java.util.concurrent.locks.LockSupport.parkNanos(tickNanos);
            long now = System.nanoTime();
            for (WorkerPool p : pools) {
                try {
                    p.checkTimeouts(now);
                } catch (Throwable t) {
                    LOG.error("timeout check failed", t);
                }
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
