package io.nucleon.core.worker;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import io.nucleon.api.Event;
import io.nucleon.core.metrics.TriggerMetrics;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.Outcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trigger's pool of workers fed by one Disruptor ring: the allocator.
 *
 * <pre>
 *  trigger threads ──dispatch──▶ [ ring (multi-producer, bounded) ] ──claim──▶ worker 0 ─┐
 *        │ ring full                      ▲                         ──claim──▶ worker 1 ─┼─▶ completion
 *        ▼                                │ room frees              ──claim──▶ worker N ─┘
 *  whenQueueFull: wait ──▶ [ waiting list ]──┘     reject ──▶ 503 at once
 * </pre>
 *
 * Workers compete for slots through a shared work sequence, so any free worker takes the next
 * event (Disruptor 4 has no WorkerPool; this is that pattern built on its sequences).
 *
 * <p>{@link #dispatch} never blocks its caller, which is usually an I/O thread (a Netty event loop,
 * a broker client's thread, a timer). When the ring is full, the pool's {@link QueueFullPolicy} decides:
 * the event waits on a bounded {@link WaitingList} that is drained into the ring as workers free
 * room ({@code wait}), or it is rejected at once ({@code reject}). An event that has waited longer
 * than the worker-availability timeout, in the ring or on the list, is rejected instead of being run
 * late: by the worker that finds it, or by the {@link TimeoutWatchdog}'s sweep, whichever comes first,
 * so the caller hears within a watchdog tick of the timeout. A rejected event completes with
 * {@link Outcome#REJECTED} (503, with {@code Retry-After}).
 *
 * <p>A worker whose handler overran the event timeout is abandoned and replaced by a fresh one, up to
 * {@code maxAbandonedWorkers} abandoned threads still stuck at once; beyond that the pool runs short
 * (the lost workers show in {@link #status()}, the metrics and readiness) until a stuck handler
 * returns, when its worker carries on.
 *
 * <p><b>Elastic pools</b> ({@code minWorkers} below {@code numWorkers}) start {@code minWorkers} workers
 * (at least one), grow by one worker at a time while events find no idle worker, and retire workers
 * idle past {@code workerIdleTimeout} down to {@code minWorkers}; {@link PoolScaling} decides when to
 * grow, the pool places and removes the workers. A worker has a place ({@code workers[i]}, its
 * {@link Worker#index}) from its start until it retires (or fails to start); its gating sequence is in
 * the ring for as long. A fixed pool never changes its places except to replace a timed-out worker.
 *
 * <p>Who owns what: the pool owns the ring, the waiting list, the workers and the decisions about
 * abandoned ones; each {@link Worker} owns its thread and the event it runs; {@link Completions} owns
 * how an event ends (the one call to the trigger's {@link Completion}, the in-flight count, outcome
 * counts and durations). Each calls the others' methods and writes no field of theirs. A completion
 * run on a worker hands the next event to that worker through the worker's {@link Worker.Handoff}
 * (see {@link Completion}); everything else dispatches through the pool.
 */
public final class WorkerPool implements Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Worker[].class);

    private final PoolSettings settings;
    private final FunctionRuntime runtime;
    private final RingBuffer<EventSlot> ring;
    private final Sequence workSequence = new Sequence(-1L);
    /** The watchdog's gating sequence while it claims an expired event to reject it (see {@link #expireQueued}). */
    private final Sequence sweeperSequence = new Sequence(Long.MAX_VALUE);
    /** Where events wait for room with {@link QueueFullPolicy#WAIT}; {@code null} with {@code REJECT}. */
    private final WaitingList waiting;

    private final long availabilityTimeoutNanos;
    private final long eventTimeoutNanos;
    private final TriggerMetrics metrics;
    /** Where idle workers sleep, for the {@code blocking} strategy; {@code null} for the spinning ones. */
    private final IdleWorkers idle;
    /** How events end, and the books about it (in flight, outcomes, durations): the pool only calls it. */
    private final Completions completions;

    /** The workers by place; {@code null} where none is (an elastic pool below its maximum). Written under the pool lock. */
    private final Worker[] workers;
    /** Places taken, {@code workers} not {@code null}: starting, serving or stuck. Written under the pool lock. */
    private volatile int size;
    /** When an elastic pool grows; {@code null} for a fixed pool. */
    private final PoolScaling scaling;
    /** Workers retired and still closing their runtime (a wrapper stopping); joined by {@link #close}. */
    private final java.util.Set<Worker> retiring = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Abandoned workers whose stuck thread got a replacement; at most {@code maxAbandonedWorkers}. Pool lock. */
    private int replacedStuck;
    /** Abandoned workers left without a replacement (the cap was reached): capacity lost. Pool lock. */
    private int lost;

    private volatile int lostView;
    private volatile int stuckView;
    private volatile boolean accepting = true;
    private volatile boolean closing;
    private volatile boolean ready;

    public WorkerPool(
            PoolSettings settings, FunctionRuntime runtime, TriggerMetrics metrics, ScheduledExecutorService timers) {
        this.settings = settings;
        this.runtime = runtime;
        this.metrics = metrics;
        this.availabilityTimeoutNanos = settings.workerAvailabilityTimeout().toNanos();
        this.eventTimeoutNanos = settings.eventTimeout().toNanos();
        this.scaling = settings.elastic() ? new PoolScaling(settings, metrics, timers, () -> size, this::grow) : null;
        PoolScaling sc = scaling;
        this.idle = settings.waitStrategy() == WaitStrategyKind.BLOCKING
                ? new IdleWorkers(settings.numWorkers(), sc == null ? null : sc::request)
                : null;
        // Workers claim published slots themselves and never wait on a barrier, so the ring's own wait
        // strategy is never waited on; BusySpinWaitStrategy is the one whose publish-side signal is free.
        this.ring = RingBuffer.createMultiProducer(EventSlot::new, settings.ringSize(), new BusySpinWaitStrategy());
        this.workers = new Worker[settings.numWorkers()];
        this.waiting =
                settings.whenQueueFull() == QueueFullPolicy.WAIT ? new WaitingList(settings.waitingListSize()) : null;
        this.completions = new Completions(settings, metrics, timers, waiting == null ? -1 : waiting.capacity());
        metrics.gauges(this, p -> p.size, WorkerPool::availableWorkers, WorkerPool::inFlight);
        metrics.sizeGauges(this, p -> p.settings.minWorkers(), p -> p.settings.numWorkers(), WorkerPool::count);
        metrics.overloadGauges(
                this,
                WorkerPool::queued,
                p -> p.waiting == null ? 0 : p.waiting.size(),
                p -> p.stuckView,
                p -> p.lostView);
    }

    /**
     * Starts the workers ({@code numWorkers}, or for an elastic pool {@code minWorkers} but at least one)
     * and waits for each to run its handler's init hook.
     *
     * @throws Exception the first init failure, after stopping the workers that did start
     */
    public void start(Duration initTimeout) throws Exception {
        // Producers may not overwrite a slot no worker has claimed (the work sequence), nor the slot a
        // worker is claiming and reading (its own sequence, at MAX_VALUE the rest of the time).
        // The work sequence must come FIRST: producers read the gating sequences in array order, and
        // a worker lowers its own sequence before it advances the work sequence, so reading the work
        // sequence first is what makes the (non-atomic) minimum safe. A later worker (a replacement)
        // is appended after it. ProcessorTest.aSmallRingWrappedThousandsOfTimesLosesAndRepeatsNoEvent catches a wrong
        // order.
        int initial = scaling == null ? workers.length : settings.initialWorkers();
        Worker[] first = new Worker[initial];
        Sequence[] gating = new Sequence[initial + 2];
        gating[0] = workSequence;
        gating[1] = sweeperSequence;
        synchronized (this) {
            for (int i = 0; i < initial; i++) {
                first[i] = newWorker(i);
                gating[i + 2] = first[i].sequence;
                place(i, first[i]);
            }
            size = initial;
        }
        ring.addGatingSequences(gating); // sets them all to the cursor
        sweeperSequence.set(Long.MAX_VALUE);
        for (Worker w : first) {
            w.sequence.set(Long.MAX_VALUE);
        }
        for (Worker w : first) {
            w.start();
        }
        long deadline = System.nanoTime() + initTimeout.toNanos();
        for (Worker w : first) {
            try {
                w.started.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                close(Duration.ofSeconds(1));
                Throwable cause = e.getCause();
                throw cause instanceof Exception ex ? ex : new IllegalStateException(cause);
            } catch (java.util.concurrent.TimeoutException e) {
                close(Duration.ofSeconds(1));
                throw new IllegalStateException("worker " + w.index + " of trigger '" + settings.triggerName()
                        + "' did not finish its handler init within " + initTimeout.toMillis() + " ms");
            }
        }
        ready = true;
    }

    private Worker newWorker(int index) {
        return new Worker(this, index, settings, runtime, idle, completions);
    }

    @Override
    public void dispatch(Event event, Completion completion) {
        if (publish(event, completion)) {
            wakeSleepers();
        }
    }

    @Override
    public void dispatchBatched(Event event, Completion completion) {
        publish(event, completion);
    }

    @Override
    public void endBatch() {
        wakeSleepers();
    }

    private void wakeSleepers() {
        if (idle != null) {
            idle.signal();
        }
    }

    /**
     * Claims the next published event for a worker, or returns -1 when none is waiting. The worker's
     * {@code own} sequence is set just below the slot before the claim, so no producer can reuse the
     * slot until the worker has read it and moved its sequence on.
     */
    long claim(Sequence own) {
        boolean holding = false;
        while (true) {
            long current = workSequence.get();
            long next = current + 1;
            if (!ring.isAvailable(next)) {
                if (holding) {
                    own.set(Long.MAX_VALUE); // lost the race for the last event: hold nothing back
                }
                return -1;
            }
            holding = true;
            own.set(current);
            if (workSequence.compareAndSet(current, next)) {
                return next;
            }
        }
    }

    /**
     * Hands a worker the event in the slot it {@linkplain #claim claimed}: copies it into {@code into},
     * frees the slot (the worker's {@code own} sequence stops holding producers back; the work sequence
     * guards the rest), and gives the room to the oldest waiting event.
     */
    void take(long claimed, Sequence own, EventSlot into) {
        EventSlot slot = ring.get(claimed);
        into.event = slot.event;
        into.completion = slot.completion;
        into.queuedAt = slot.queuedAt;
        slot.clear();
        own.set(Long.MAX_VALUE);
        WaitingList w = waiting;
        if (w != null && w.hasWaiters()) {
            drainWaiting();
        }
    }

    /**
     * Claims and takes up to {@code max} more published events for a worker that already holds one
     * and may run several at once (a batch): as {@link #claim} then {@link #take} for each, stopping at
     * the first that is not there yet (it never waits).
     *
     * @return how many of {@code into} were filled, from index 0
     */
    int takeUpTo(int max, Sequence own, EventSlot[] into) {
        int n = 0;
        while (n < max) {
            long claimed = claim(own);
            if (claimed < 0) {
                break;
            }
            take(claimed, own, into[n++]);
        }
        return n;
    }

    /** Whether a published event waits for a worker. */
    boolean hasEvent() {
        return ring.isAvailable(workSequence.get() + 1);
    }

    /**
     * Puts the event in the ring, on the waiting list, or completes it as rejected; returns whether it
     * went straight into the ring (the caller then wakes a worker). Never blocks.
     */
    private boolean publish(Event event, Completion completion) {
        completions.accepted(); // before the check, so a drain that starts now waits for this event
        if (!accepting) {
            completions.rejected(event, completion, Completions.Rejection.STOPPING, null, this);
            return false;
        }
        long now = System.nanoTime();
        WaitingList w = waiting;
        if (w == null || !w.hasWaiters()) { // nobody is ahead of this event
            long seq = tryClaimSlot();
            if (seq >= 0) {
                fill(seq, event, completion, now);
                return true;
            }
            wakeSleepers(); // a batch may have filled the ring while its workers slept
            if (w == null) {
                completions.rejected(event, completion, Completions.Rejection.QUEUE_FULL, null, this);
                return false;
            }
        }
        if (!w.offer(event, completion, now)) {
            wakeSleepers();
            completions.rejected(event, completion, Completions.Rejection.QUEUE_FULL, null, this);
            return false;
        }
        drainWaiting(); // room may have freed since the ring was found full
        return false;
    }

    /** Claims a slot of the ring for a producer, or returns -1 when the ring is full. */
    private long tryClaimSlot() {
        try {
            return ring.tryNext();
        } catch (InsufficientCapacityException full) {
            return -1;
        }
    }

    private void fill(long seq, Event event, Completion completion, long queuedAt) {
        EventSlot slot = ring.get(seq);
        slot.event = event;
        slot.completion = completion;
        slot.queuedAt = queuedAt;
        ring.publish(seq);
    }

    /**
     * Moves waiting events into the ring while it has room, oldest first, and rejects those that waited
     * past the availability timeout (or all of them once the pool is closing). Called by a dispatcher
     * after it put an event on the list, by a worker after it freed a slot, and by the watchdog's sweep.
     * One thread drains at a time; a thread that finds another draining leaves it the work, and the
     * drainer looks again after unlocking, so nothing offered meanwhile is stranded. Never blocks.
     */
    void drainWaiting() {
        WaitingList w = waiting;
        if (w == null) {
            return;
        }
        do {
            if (!w.tryLock()) {
                return;
            }
            boolean moved = false;
            try {
                WaitingList.Waiter head;
                while ((head = w.peek()) != null) {
                    if (closing) {
                        w.removeHead();
                        completions.rejected(
                                head.event(), head.completion(), Completions.Rejection.STOPPED, null, this);
                        continue;
                    }
                    if (System.nanoTime() - head.queuedAt() > availabilityTimeoutNanos) {
                        w.removeHead();
                        completions.rejected(head.event(), head.completion(), Completions.Rejection.LATE, null, this);
                        continue;
                    }
                    long seq = tryClaimSlot();
                    if (seq < 0) {
                        break;
                    }
                    w.removeHead();
                    fill(seq, head.event(), head.completion(), head.queuedAt());
                    moved = true;
                }
            } finally {
                w.unlock();
            }
            if (moved) {
                wakeSleepers();
            }
        } while (!w.isEmpty() && (closing || ring.hasAvailableCapacity(1)));
    }

    /**
     * Rejects the events at the head of the ring that have waited past the availability timeout, so
     * their callers hear at once rather than when a worker next frees up. Watchdog thread only: it
     * claims each such event exactly as a worker does (lowering its own gating sequence, then moving the
     * work sequence by compare-and-set), so it can never take an event a worker took.
     */
    void expireQueued(long now) {
        while (true) {
            long current = workSequence.get();
            long next = current + 1;
            if (!ring.isAvailable(next)) {
                return;
            }
            // Safe to read before claiming: the slot cannot be reused while the work sequence is below
            // it, and if someone claims it meanwhile the compare-and-set below fails.
            long queuedAt = ring.get(next).queuedAt;
            if (now - queuedAt <= availabilityTimeoutNanos) {
                return;
            }
            sweeperSequence.set(current);
            if (!workSequence.compareAndSet(current, next)) {
                sweeperSequence.set(Long.MAX_VALUE);
                continue;
            }
            EventSlot slot = ring.get(next);
            Event event = slot.event;
            Completion completion = slot.completion;
            slot.clear();
            sweeperSequence.set(Long.MAX_VALUE);
            completions.rejected(event, completion, Completions.Rejection.LATE, null, this);
        }
    }

    /** The most workers the pool has ({@code numWorkers}); an elastic pool may have fewer now ({@link #size()}). */
    @Override
    public int numWorkers() {
        return workers.length;
    }

    /** Workers in the pool now: starting, serving or stuck. */
    public int size() {
        return size;
    }

    /**
     * Whether the pool may still add a worker (an elastic pool below {@code numWorkers}): a worker then
     * leaves queued events in the ring, where a new worker can take them, rather than sending them ahead
     * to its runtime.
     */
    boolean mayGrow() {
        return scaling != null && size < workers.length;
    }

    /** Events accepted and not yet completed (see {@link Completions#inFlight()}): never too low, safe for draining. */
    @Override
    public long inFlight() {
        return completions.inFlight();
    }

    /** Workers serving and not running a handler right now (a worker lost to a stuck handler is not available). */
    public int availableWorkers() {
        int n = 0;
        for (int i = 0; i < workers.length; i++) {
            Worker w = worker(i);
            if (w != null && w.isServing() && !w.isBusy() && !w.isAbandoned()) {
                n++;
            }
        }
        return n;
    }

    /** Workers in {@code state} now: {@code starting}, {@code idle}, {@code busy} or {@code retiring}. */
    private int count(String state) {
        if (state.equals("retiring")) {
            return retiring.size();
        }
        int n = 0;
        for (int i = 0; i < workers.length; i++) {
            Worker w = worker(i);
            if (w != null && state.equals(stateOf(w))) {
                n++;
            }
        }
        return n;
    }

    private static String stateOf(Worker w) {
        if (!w.started.isDone()) {
            return "starting";
        }
        if (w.started.isCompletedExceptionally()) {
            return "failed";
        }
        return w.isBusy() || w.isAbandoned() ? "busy" : "idle";
    }

    private Worker worker(int index) {
        return (Worker) SLOT.getAcquire(workers, index);
    }

    /** Puts {@code w} (or {@code null}) at {@code index}; under the pool lock. */
    private void place(int index, Worker w) {
        SLOT.setRelease(workers, index, w);
    }

    /** Events waiting in the ring for a worker. */
    public long queued() {
        return Math.max(0, ring.getCursor() - workSequence.get());
    }

    /** Started, accepting, no worker lost to a stuck handler, and (elastic) at least {@code minWorkers} serving. */
    public boolean isReady() {
        return ready && accepting && lostView == 0 && (scaling == null || serving() >= scaling.min);
    }

    /** Workers whose runtime started and that take events. */
    private int serving() {
        int n = 0;
        for (int i = 0; i < workers.length; i++) {
            Worker w = worker(i);
            if (w != null && w.isServing()) {
                n++;
            }
        }
        return n;
    }

    /** Why the pool is not ready, or {@code null} when it is. */
    public String notReadyReason() {
        if (!ready || !accepting) {
            return closing || !accepting ? "the workers are stopping" : "the workers are starting";
        }
        int l = lostView;
        if (l == 0) {
            if (scaling != null && serving() < scaling.min) {
                return "only " + serving() + " workers serve, below minWorkers (" + scaling.min
                        + "); a worker failed to start and another is started after a back-off";
            }
            return null;
        }
        return l + " of " + size + " workers are stuck in handlers that overran the event timeout of "
                + settings.eventTimeout().toMillis() + " ms and ignored the interrupt, and maxAbandonedWorkers ("
                + settings.maxAbandonedWorkers() + ") stuck workers are already replaced; ready again when one returns";
    }

    boolean isClosing() {
        return closing;
    }

    // ---- timeouts -------------------------------------------------------------------------------

    /**
     * Called by the watchdog every tick: times out every worker whose handler has run past the event
     * timeout, and rejects the events that have waited past the availability timeout, in the ring or on
     * the waiting list (and moves waiting events into room a worker freed, should a wake-up have raced).
     */
    void checkTimeouts(long now) {
        for (int i = 0; i < workers.length; i++) {
            Worker w = worker(i);
            if (w != null) {
                w.timeOutIfOverdue(now, eventTimeoutNanos);
            }
        }
        expireQueued(now);
        if (waiting != null && waiting.hasWaiters()) {
            drainWaiting();
        }
        if (scaling != null && (size < scaling.min || eventWaited(now, PoolScaling.WAITED_NANOS))) {
            scaling.request(); // the spinning strategies' cue to grow, and a back-stop for the blocking one's
        }
    }

    /** Whether the event at the head of the queue has waited longer than {@code nanos}, or events wait for room. */
    private boolean eventWaited(long now, long nanos) {
        if (waiting != null && waiting.hasWaiters()) {
            return true;
        }
        long next = workSequence.get() + 1;
        // racy by design, as in expireQueued: a slot claimed meanwhile only makes this answer stale
        return ring.isAvailable(next) && now - ring.get(next).queuedAt > nanos;
    }

    /**
     * Decides the fate of a worker whose overdue event the watchdog has just taken over: it is aborted
     * (interrupted, or its wrapper process killed) and replaced by a fresh worker, unless
     * {@code maxAbandonedWorkers} stuck workers are replaced already, in which case it is lost until its
     * handler returns. Returns what became of it, for the log. Watchdog thread; {@code abort} runs under
     * the pool's lock, so it must not block (an interrupt, a process kill).
     */
    synchronized String abandon(Worker w, Runnable abort) {
        if (w.fate() == Worker.Fate.RETURNED) {
            w.fate(Worker.Fate.SERVING); // its handler returned between the deadline and now: it has carried on
            return "the handler returned just after the deadline; its worker carries on";
        }
        abort.run();
        if (closing) {
            w.fate(Worker.Fate.RETIRED);
            return null;
        }
        if (replacedStuck < settings.maxAbandonedWorkers()) {
            replacedStuck++;
            w.fate(Worker.Fate.REPLACED);
            updateStuckViews();
            replace(w);
            return "the worker is replaced";
        }
        lost++;
        w.fate(Worker.Fate.LOST);
        updateStuckViews();
        metrics.workerLost();
        LOG.atError()
                .addKeyValue("function", settings.functionName())
                .addKeyValue("trigger", settings.triggerName())
                .addKeyValue("worker", w.index)
                .addKeyValue("lostWorkers", lost)
                .addKeyValue("maxAbandonedWorkers", settings.maxAbandonedWorkers())
                .log("a handler ignored its interrupt past the event timeout and maxAbandonedWorkers stuck workers"
                        + " are already replaced: the pool runs with " + (size - lost) + " of " + size
                        + " workers and is not ready until a stuck handler returns");
        return "the worker is lost until its handler returns (maxAbandonedWorkers reached)";
    }

    /**
     * Called on an abandoned worker's own thread when its handler finally returned. Returns whether
     * the worker carries on serving (it was never replaced) or its thread should end (a fresh worker
     * has its place). When a replaced worker's thread ends, a worker lost for lack of room under the cap
     * gets its replacement.
     */
    synchronized boolean abandonedWorkerReturned(Worker w) {
        switch (w.fate()) {
            case SERVING -> {
                w.fate(
                        Worker.Fate
                                .RETURNED); // the watchdog has taken the event but not decided yet: nothing to replace
                return true;
            }
            case LOST -> {
                lost--;
                w.fate(Worker.Fate.SERVING);
                updateStuckViews();
                LOG.atInfo()
                        .addKeyValue("trigger", settings.triggerName())
                        .addKeyValue("worker", w.index)
                        .log("a stuck handler returned; its worker carries on");
                return true;
            }
            case REPLACED -> {
                replacedStuck--;
                if (lost > 0 && !closing) {
                    for (int i = 0; i < workers.length; i++) {
                        Worker other = worker(i);
                        if (other != null && other.fate() == Worker.Fate.LOST) {
                            lost--;
                            replacedStuck++;
                            other.fate(Worker.Fate.REPLACED);
                            replace(other);
                            break;
                        }
                    }
                }
                updateStuckViews();
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    private void updateStuckViews() {
        lostView = lost;
        stuckView = replacedStuck + lost;
    }

    /**
     * Puts a fresh worker in place of one abandoned to a stuck handler. The fresh worker takes over
     * the abandoned one's position in the ring before that one stops gating it, so no slot is
     * overwritten early and none is skipped.
     */
    private synchronized void replace(Worker old) {
        if (closing) {
            return;
        }
        Worker fresh = newWorker(old.index); // it takes over old's tally: old's thread ends or stays stuck, uncounted
        ring.addGatingSequences(fresh.sequence); // sets it to the cursor
        fresh.sequence.set(Long.MAX_VALUE);
        ring.removeGatingSequence(old.sequence);
        place(old.index, fresh);
        metrics.workerReplaced();
        fresh.start();
        fresh.started.whenComplete((ok, error) -> {
            if (error != null && scaling != null) {
                failedToStart(fresh, error, false); // frees its place: the pool grows back after a back-off
            } else if (error != null) {
                LOG.error(
                        "replacement worker {} of trigger '{}' failed its handler init; the pool runs with one worker"
                                + " less",
                        fresh.index,
                        settings.triggerName(),
                        error);
            }
        });
    }

    // ---- elastic size ---------------------------------------------------------------------------

    /**
     * Adds one worker to an elastic pool in its lowest free place, unless the pool is closing or full.
     * Runs on {@link PoolScaling}'s executor, never on a trigger's thread; the fresh worker's runtime
     * starts (a wrapper process launches) on the worker's own thread, and it claims events only once
     * that is done, so the workers already serving keep taking events meanwhile.
     */
    void grow() {
        Worker fresh = null;
        synchronized (this) {
            if (!closing && size < workers.length) {
                for (int i = 0; i < workers.length; i++) {
                    if (worker(i) == null) {
                        fresh = newWorker(i);
                        break;
                    }
                }
            }
            if (fresh == null) {
                scaling.skipped();
                return;
            }
            ring.addGatingSequences(fresh.sequence); // sets it to the cursor
            fresh.sequence.set(Long.MAX_VALUE);
            place(fresh.index, fresh);
            size++;
            fresh.start();
        }
        Worker w = fresh;
        w.started.whenComplete((ok, error) -> {
            if (error == null) {
                scaling.grew(w.index, size);
            } else {
                failedToStart(w, error, true);
            }
        });
    }

    /** A worker of an elastic pool failed to start: its place is freed, so the pool can grow back after a back-off. */
    private void failedToStart(Worker w, Throwable error, boolean onDemand) {
        int left;
        synchronized (this) {
            if (worker(w.index) == w) {
                ring.removeGatingSequence(w.sequence);
                place(w.index, null);
                size--;
            }
            left = size;
        }
        scaling.failedToStart(w.index, left, error, onDemand);
    }

    /**
     * Takes an idle worker of an elastic pool out of it, if the pool is above {@code minWorkers}, the
     * worker serves (not abandoned, not replaced) and no event waits. Called on the worker's own thread
     * between events, holding no claim, so it leaves nothing behind; it then closes its runtime and
     * ends, and {@link #retiredWorkerClosed} is called. Returns whether it retired.
     */
    boolean retire(Worker w) {
        int left;
        synchronized (this) {
            if (closing
                    || size <= scaling.min
                    || worker(w.index) != w
                    || w.fate() != Worker.Fate.SERVING
                    || hasEvent()) {
                return false;
            }
            retiring.add(w);
            ring.removeGatingSequence(w.sequence); // at MAX_VALUE: it claims nothing
            place(w.index, null);
            left = --size;
        }
        scaling.retired(w.index, left);
        // A dispatcher that published while this worker was deciding found no sleeper and may have read
        // the old size (no room to grow): whichever of us comes second sees the other (Dekker, as in IdleWorkers).
        VarHandle.fullFence();
        if (hasEvent() || (waiting != null && waiting.hasWaiters())) {
            scaling.request();
        }
        return true;
    }

    /** A retired worker's thread closed its runtime and ends. */
    void retiredWorkerClosed(Worker w) {
        retiring.remove(w);
    }

    // ---- stopping -------------------------------------------------------------------------------

    /** Rejects new events from now on; queued and running ones still complete. */
    public void stopAccepting() {
        accepting = false;
    }

    /** Waits until every accepted event has completed, or the timeout passes. Returns whether all did. */
    public boolean awaitDrained(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(2_000_000);
        }
        return true;
    }

    /**
     * Stops the workers (each runs its handler's close hook) and completes whatever is left: events
     * still queued are rejected and events still running are timed out, so none is dropped silently.
     */
    public void close(Duration joinTimeout) {
        synchronized (this) { // from here on no worker is placed, replaced or retired
            accepting = false;
            ready = false;
            closing = true;
        }
        drainWaiting(); // rejects whatever still waits for room
        if (idle != null) {
            idle.wakeAll();
        }
        // Joined without the pool's lock: a worker may need it on its way out (a retirement it was deciding).
        long deadline = System.nanoTime() + joinTimeout.toNanos();
        List<Worker> all = new ArrayList<>(retiring); // retired ones still stopping their runtime too
        for (int i = 0; i < workers.length; i++) {
            all.add(worker(i));
        }
        for (Worker w : all) {
            if (w == null || w.thread() == null) {
                continue;
            }
            try {
                w.thread().join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long now = System.nanoTime();
        for (Worker w : all) {
            if (w != null) {
                w.timeOutIfOverdue(now + eventTimeoutNanos + 1, eventTimeoutNanos);
            }
        }
        long cursor = ring.getCursor();
        long from = Math.max(ring.getMinimumGatingSequence() + 1, cursor - ring.getBufferSize() + 1);
        for (long s = from; s <= cursor; s++) {
            if (!ring.isAvailable(s)) {
                continue;
            }
            EventSlot slot = ring.get(s);
            if (slot.event != null) {
                Event e = slot.event;
                Completion c = slot.completion;
                slot.clear();
                completions.rejected(e, c, Completions.Rejection.STOPPED, null, this);
            }
        }
    }

    /** Facts for {@code /status}. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", size);
        m.put("minWorkers", scaling == null ? workers.length : scaling.min);
        m.put("maxWorkers", workers.length);
        if (scaling != null) {
            m.put("workerIdleTimeoutMs", settings.workerIdleTimeout().toMillis());
            m.put("starting", count("starting"));
            m.put("retiring", retiring.size());
            m.put("growing", scaling.growing());
        }
        m.put("available", availableWorkers());
        m.put("inFlight", inFlight());
        m.put("queued", queued());
        m.put("queueCapacity", ring.getBufferSize());
        m.put("whenQueueFull", settings.whenQueueFull().configName());
        if (waiting != null) {
            m.put("waiting", waiting.size());
            m.put("waitingListSize", waiting.capacity());
        }
        m.put("abandonedWorkers", stuckView);
        m.put("lostWorkers", lostView);
        m.put("maxAbandonedWorkers", settings.maxAbandonedWorkers());
        m.put("waitStrategy", settings.waitStrategy().configName());
        if (idle != null) {
            m.put("sleeping", idle.sleeping());
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < workers.length; i++) {
            Worker w = worker(i);
            if (w != null) {
                list.add(Map.of("id", w.index, "busy", w.isBusy(), "state", stateOf(w)));
            }
        }
        m.put("workerStates", list);
        return m;
    }
}
