package io.nucleon.core.worker;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.TimeoutException;
import io.nucleon.api.Event;
import io.nucleon.spi.Completion;
import io.nucleon.spi.WorkerRuntime;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker: a thread that claims events from its pool's ring (competing with the pool's other
 * workers on a shared work sequence, as Disruptor 3's WorkProcessor did) and runs the handler on
 * them one at a time.
 *
 * <p>While an event runs, {@link #running} holds a token that is not zero. Whoever moves it back to
 * zero by compare-and-set owns the event's completion: the worker when the handler returns, or the
 * {@link TimeoutWatchdog} when the deadline passes first, in which case this worker is abandoned
 * and its pool starts a replacement.
 */
final class Worker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final VarHandle RUNNING;
    private static final VarHandle COMPLETED;

    static {
        try {
            RUNNING = MethodHandles.lookup().findVarHandle(Worker.class, "running", long.class);
            COMPLETED = MethodHandles.lookup().findVarHandle(Worker.class, "completed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    final Sequence sequence;
    final WorkerContext context;
    private final WorkerPool pool;
    final CompletableFuture<Void> started = new CompletableFuture<>();
    private Thread thread;
    private WorkerRuntime runtime;

    // The event in the handler, published by the volatile write of `running`.
    private Event currentEvent;
    private Completion currentCompletion;
    private long currentStart;
    @SuppressWarnings("unused")
    private volatile long running;
    private long tokens;
    private volatile boolean abandoned;
    /** Events this worker completed; written by this worker only (opaque), summed by {@link WorkerPool#inFlight()}. */
    @SuppressWarnings("unused")
    private long completed;
    /** When this worker finished its last event ({@link System#nanoTime()}); written by this worker only. */
    long mark;
    final io.nucleon.core.metrics.EventStats.Recorder durations;

    Worker(WorkerPool pool, int index, long initialSequence) {
        this.pool = pool;
        this.index = index;
        this.sequence = new Sequence(initialSequence);
        PoolSettings s = pool.settings;
        this.context = new WorkerContext(s.functionName(), s.triggerKind(), s.triggerName(), index, s.env());
        this.durations = pool.metrics.newRecorder();
    }

    long completed() {
        return (long) COMPLETED.getOpaque(this);
    }

    /** Counts one completion; called on this worker's thread only. */
    void completedOne() {
        COMPLETED.setOpaque(this, (long) COMPLETED.getOpaque(this) + 1);
    }

    void start() {
        thread = new Thread(this, "nucleon-" + pool.settings.triggerName() + "-worker-" + index);
        thread.setDaemon(true);
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    boolean isBusy() {
        return running != 0;
    }

    @Override
    public void run() {
        try {
            runtime = pool.runtime.startWorker(context);
        } catch (Throwable t) {
            started.completeExceptionally(t);
            return;
        }
        started.complete(null);
        try {
            loop();
        } finally {
            if (!abandoned) {
                closeRuntime();
            }
        }
    }

    private void loop() {
        boolean processed = true;
        boolean waited = true;
        long cachedAvailable = Long.MIN_VALUE;
        long next = sequence.get();
        while (true) {
            try {
                if (processed) {
                    if (pool.isClosing()) {
                        return; // what is still queued is rejected by the pool's close
                    }
                    processed = false;
                    do {
                        next = pool.workSequence.get() + 1L;
                        sequence.set(next - 1L);
                    } while (!pool.workSequence.compareAndSet(next - 1L, next));
                }
                if (cachedAvailable >= next) {
                    // Back to back with the previous event, its end time is this one's start: one clock read per event.
                    handle(pool.ring.get(next), waited ? System.nanoTime() : mark);
                    waited = false;
                    processed = true;
                    if (abandoned) {
                        return;
                    }
                } else {
                    cachedAvailable = pool.barrier.waitFor(next);
                    waited = true;
                }
            } catch (AlertException e) {
                if (pool.isClosing()) {
                    return;
                }
            } catch (TimeoutException e) {
                // a wait strategy with a timeout woke us: wait again
            } catch (InterruptedException e) {
                if (pool.isClosing()) {
                    return;
                }
            }
        }
    }

    private void handle(EventSlot slot, long start) {
        Event event = slot.event;
        Completion completion = slot.completion;
        long queuedAt = slot.queuedAt;
        slot.clear();
        if (start - queuedAt > pool.availabilityTimeoutNanos) {
            mark = start;
            pool.reject(event, completion, "no worker became available within "
                    + pool.settings.workerAvailabilityTimeout().toMillis() + " ms", this);
            return;
        }
        currentEvent = event;
        currentCompletion = completion;
        currentStart = start;
        long token = ++tokens;
        RUNNING.setRelease(this, token); // publishes the fields above to the watchdog; the CAS below decides ownership

        Object result = null;
        Throwable error = null;
        try {
            result = runtime.invoke(context, event);
        } catch (Throwable t) {
            error = t;
        }
        if (!RUNNING.compareAndSet(this, token, 0L)) {
            // The watchdog timed this event out and a replacement took our place: drop the result.
            Thread.interrupted();
            LOG.atWarn().addKeyValue("trigger", pool.settings.triggerName()).addKeyValue("worker", index)
                    .addKeyValue("eventId", event.id())
                    .log("handler returned after its event timed out; result dropped, worker retired");
            return;
        }
        currentEvent = null;
        currentCompletion = null;
        if (error != null) {
            pool.completeWithError(event, completion, error, start, this);
        } else if (result instanceof CompletionStage<?> stage) {
            pool.completeLater(event, completion, stage, start, this);
        } else {
            pool.completeWithResult(event, completion, result, start, this);
        }
    }

    /**
     * Called by the watchdog: when the running event started before {@code deadlineStart}, takes
     * ownership of it and completes it as timed out. Returns whether it did.
     */
    boolean timeOutIfOverdue(long now, long timeoutNanos) {
        long token = (long) RUNNING.getVolatile(this);
        if (token == 0 || now - currentStart <= timeoutNanos) {
            return false;
        }
        Event event = currentEvent;
        Completion completion = currentCompletion;
        long start = currentStart;
        if (!RUNNING.compareAndSet(this, token, 0L)) {
            return false;
        }
        abandoned = true;
        pool.completeTimedOut(event, completion, start, this);
        try {
            runtime.abort(thread);
        } catch (Throwable t) {
            LOG.warn("aborting a timed-out handler failed", t);
        }
        return true;
    }

    private void closeRuntime() {
        if (runtime == null) {
            return;
        }
        try {
            runtime.close(context);
        } catch (Throwable t) {
            LOG.warn("handler close hook failed on worker {}", index, t);
        }
    }
}
