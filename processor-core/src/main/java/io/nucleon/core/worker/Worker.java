package io.nucleon.core.worker;

import com.lmax.disruptor.Sequence;
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
 * One worker: a thread that claims published events from its pool's ring (competing with the pool's
 * other workers on a shared work sequence) and runs the handler on them one at a time. With nothing
 * to claim it waits as the pool's wait strategy says: parked in {@link IdleWorkers} ({@code blocking})
 * or spinning.
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
    /** The worker running on this thread, if any. */
    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

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
    /** This worker's place among the sleepers; {@code null} for the spinning wait strategies. */
    private IdleWorkers.Parker parker;
    private final java.util.function.BooleanSupplier stillIdle;
    private final java.util.function.BooleanSupplier hasEvent;
    private WorkerRuntime runtime;

    // The event in the handler, published by the volatile write of `running`.
    private Event currentEvent;
    private Completion currentCompletion;
    private long currentStart;
    @SuppressWarnings("unused")
    private volatile long running;
    private long tokens;
    /** Set (under the pool's lock) once the watchdog took this worker's overdue event and aborted its handler. */
    volatile boolean abandoned;
    /** What became of this worker after a timeout: one of the constants below; read and written under the pool's lock. */
    int fate = SERVING;
    /** Serving events (also: timed out, and the watchdog has not decided yet). */
    static final int SERVING = 0;
    /** Its handler returned after the deadline before the watchdog decided: it carries on, nothing is replaced. */
    static final int RETURNED = 1;
    /** Abandoned and replaced by a fresh worker: its thread ends when the handler returns. */
    static final int REPLACED = 2;
    /** Abandoned without a replacement (maxAbandonedWorkers reached): carries on when the handler returns. */
    static final int LOST = 3;
    /** Abandoned while the pool was closing: its thread ends when the handler returns. */
    static final int RETIRED = 4;
    /** Events this worker completed; written by this worker only (opaque), summed by {@link WorkerPool#inFlight()}. */
    @SuppressWarnings("unused")
    private long completed;
    /**
     * Set while this worker's completion has dispatched an event into its own pool without waking
     * anyone: the worker claims an event as soon as the completion returns. Worker thread only.
     */
    private boolean takingNext;
    /** When this worker finished its last event ({@link System#nanoTime()}); written by this worker only. */
    long mark;
    final io.nucleon.core.metrics.EventStats.Recorder durations;

    Worker(WorkerPool pool, int index) {
        this.pool = pool;
        this.index = index;
        this.sequence = new Sequence(Long.MAX_VALUE); // set just below the slot it claims, only while claiming
        this.stillIdle = () -> !pool.isClosing() && !pool.hasEvent();
        this.hasEvent = pool::hasEvent;
        PoolSettings s = pool.settings;
        this.context = new WorkerContext(s.functionName(), s.triggerKind(), s.triggerName(), index, s.env(), s.bindings());
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
        if (pool.idle != null) {
            parker = pool.idle.register(index, thread);
        }
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    boolean isBusy() {
        return running != 0;
    }

    /**
     * Called by {@code pool.dispatch} after publishing: when the calling thread is a worker of that
     * pool inside a completion (a Kafka partition handing its next record out), the first such event
     * needs no wake-up, since this worker claims an event right after; later ones do.
     */
    static boolean takesNextItself(WorkerPool pool) {
        Worker w = CURRENT.get();
        if (w == null || w.pool != pool || w.takingNext || w.abandoned) {
            return false;
        }
        w.takingNext = true;
        return true;
    }

    @Override
    public void run() {
        CURRENT.set(this);
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
        boolean searching = false; // woken by a dispatcher to look for events (see IdleWorkers)
        boolean waited = true;
        int idleRounds = 0;
        while (true) {
            if (pool.isClosing()) {
                return; // what is still queued is rejected by the pool's close
            }
            long claimed = pool.claim(sequence);
            if (claimed >= 0) {
                if (searching) {
                    searching = false;
                    pool.idle.foundEvent(hasEvent);
                }
                idleRounds = 0;
                // Back to back with the previous event, its end time is this one's start: one clock read per event.
                handle(pool.ring.get(claimed), waited ? System.nanoTime() : mark);
                takingNext = false;
                waited = false;
                if (abandoned) {
                    return;
                }
                continue;
            }
            if (searching) {
                searching = false;
                pool.idle.foundNothing();
            }
            waited = true;
            if (parker != null) {
                searching = pool.idle.park(parker, stillIdle);
            } else {
                pool.settings.waitStrategy().idle(idleRounds++);
            }
        }
    }

    private void handle(EventSlot slot, long start) {
        Event event = slot.event;
        Completion completion = slot.completion;
        long queuedAt = slot.queuedAt;
        slot.clear();
        sequence.set(Long.MAX_VALUE); // the slot is read: stop holding the ring back (the work sequence guards the rest)
        WaitingList waiting = pool.waiting;
        if (waiting != null && waiting.hasWaiters()) {
            pool.drainWaiting(); // the room this claim freed goes to the oldest waiting event
        }
        if (start - queuedAt > pool.availabilityTimeoutNanos) {
            mark = start;
            pool.rejectNotTakenInTime(event, completion, this);
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
            // The watchdog timed this event out (its caller has had a 504): drop the result. Carry on if no
            // fresh worker took this one's place, else end this thread (the loop sees `abandoned`).
            boolean carriesOn = pool.abandonedWorkerReturned(this);
            Thread.interrupted(); // after the pool's decision, which is when any abort has happened
            LOG.atWarn().addKeyValue("trigger", pool.settings.triggerName()).addKeyValue("worker", index)
                    .addKeyValue("eventId", event.id())
                    .log("handler returned after its event timed out; result dropped, "
                            + (carriesOn ? "the worker carries on" : "the worker's thread ends (a fresh worker has its place)"));
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
        String what = pool.abandon(this, () -> {
            try {
                runtime.abort(thread);
            } catch (Throwable t) {
                LOG.warn("aborting a timed-out handler failed", t);
            }
        });
        pool.completeTimedOut(event, completion, start, index, what);
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
