package io.nucleon.core.worker;

import io.nucleon.core.metrics.TriggerMetrics;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When an elastic {@link WorkerPool} ({@code minWorkers} below {@code numWorkers}) grows, and the
 * books about it: one grow at a time, a back-off after a worker fails to start, and the counts. The
 * pool owns the workers and their places; this class only decides and asks the pool.
 *
 * <pre>
 *  dispatch ─▶ IdleWorkers finds no sleeper ──┐
 *  watchdog tick: an event waited, or size &lt; min ─┼─▶ {@link #request()} ─▶ one grow at a time, not in back-off
 *  retiring worker saw an event arrive ───────┘        │ executor (never the caller's thread)
 *                                                     ▼
 *                         {@link WorkerPool#grow()}: a fresh worker in a free place; its runtime starts on its
 *                         own thread, and it claims events only then (the others keep taking them meanwhile)
 *                                                     │ started, or failed
 *                                                     ▼
 *                         {@link #grew} / {@link #failedToStart}: the next grow may go (after the back-off)
 *
 *  idle worker past workerIdleTimeout ─▶ {@link WorkerPool#retire}: only while size &gt; min, never holding an event
 * </pre>
 *
 * <p>{@link #request()} may be called from any thread, an event loop included: it reads two volatile
 * fields when there is nothing to do and otherwise hands the grow to the executor, never blocking.
 */
final class PoolScaling {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    /** The first wait after a worker failed to start; doubled at each further failure up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** An event at the head of the queue older than this has found no idle worker: the watchdog's cue to grow. */
    static final long WAITED_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    final int min;
    final int max;
    private final PoolSettings settings;
    private final TriggerMetrics metrics;
    private final Executor executor;
    private final IntSupplier size;
    private final Runnable grow;
    /** Set while a grow is asked for or a fresh worker's runtime is starting: one at a time. */
    private final AtomicBoolean growing = new AtomicBoolean();
    /** No grow before this ({@link System#nanoTime()}), after a failed start; 0 when not backing off. */
    private volatile long notBefore;
    /** Failed starts in a row. Guarded by this. */
    private int failures;

    /**
     * @param size the pool's current size, read when deciding
     * @param grow what adds a worker ({@link WorkerPool#grow()}); run on {@code executor}
     */
    PoolScaling(PoolSettings settings, TriggerMetrics metrics, Executor executor, IntSupplier size, Runnable grow) {
        this.settings = settings;
        this.metrics = metrics;
        this.executor = executor;
        this.size = size;
        this.grow = grow;
        this.min = settings.minWorkers();
        this.max = settings.numWorkers();
    }

    /**
     * Asks for one more worker: an event waits and no worker is idle, or the pool is below its
     * minimum. Does nothing while a grow is under way, during the back-off after a failed start, or
     * when the pool is at {@code numWorkers}. Any thread; never blocks.
     */
    void request() {
        if (growing.get() || size.getAsInt() >= max) {
            return;
        }
        long nb = notBefore;
        if (nb != 0 && System.nanoTime() - nb < 0) {
            return;
        }
        if (!growing.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(grow);
        } catch (RejectedExecutionException stopping) {
            growing.set(false); // the processor is stopping
        }
    }

    /** Whether a grow is under way (asked for, or a fresh worker starting). */
    boolean growing() {
        return growing.get();
    }

    /** The grow found nothing to do (the pool closing, or full meanwhile): the next may go. */
    void skipped() {
        growing.set(false);
    }

    /** A worker started on demand is serving. */
    void grew(int index, int newSize) {
        synchronized (this) {
            failures = 0;
        }
        notBefore = 0;
        metrics.workerGrown();
        LOG.atInfo()
                .addKeyValue("function", settings.functionName())
                .addKeyValue("trigger", settings.triggerName())
                .addKeyValue("worker", index)
                .addKeyValue("workers", newSize)
                .log("events found no idle worker: started worker " + index + " (" + newSize + " of at most " + max
                        + ")");
        growing.set(false);
    }

    /**
     * A worker started on demand (or in place of a timed-out one) failed to start: its place is free
     * again and no grow goes before the back-off, which doubles with each failure in a row.
     *
     * @param onDemand whether it was a grow (the next grow may go once the back-off passed)
     */
    void failedToStart(int index, int newSize, Throwable error, boolean onDemand) {
        long backoffMillis;
        int inARow;
        synchronized (this) {
            inARow = ++failures;
            long ms = FIRST_BACKOFF.toMillis();
            for (int i = 1; i < inARow && ms < MAX_BACKOFF.toMillis(); i++) {
                ms *= 2;
            }
            backoffMillis = Math.min(ms, MAX_BACKOFF.toMillis());
        }
        long nb = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
        notBefore = nb == 0 ? 1 : nb;
        metrics.workerStartFailed();
        LOG.atError()
                .addKeyValue("function", settings.functionName())
                .addKeyValue("trigger", settings.triggerName())
                .addKeyValue("worker", index)
                .addKeyValue("workers", newSize)
                .addKeyValue("failuresInARow", inARow)
                .addKeyValue("retryInMs", backoffMillis)
                .log("a worker " + (onDemand ? "started on demand" : "replacing a timed-out one")
                        + " failed to start (" + error + "); the pool runs with " + newSize
                        + " workers and tries again in " + backoffMillis + " ms at the earliest");
        if (onDemand) {
            growing.set(false);
        }
    }

    /** An idle worker retired; {@code newSize} workers remain. */
    void retired(int index, int newSize) {
        metrics.workerRetired();
        LOG.atInfo()
                .addKeyValue("function", settings.functionName())
                .addKeyValue("trigger", settings.triggerName())
                .addKeyValue("worker", index)
                .addKeyValue("workers", newSize)
                .log("worker " + index + " was idle for "
                        + settings.workerIdleTimeout().toMillis() + " ms and retired (" + newSize + " remain, at least "
                        + min + ")");
    }
}
