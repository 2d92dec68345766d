package io.nucleon.core.worker;

import com.lmax.disruptor.Sequence;
import io.nucleon.api.Event;
import io.nucleon.spi.Completion;
import io.nucleon.spi.CompletionHops;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.EventBatch;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeFailure;
import io.nucleon.spi.WorkerRuntime;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
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
    /**
     * While a worker runs batch after batch, the replies it put off go out at least this often (and
     * whenever it is about to wait): a wake-up of an event loop per this many replies at most.
     */
    private static final int FLUSH_EVERY = 16;

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
    /** The events handed to {@link WorkerRuntime#invokeAll}; {@code null} when the runtime takes one at a time. */
    private Batch batch;
    /** The event just taken from the ring; this worker's thread only. */
    private final EventSlot taken = new EventSlot();
    /** Whether the runtime takes batches ({@link WorkerRuntime#takesBatches()}); set once it started. */
    private boolean batches;
    /** The events taken behind the first of a batch; this worker's thread only. */
    private EventSlot[] more = new EventSlot[0];
    /** Set by {@link #handleListBatch} when the batch timed out and this worker's thread must end. */
    private boolean batchEndedThread;

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
            batches = runtime.takesBatches();
        } catch (Throwable t) {
            started.completeExceptionally(t);
            return;
        }
        int batchLimit = runtime.batchLimit();
        batch = batchLimit > 1 ? new Batch(batchLimit) : null;
        started.complete(null);
        try {
            loop();
        } finally {
            if (batch != null) {
                batch.hops.close(); // no reply put off stays behind this thread
            }
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
                long start = waited ? System.nanoTime() : mark;
                // A runtime that takes several events either gets a list for a trigger that batches (Nuclio's
                // batch API) or has the queued events sent ahead (see handleBatch).
                boolean one = batch == null || (batches && taken.completion.batchLimit() > 1);
                if (!(one ? handle(start) : handleBatch(start))) {
                    return;
                }
                waited = false;
                continue;
            }
            if (batch != null) {
                batch.hops.close(); // nothing more to run now: the replies put off go out
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
        if (batches && completion.batchLimit() > 1 && handleListBatch(event, completion, start)) {
            return !batchEndedThread;
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
     * Runs the event just {@link #taken}, with the events queued behind it while no other worker is
     * idle and the pool cannot grow (up to the runtime's batch limit), through {@link WorkerRuntime#invokeAll}. Each event is
     * the running one in turn, under its own token, exactly as {@link #handle} runs a single event, so
     * the watchdog times out the one the runtime works on. Returns whether this worker carries on.
     */
    private boolean handleBatch(long start) {
        Batch b = batch;
        b.clear();
        admit(start);
        while (b.size < b.events.length
                && !pool.isClosing()
                && (idle == null || idle.sleeping() == 0)
                && !pool.mayGrow()) {
            long claimed = pool.claim(sequence);
            if (claimed < 0) {
                break;
            }
            pool.take(claimed, sequence, taken);
            admit(start);
        }
        if (b.size == 0) {
            mark = start;
            return true;
        }
        b.begin(0, start);
        Throwable thrown = null;
        CompletionHops.open(b.hops); // stays open from batch to batch while events keep coming (see loop)
        try {
            runtime.invokeAll(context, b);
        } catch (Throwable t) {
            thrown = t;
        }
        if (b.hops.deferred() >= FLUSH_EVERY) {
            b.hops.flush();
        }
        if (b.running >= b.size) {
            return true;
        }
        // The runtime stopped before reporting every event: the running one ends (it threw, or timed out),
        // the ones after it never started and go back to the pool.
        long token = tokens;
        boolean timedOut = b.abandoned || !RUNNING.compareAndSet(this, token, 0L);
        if (!timedOut) {
            Throwable error = thrown != null
                    ? thrown
                    : new IllegalStateException("the runtime returned before reporting event " + b.running + " of "
                            + b.size + " it was handed");
            int index = b.running;
            currentEvent = null;
            currentCompletion = null;
            mark = completions.failed(b.events[index], b.completions[index], error, currentStart, tally, pool);
        }
        for (int i = b.running + 1; i < b.size; i++) {
            if (b.events[i] != null) {
                completions.requeue(b.events[i], b.completions[i], pool);
            }
        }
        b.clear();
        if (!timedOut) {
            return true;
        }
        boolean carriesOn = pool.abandonedWorkerReturned(this);
        Thread.interrupted(); // after the pool's decision, which is when any abort has happened
        LOG.atWarn()
                .addKeyValue("trigger", settings.triggerName())
                .addKeyValue("worker", index)
                .log("the runtime returned after its running event timed out; the events behind it went back to the"
                        + " pool, "
                        + (carriesOn
                                ? "the worker carries on"
                                : "the worker's thread ends (a fresh worker has its place)"));
        return carriesOn;
    }

    /** Adds the event just {@link #taken} to the batch, or rejects it when it waited past the availability timeout. */
    private void admit(long now) {
        Event event = taken.event;
        Completion completion = taken.completion;
        long queuedAt = taken.queuedAt;
        taken.clear();
        if (now - queuedAt > availabilityTimeoutNanos) {
            completions.rejected(event, completion, Completions.Rejection.LATE, tally, pool);
            return;
        }
        Batch b = batch;
        b.events[b.size] = event;
        b.completions[b.size] = completion;
        b.size++;
    }

    /** The batch the worker hands its runtime; the runtime reports on the worker's thread (see {@link EventBatch}). */
    private final class Batch implements EventBatch {
        final Event[] events;
        final Completion[] completions;
        int size;
        /** The index of the running event. */
        int running;
        /** A report found its event timed out: the runtime is being aborted. */
        boolean abandoned;
        /** The replies put off while the batch runs; flushed when the runtime waits and when it ends. */
        final CompletionHops.Run hops = new CompletionHops.Run();

        Batch(int limit) {
            events = new Event[limit];
            completions = new Completion[limit];
        }

        void clear() {
            for (int i = 0; i < size; i++) {
                events[i] = null;
                completions[i] = null;
            }
            size = 0;
            running = 0;
            abandoned = false;
        }

        /** Makes event {@code i} the running one, started at {@code start}, under a fresh token. */
        void begin(int i, long start) {
            running = i;
            currentEvent = events[i];
            currentCompletion = completions[i];
            currentStart = start;
            RUNNING.setRelease(Worker.this, ++tokens);
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Event event(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("event " + i + " of a batch of " + size);
            }
            return events[i];
        }

        @Override
        public void flush() {
            hops.flush();
        }

        @Override
        public boolean succeeded(int i, Object result) {
            return report(i, result, null);
        }

        @Override
        public boolean failed(int i, Throwable error) {
            return report(i, null, error);
        }

        private boolean report(int i, Object result, Throwable error) {
            if (Thread.currentThread() != thread) {
                throw new IllegalStateException("a batch is reported on its worker's thread only");
            }
            if (abandoned && i > running && i < size && error != null && events[i] != null) {
                // an event the runtime had passed on ahead of the timed-out one, and cannot vouch for
                Worker.this.completions.failed(events[i], completions[i], error, System.nanoTime(), tally, pool);
                events[i] = null;
                completions[i] = null;
                return false;
            }
            if (i != running || abandoned) {
                throw new IllegalStateException(
                        abandoned
                                ? "event " + i + " reported after the batch was given up"
                                : "event " + i + " reported while event " + running
                                        + " runs (events are reported in order)");
            }
            if (!RUNNING.compareAndSet(Worker.this, tokens, 0L)) {
                abandoned = true; // the watchdog ended it; the runtime is being aborted
                return false;
            }
            Event event = events[i];
            Completion completion = completions[i];
            long start = currentStart;
            currentEvent = null;
            currentCompletion = null;
            events[i] = null;
            completions[i] = null;
            long end;
            if (result instanceof CompletionStage<?> stage && error == null) {
                end = Worker.this.completions.stage(event, completion, stage, start, tally, pool);
            } else if (error != null) {
                end = Worker.this.completions.failed(event, completion, error, start, tally, pool);
            } else {
                end = Worker.this.completions.succeeded(event, completion, result, start, tally, pool);
            }
            mark = end;
            if (i + 1 < size) {
                begin(i + 1, end);
            } else {
                running = size;
            }
            return true;
        }
    }

    /**
     * Runs {@code first} with the events already queued behind it, up to its completion's
     * {@link Completion#batchLimit()}, as one call of {@link WorkerRuntime#invokeBatch} (a batch of one
     * when nothing else is queued: a handler of a batching trigger always gets a list); each event then
     * completes with its own outcome. The watchdog watches the batch through its first event: past the
     * deadline it completes that one as timed out and aborts the runtime, and the others fail with 504
     * here. Sets {@link #batchEndedThread} when this worker's thread must end. Returns {@code true}.
     */
    private boolean handleListBatch(Event first, Completion firstCompletion, long start) {
        int limit = firstCompletion.batchLimit();
        if (more.length < limit - 1) {
            more = new EventSlot[limit - 1];
            for (int i = 0; i < more.length; i++) {
                more[i] = new EventSlot();
            }
        }
        int n = pool.takeUpTo(limit - 1, sequence, more);
        List<Event> events = new ArrayList<>(n + 1);
        List<Completion> batchCompletions = new ArrayList<>(n + 1);
        events.add(first);
        batchCompletions.add(firstCompletion);
        for (int i = 0; i < n; i++) {
            EventSlot slot = more[i];
            Event e = slot.event;
            Completion c = slot.completion;
            long queuedAt = slot.queuedAt;
            slot.clear();
            if (start - queuedAt > availabilityTimeoutNanos) {
                handoff.armed = true;
                completions.rejected(e, c, Completions.Rejection.LATE, tally, handoff);
                handoff.armed = false;
                continue;
            }
            events.add(e);
            batchCompletions.add(c);
        }
        currentEvent = first;
        currentCompletion = firstCompletion;
        currentStart = start;
        long token = ++tokens;
        RUNNING.setRelease(this, token);

        List<WorkerRuntime.BatchOutcome> outcomes = null;
        Throwable error = null;
        try {
            outcomes = runtime.invokeBatch(context, events);
            if (outcomes == null || outcomes.size() != events.size()) {
                throw new IllegalStateException("the runtime answered a batch of " + events.size() + " events with "
                        + (outcomes == null ? "nothing" : outcomes.size() + " outcomes"));
            }
        } catch (Throwable t) {
            error = t;
        }
        batchEndedThread = false;
        if (!RUNNING.compareAndSet(this, token, 0L)) {
            // the watchdog completed the first event as timed out; the others of the batch share its fate
            boolean carriesOn = pool.abandonedWorkerReturned(this);
            Thread.interrupted();
            RuntimeFailure timedOut = new RuntimeFailure(504, "the batch this event was in timed out");
            for (int i = 1; i < events.size(); i++) {
                completions.failed(events.get(i), batchCompletions.get(i), timedOut, start, tally, pool);
            }
            LOG.atWarn()
                    .addKeyValue("trigger", settings.triggerName())
                    .addKeyValue("worker", index)
                    .addKeyValue("eventId", first.id())
                    .addKeyValue("batch", events.size())
                    .log("handler returned after its batch timed out; results dropped, "
                            + (carriesOn
                                    ? "the worker carries on"
                                    : "the worker's thread ends (a fresh worker has its place)"));
            batchEndedThread = !carriesOn;
            return true;
        }
        currentEvent = null;
        currentCompletion = null;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            Completion c = batchCompletions.get(i);
            Throwable failure = error != null ? error : outcomes.get(i).error();
            Object result = error != null ? null : outcomes.get(i).result();
            if (failure == null && result instanceof CompletionStage<?> stage) {
                mark = completions.stage(e, c, stage, start, tally, pool);
                continue;
            }
            handoff.armed = true;
            try {
                mark = failure != null
                        ? completions.failed(e, c, failure, start, tally, handoff)
                        : completions.succeeded(e, c, result, start, tally, handoff);
            } finally {
                handoff.armed = false;
            }
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
