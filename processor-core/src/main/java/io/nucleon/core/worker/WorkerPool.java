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
 * <p>Who owns what: the pool owns the ring, the waiting list, the workers and the decisions about
 * abandoned ones; each {@link Worker} owns its thread and the event it runs; {@link Completions} owns
 * how an event ends (the one call to the trigger's {@link Completion}, the in-flight count, outcome
 * counts and durations). Each calls the others' methods and writes no field of theirs. A completion
 * run on a worker hands the next event to that worker through the worker's {@link Worker.Handoff}
 * (see {@link Completion}); everything else dispatches through the pool.
 */
public final class WorkerPool implements Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

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

    private final Worker[] workers;
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
        this.idle =
                settings.waitStrategy() == WaitStrategyKind.BLOCKING ? new IdleWorkers(settings.numWorkers()) : null;
        // Workers claim published slots themselves and never wait on a barrier, so the ring's own wait
        // strategy is never waited on; BusySpinWaitStrategy is the one whose publish-side signal is free.
        this.ring = RingBuffer.createMultiProducer(EventSlot::new, settings.ringSize(), new BusySpinWaitStrategy());
        this.workers = new Worker[settings.numWorkers()];
        this.waiting =
                settings.whenQueueFull() == QueueFullPolicy.WAIT ? new WaitingList(settings.waitingListSize()) : null;
        this.completions = new Completions(settings, metrics, timers, waiting == null ? -1 : waiting.capacity());
        metrics.gauges(this, p -> p.workers.length, WorkerPool::availableWorkers, WorkerPool::inFlight);
        metrics.overloadGauges(
                this,
                WorkerPool::queued,
                p -> p.waiting == null ? 0 : p.waiting.size(),
                p -> p.stuckView,
                p -> p.lostView);
    }

    /**
     * Starts the workers and waits for each to run its handler's init hook.
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
        Sequence[] gating = new Sequence[workers.length + 2];
        gating[0] = workSequence;
        gating[1] = sweeperSequence;
        for (int i = 0; i < workers.length; i++) {
            workers[i] = newWorker(i);
            gating[i + 2] = workers[i].sequence;
        }
        ring.addGatingSequences(gating); // sets them all to the cursor
        sweeperSequence.set(Long.MAX_VALUE);
        for (Worker w : workers) {
            w.sequence.set(Long.MAX_VALUE);
        }
        for (Worker w : workers) {
            w.start();
        }
        long deadline = System.nanoTime() + initTimeout.toNanos();
        for (Worker w : workers) {
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

    @Override
    public int numWorkers() {
        return workers.length;
    }

    /** Events accepted and not yet completed (see {@link Completions#inFlight()}): never too low, safe for draining. */
    @Override
    public long inFlight() {
        return completions.inFlight();
    }

    /** Workers not running a handler right now (a worker lost to a stuck handler is not available). */
    public int availableWorkers() {
        int n = 0;
        for (Worker w : workers) {
            if (w != null && !w.isBusy() && !w.isAbandoned()) {
                n++;
            }
        }
        return n;
    }

    /** Events waiting in the ring for a worker. */
    public long queued() {
        return Math.max(0, ring.getCursor() - workSequence.get());
    }

    /** Started, accepting, and no worker lost to a stuck handler. */
    public boolean isReady() {
        return ready && accepting && lostView == 0;
    }

    /** Why the pool is not ready, or {@code null} when it is. */
    public String notReadyReason() {
        if (!ready || !accepting) {
            return closing || !accepting ? "the workers are stopping" : "the workers are starting";
        }
        int l = lostView;
        if (l == 0) {
            return null;
        }
        return l + " of " + workers.length + " workers are stuck in handlers that overran the event timeout of "
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
        for (Worker w : workers) {
            if (w != null) {
                w.timeOutIfOverdue(now, eventTimeoutNanos);
            }
        }
        expireQueued(now);
        if (waiting != null && waiting.hasWaiters()) {
            drainWaiting();
        }
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
                .log(
                        "a handler ignored its interrupt past the event timeout and maxAbandonedWorkers stuck workers are already "
                                + "replaced: the pool runs with " + (workers.length - lost) + " of " + workers.length
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
                    for (Worker other : workers) {
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
        workers[old.index] = fresh;
        metrics.workerReplaced();
        fresh.start();
        fresh.started.whenComplete((ok, error) -> {
            if (error != null) {
                LOG.error(
                        "replacement worker {} of trigger '{}' failed its handler init; the pool runs with one worker less",
                        fresh.index,
                        settings.triggerName(),
                        error);
            }
        });
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
    public synchronized void close(Duration joinTimeout) {
        accepting = false;
        ready = false;
        closing = true;
        drainWaiting(); // rejects whatever still waits for room
        if (idle != null) {
            idle.wakeAll();
        }
        long deadline = System.nanoTime() + joinTimeout.toNanos();
        for (Worker w : workers) {
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
        for (Worker w : workers) {
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
        m.put("workers", workers.length);
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
        for (Worker w : workers) {
            if (w != null) {
                list.add(Map.of("id", w.index, "busy", w.isBusy()));
            }
        }
        m.put("workerStates", list);
        return m;
    }
}
