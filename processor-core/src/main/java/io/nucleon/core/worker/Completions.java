package io.nucleon.core.worker;

import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.core.metrics.EventStats;
import io.nucleon.core.metrics.TriggerMetrics;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.ErrorResponses;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.RuntimeFailure;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a pool's events: the one place that calls a trigger's {@link Completion}, and the one owner of
 * the books kept about it: events in flight, outcome counts and durations, rejections. The
 * {@link WorkerPool} and its {@link Worker}s only call its methods.
 *
 * <pre>
 *  WorkerPool.publish ──{@link #accepted()}──▶ in flight ──▶ worker:    {@link #succeeded} / {@link #failed} / {@link #rejected} (late) ──┐
 *                                           ├─▶ worker:    {@link #stage} ─▶ stage's thread or timer ───────┤
 *                                           ├─▶ watchdog:  {@link #timedOut} / {@link #rejected} (late) ────────┼─▶ Completion.complete(…, next)
 *                                           └─▶ dispatcher, close: {@link #rejected} (full, stopping) ───┘
 * </pre>
 *
 * Each method completes its event exactly once (a completion that throws is logged, never
 * rethrown), records its outcome (and duration, for events that ran) and counts it ended. Events in
 * flight are those {@link #accepted()} minus those ended. The hot path touches no shared atomic on
 * the worker's side: each worker slot has a {@link Tally} that only the worker thread in that slot
 * writes (its ended count, and its outcome and duration {@link EventStats.Recorder}); events ended on
 * any other thread are counted in one {@link LongAdder}. A worker that replaces an abandoned one
 * takes over its slot's tally: the abandoned thread never writes to it again, since the watchdog
 * owns the event it was running and the thread ends (or carries on, unreplaced) when its handler
 * returns.
 *
 * <p>A response is built only for a completion that {@linkplain Completion#wantsResponse() wants one}:
 * for the others a handler's result is never serialised, so it cannot turn a handled event into a
 * failed one.
 *
 * <p>Log lines go to {@link WorkerPool}'s logger, where operators look for a pool's failures.
 */
final class Completions {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    /** Why an accepted event is rejected (503, {@link Outcome#REJECTED}); each has a response prepared once. */
    enum Rejection {
        /** The ring is full, and so is the waiting list (or the pool has none). */
        QUEUE_FULL,
        /** No worker took it within the availability timeout. */
        LATE,
        /** Dispatched after the pool stopped accepting. */
        STOPPING,
        /** Still queued, or still waiting, when the pool closed. */
        STOPPED
    }

    /** One worker slot's books; written only by the worker thread in that slot. */
    static final class Tally {
        private static final VarHandle ENDED;

        static {
            try {
                ENDED = MethodHandles.lookup().findVarHandle(Tally.class, "ended", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused")
        private long ended;

        private final EventStats.Recorder durations;

        private Tally(EventStats.Recorder durations) {
            this.durations = durations;
        }

        private long ended() {
            return (long) ENDED.getOpaque(this);
        }

        private void endOne() {
            ENDED.setOpaque(this, (long) ENDED.getOpaque(this) + 1);
        }
    }

    private final PoolSettings settings;
    private final TriggerMetrics metrics;
    private final ScheduledExecutorService timers;
    private final long eventTimeoutNanos;
    private final Tally[] tallies;
    private final Response[] rejections = new Response[Rejection.values().length];
    /** Events accepted by the pool; incremented by dispatchers only, so workers never touch it. */
    private final LongAdder accepted = new LongAdder();
    /** Events ended on threads other than a worker's own loop: stages, the watchdog, dispatchers, close. */
    private final LongAdder endedElsewhere = new LongAdder();

    /**
     * @param waitingListCapacity the pool's waiting list's places, or -1 when it has none ({@code reject})
     */
    Completions(
            PoolSettings settings, TriggerMetrics metrics, ScheduledExecutorService timers, int waitingListCapacity) {
        this.settings = settings;
        this.metrics = metrics;
        this.timers = timers;
        this.eventTimeoutNanos = settings.eventTimeout().toNanos();
        this.tallies = new Tally[settings.numWorkers()];
        for (int i = 0; i < tallies.length; i++) {
            tallies[i] = new Tally(metrics.newRecorder());
        }
        long retryAfterMillis =
                Math.max(1000, settings.workerAvailabilityTimeout().toMillis());
        String busy = "all " + settings.numWorkers() + " workers are busy";
        rejections[Rejection.QUEUE_FULL.ordinal()] = OutcomeResponses.rejected(
                waitingListCapacity < 0
                        ? busy + " and the queue of " + settings.ringSize() + " events is full (whenQueueFull: reject)"
                        : busy + ", the queue of " + settings.ringSize() + " events is full and so are the "
                                + waitingListCapacity + " places of the waiting list",
                retryAfterMillis);
        rejections[Rejection.LATE.ordinal()] = OutcomeResponses.rejected(
                "no worker became available within "
                        + settings.workerAvailabilityTimeout().toMillis() + " ms",
                retryAfterMillis);
        rejections[Rejection.STOPPING.ordinal()] =
                OutcomeResponses.rejected("the processor is stopping", retryAfterMillis);
        rejections[Rejection.STOPPED.ordinal()] =
                OutcomeResponses.rejected("the processor stopped before the event was handled", 1000);
    }

    /** The books of worker slot {@code index}; a replacement worker gets its predecessor's. */
    Tally tally(int index) {
        return tallies[index];
    }

    /** Counts an event the pool took; call before it can end, so {@link #inFlight()} never runs low. */
    void accepted() {
        accepted.increment();
    }

    /**
     * Puts an event that a worker took but never started back in the pool (the events behind a batch's
     * running event when the runtime stops early). The dispatch counts it as accepted once more, so it
     * counts here as ended once, after that, so that {@link #inFlight()} never runs low.
     */
    void requeue(Event event, Completion completion, Dispatcher pool) {
        pool.dispatch(event, completion);
        endedElsewhere.increment();
    }

    /**
     * Events accepted and not yet ended. Ends are read before acceptances, so a concurrent event can
     * only make this too high, never too low: safe for draining.
     */
    long inFlight() {
        long ended = endedElsewhere.sum();
        for (Tally t : tallies) {
            ended += t.ended();
        }
        return accepted.sum() - ended;
    }

    /**
     * The handler returned {@code result} (not a stage). Turns it into the response when the completion
     * wants one; a result that cannot be serialised then fails the event instead.
     *
     * @param by   the worker slot's tally, or {@code null} on any other thread
     * @param next what the completion dispatches its next event through
     * @return when the event ended ({@link System#nanoTime()})
     */
    long succeeded(Event event, Completion completion, Object result, long start, Tally by, Dispatcher next) {
        Response response = null;
        if (completion.wantsResponse()) {
            try {
                response = OutcomeResponses.ofResult(result);
            } catch (Exception e) {
                return failed(
                        event,
                        completion,
                        new IllegalStateException(
                                "the handler's result (" + result.getClass().getName()
                                        + ") cannot be serialised as JSON: " + e.getMessage(),
                                e),
                        start,
                        by,
                        next);
            }
        }
        return end(event, completion, Outcome.SUCCESS, response, null, start, by, next);
    }

    /**
     * The handler threw {@code error} (or its stage failed): logs it with a new error id and ends the
     * event as {@link Outcome#HANDLER_ERROR}, with a 500 carrying that id (or the status a
     * {@link RuntimeFailure} names).
     *
     * @return when the event ended
     */
    long failed(Event event, Completion completion, Throwable error, long start, Tally by, Dispatcher next) {
        String errorId = ErrorResponses.newErrorId();
        LOG.atError()
                .setCause(error)
                .addKeyValue("errorId", errorId)
                .addKeyValue("function", settings.functionName())
                .addKeyValue("trigger", settings.triggerName())
                .addKeyValue("eventId", event.id())
                .log("handler failed: " + error);
        Response response = error instanceof RuntimeFailure f
                ? OutcomeResponses.runtimeFailure(f, errorId)
                : OutcomeResponses.handlerError(errorId);
        return end(event, completion, Outcome.HANDLER_ERROR, response, error, start, by, next);
    }

    /**
     * The handler returned a stage: the worker is free now (the event counts as ended on its tally),
     * and the event ends when the stage completes, or with a 504 at its deadline, whichever is first,
     * on that thread.
     *
     * @param pool the dispatcher a stage's completion gets as {@code next}
     * @return when the worker let go of the event
     */
    long stage(Event event, Completion completion, CompletionStage<?> stage, long start, Tally by, Dispatcher pool) {
        // the event now ends off the worker: move it from the worker's count to the shared one
        by.endOne();
        endedElsewhere.decrement();
        StageEnd end = new StageEnd(event, completion, start, pool);
        long now = System.nanoTime();
        end.timer = timers.schedule(end::timeOut, Math.max(0, eventTimeoutNanos - (now - start)), TimeUnit.NANOSECONDS);
        stage.whenComplete(end::onResult);
        return now;
    }

    /**
     * Ends an event whose handler overran the event timeout with a 504. On the watchdog's thread, or
     * a stage's timer.
     *
     * @param worker the worker it ran on, or -1 for a handler's stage
     * @param what   what became of that worker, for the log line, or {@code null}
     */
    void timedOut(Event event, Completion completion, long start, int worker, String what, Dispatcher next) {
        String errorId = ErrorResponses.newErrorId();
        LOG.atWarn()
                .addKeyValue("errorId", errorId)
                .addKeyValue("function", settings.functionName())
                .addKeyValue("trigger", settings.triggerName())
                .addKeyValue("worker", worker)
                .addKeyValue("eventId", event.id())
                .addKeyValue("timeoutMs", settings.eventTimeout().toMillis())
                .log("event timed out; the caller gets 504" + (what != null ? "; " + what : ""));
        end(
                event,
                completion,
                Outcome.TIMEOUT,
                OutcomeResponses.timeout(errorId, settings.eventTimeout().toMillis()),
                null,
                start,
                null,
                next);
    }

    /**
     * Rejects an accepted event that no handler saw (503 with {@code Retry-After}).
     *
     * @param by the worker slot's tally when a worker found the event too late, otherwise {@code null}
     */
    void rejected(Event event, Completion completion, Rejection why, Tally by, Dispatcher next) {
        metrics.rejected();
        call(event, completion, Outcome.REJECTED, rejections[why.ordinal()], null, next);
        countEnded(by);
    }

    private long end(
            Event event,
            Completion completion,
            Outcome outcome,
            Response response,
            Throwable error,
            long start,
            Tally by,
            Dispatcher next) {
        call(event, completion, outcome, response, error, next);
        long end = System.nanoTime();
        metrics.completed(outcome, end - start, by != null ? by.durations : null);
        countEnded(by);
        return end;
    }

    private void countEnded(Tally by) {
        if (by != null) {
            by.endOne();
        } else {
            endedElsewhere.increment();
        }
    }

    private void call(
            Event event, Completion completion, Outcome outcome, Response response, Throwable error, Dispatcher next) {
        try {
            completion.complete(event, outcome, response, error, next);
        } catch (Throwable t) {
            LOG.error("trigger '{}' failed to complete an event", settings.triggerName(), t);
        }
    }

    /** A handler's stage: ends its event once, by the stage or by the timer, whichever is first. */
    private final class StageEnd extends AtomicBoolean {
        private final Event event;
        private final Completion completion;
        private final long start;
        private final Dispatcher pool;
        volatile ScheduledFuture<?> timer;

        StageEnd(Event event, Completion completion, long start, Dispatcher pool) {
            this.event = event;
            this.completion = completion;
            this.start = start;
            this.pool = pool;
        }

        void onResult(Object result, Throwable error) {
            if (!compareAndSet(false, true)) {
                return;
            }
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            if (error != null) {
                Throwable cause =
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                failed(event, completion, cause, start, null, pool);
            } else {
                succeeded(event, completion, result, start, null, pool);
            }
        }

        void timeOut() {
            if (compareAndSet(false, true)) {
                timedOut(event, completion, start, -1, null, pool);
            }
        }
    }
}
