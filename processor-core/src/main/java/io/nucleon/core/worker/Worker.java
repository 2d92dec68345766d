package io.nucleon.core.worker;

import com.lmax.disruptor.Sequence;
import io.nucleon.api.Event;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.WorkerRuntime;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker: a thread that claims published events from its pool's ring (competing with the pool's
 * other workers on a shared work sequence) and runs the handler on them one at a time. With nothing
 * to claim it waits as the pool's wait strategy says: parked in {@link IdleWorkers} ({@code blocking})
 * or spinning.
 *
 * <pre>
 *  loop: pool.claim ─▶ pool.take (slot freed) ─▶ runtime.invoke ─▶ completions.succeeded / failed / stage
 *          ▲                                                              │ Completion.complete(…, next = handoff)
 *          └────────── claims next: the event the completion handed off, or any other ◀─┘
 * </pre>
 *
 * <p>The worker owns its thread, its running event and its place in the ring; how events end and
 * are counted belongs to {@link Completions}, which it calls with its slot's {@link Completions.Tally}.
 *
 * <p><b>Handing off the next event.</b> The completion of an event this worker ran gets the worker's
 * {@link Handoff} as its {@code next} dispatcher (see {@link Completion}). The first event dispatched
 * through it during that call is published without waking a sleeping worker, because this worker
 * claims an event as soon as the completion returns: a Kafka partition that hands out its next
 * record on each finished one stays on one warm thread. Any later event of the call, and any use of
 * the handoff from another thread or after the call, is an ordinary {@link WorkerPool#dispatch}.
 *
 * <p><b>Retiring.</b> In an elastic pool, a worker that has been idle (claiming nothing) for the
 * pool's {@code workerIdleTimeout} asks its pool to {@linkplain WorkerPool#retire retire} it; it does
 * so only between events, holding no claim, so no event is left behind. A retired worker's thread
 * closes its runtime (a wrapper process stops) and ends.
 *
 * <p>While an event runs, {@link #running} holds a token that is not zero. Whoever moves it back to
 * zero by compare-and-set owns the event's completion: the worker when the handler returns, or the
 * {@link TimeoutWatchdog} when the deadline passes first, in which case this worker is abandoned
 * and its pool decides its {@link Fate}.
 */
final class Worker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final VarHandle RUNNING;

    static {
        try {
            RUNNING = MethodHandles.lookup().findVarHandle(Worker.class, "running", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What became of a worker after a timeout. Decided by its pool, under the pool's lock. */
    enum Fate {
        /** Serving events (also: timed out, and the watchdog has not decided yet). */
        SERVING,
        /** Its handler returned after the deadline before the watchdog decided: it carries on, nothing is replaced. */
        RETURNED,
        /** Abandoned and replaced by a fresh worker: its thread ends when the handler returns. */
        REPLACED,
        /** Abandoned without a replacement (maxAbandonedWorkers reached): carries on when the handler returns. */
        LOST,
        /** Abandoned while the pool was closing: its thread ends when the handler returns. */
        RETIRED;

        boolean abandoned() {
            return this == REPLACED || this == LOST || this == RETIRED;
        }
    }

    final int index;
    /** Set just below the slot this worker claims, only while claiming and reading it; a gating sequence of the ring. */
    final Sequence sequence = new Sequence(Long.MAX_VALUE);

    final CompletableFuture<Void> started = new CompletableFuture<>();
    private final WorkerPool pool;
    private final PoolSettings settings;
    private final FunctionRuntime functionRuntime;
    private final Completions completions;
    private final Completions.Tally tally;
    private final WorkerContext context;
    private final Handoff handoff;
    private final long availabilityTimeoutNanos;
    /** Where this worker sleeps, for the {@code blocking} strategy; {@code null} for the spinning ones. */
    private final IdleWorkers idle;

    private final BooleanSupplier stillIdle;
    private final BooleanSupplier hasEvent;
    private Thread thread;
    /** This worker's place among the sleepers; {@code null} for the spinning wait strategies. */
    private IdleWorkers.Parker parker;

    private WorkerRuntime runtime;
    /** The event just taken from the ring; this worker's thread only. */
    private final EventSlot taken = new EventSlot();

    // The event in the handler, published to the watchdog by the volatile write of `running`.
    private Event currentEvent;
    private Completion currentCompletion;
    private long currentStart;

    @SuppressWarnings("unused")
    private volatile long running;

    private long tokens;
    /** Read by any thread; written by the pool under its lock. */
    private volatile Fate fate = Fate.SERVING;
    /** When this worker finished its last event ({@link System#nanoTime()}); this worker's thread only. */
    private long mark;
    /** How long this worker may stay idle before it asks to retire; 0 in a fixed pool. */
    private final long idleTimeoutNanos;
    /** Whether the pool retired this worker (its thread then closes the runtime and ends). */
    private boolean retired;

    Worker(
            WorkerPool pool,
            int index,
            PoolSettings settings,
            FunctionRuntime functionRuntime,
            IdleWorkers idle,
            Completions completions) {
        this.pool = pool;
        this.index = index;
        this.settings = settings;
        this.functionRuntime = functionRuntime;
        this.idle = idle;
        this.completions = completions;
        this.tally = completions.tally(index);
        this.availabilityTimeoutNanos = settings.workerAvailabilityTimeout().toNanos();
        this.stillIdle = () -> !pool.isClosing() && !pool.hasEvent();
        this.hasEvent = pool::hasEvent;
        this.context = new WorkerContext(
                settings.functionName(),
                settings.triggerKind(),
                settings.triggerName(),
                index,
                settings.env(),
                settings.bindings());
        this.handoff = new Handoff(pool);
        this.idleTimeoutNanos = settings.elastic() ? settings.idleTimeoutNanos() : 0;
    }

    void start() {
        thread = new Thread(this, "nucleon-" + settings.triggerName() + "-worker-" + index);
        thread.setDaemon(true);
        handoff.worker = thread;
        if (idle != null) {
            parker = idle.register(index, thread);
        }
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    boolean isBusy() {
        return running != 0;
    }

    /** What became of this worker; see {@link Fate}. */
    Fate fate() {
        return fate;
    }

    /** Records the pool's decision; call under the pool's lock only. */
    void fate(Fate decided) {
        fate = decided;
    }

    boolean isAbandoned() {
        return fate.abandoned();
    }

    /** Whether its runtime started and it takes events (it may be busy). */
    boolean isServing() {
        return started.isDone() && !started.isCompletedExceptionally();
    }

    @Override
    public void run() {
        try {
            runtime = functionRuntime.startWorker(context);
        } catch (Throwable t) {
            started.completeExceptionally(t);
            return;
        }
        started.complete(null);
        try {
            loop();
        } finally {
            if (!isAbandoned()) {
                closeRuntime();
            }
            if (retired) {
                pool.retiredWorkerClosed(this);
            }
        }
    }

    private void loop() {
        boolean searching = false; // woken by a dispatcher to look for events (see IdleWorkers)
        boolean waited = true;
        int idleRounds = 0;
        long idleSince = System.nanoTime(); // read only in an elastic pool
        while (true) {
            if (pool.isClosing()) {
                return; // what is still queued is rejected by the pool's close
            }
            long claimed = pool.claim(sequence);
            if (claimed >= 0) {
                if (searching) {
                    searching = false;
                    idle.foundEvent(hasEvent);
                }
                idleRounds = 0;
                pool.take(claimed, sequence, taken);
                // Back to back with the previous event, its end time is this one's start: one clock read per event.
                if (!handle(waited ? System.nanoTime() : mark)) {
                    return;
                }
                waited = false;
                continue;
            }
            if (searching) {
                searching = false;
                idle.foundNothing();
            }
            if (!waited) {
                idleSince = mark; // idle since the end of the last event
            }
            waited = true;
            if (parker != null) {
                if (idleTimeoutNanos == 0) {
                    searching = idle.park(parker, stillIdle);
                } else {
                    searching = idle.park(parker, stillIdle, idleSince + idleTimeoutNanos);
                    if (!searching && System.nanoTime() - idleSince >= idleTimeoutNanos) {
                        if (retire()) {
                            return;
                        }
                        idleSince = System.nanoTime(); // kept (the pool is at its minimum): idle afresh
                    }
                }
            } else {
                settings.waitStrategy().idle(idleRounds++);
                if (idleTimeoutNanos != 0
                        && (idleRounds & 63) == 0
                        && System.nanoTime() - idleSince >= idleTimeoutNanos) {
                    if (retire()) {
                        return;
                    }
                    idleSince = System.nanoTime();
                }
            }
        }
    }

    /** Asks the pool to retire this idle worker; returns whether it did (the loop then ends). */
    private boolean retire() {
        retired = pool.retire(this);
        return retired;
    }

    /** Runs the event just {@link #taken}; returns whether this worker carries on serving. */
    private boolean handle(long start) {
        Event event = taken.event;
        Completion completion = taken.completion;
        long queuedAt = taken.queuedAt;
        taken.clear();
        if (start - queuedAt > availabilityTimeoutNanos) {
            mark = start;
            handoff.armed = true;
            completions.rejected(event, completion, Completions.Rejection.LATE, tally, handoff);
            handoff.armed = false;
            return true;
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
            // fresh worker took this one's place, else end this thread.
            boolean carriesOn = pool.abandonedWorkerReturned(this);
            Thread.interrupted(); // after the pool's decision, which is when any abort has happened
            LOG.atWarn()
                    .addKeyValue("trigger", settings.triggerName())
                    .addKeyValue("worker", index)
                    .addKeyValue("eventId", event.id())
                    .log("handler returned after its event timed out; result dropped, "
                            + (carriesOn
                                    ? "the worker carries on"
                                    : "the worker's thread ends (a fresh worker has its place)"));
            return carriesOn;
        }
        currentEvent = null;
        currentCompletion = null;
        if (result instanceof CompletionStage<?> stage && error == null) {
            mark = completions.stage(event, completion, stage, start, tally, pool);
            return true;
        }
        handoff.armed = true;
        try {
            mark = error != null
                    ? completions.failed(event, completion, error, start, tally, handoff)
                    : completions.succeeded(event, completion, result, start, tally, handoff);
        } finally {
            handoff.armed = false;
        }
        return true;
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
        completions.timedOut(event, completion, start, index, what, pool);
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

    /**
     * The {@code next} dispatcher of the completions this worker calls: while {@link #armed} (during a
     * completion call on the worker's own thread), the first event goes into the ring without a
     * wake-up, since the worker claims an event right after; everything else is an ordinary dispatch.
     */
    static final class Handoff implements Dispatcher {
        private final WorkerPool pool;
        /** The worker's thread: only its own dispatches may skip the wake-up. */
        private Thread worker;
        /** Set by the worker around a completion call, cleared by the first dispatch; the worker's thread only. */
        private boolean armed;

        private Handoff(WorkerPool pool) {
            this.pool = pool;
        }

        @Override
        public void dispatch(Event event, Completion completion) {
            if (Thread.currentThread() == worker && armed) {
                armed = false;
                pool.dispatchBatched(event, completion); // published, nobody woken: our worker claims next
            } else {
                pool.dispatch(event, completion);
            }
        }

        @Override
        public void dispatchBatched(Event event, Completion completion) {
            pool.dispatchBatched(event, completion);
        }

        @Override
        public void endBatch() {
            pool.endBatch();
        }

        @Override
        public int numWorkers() {
            return pool.numWorkers();
        }

        @Override
        public long inFlight() {
            return pool.inFlight();
        }
    }
}
