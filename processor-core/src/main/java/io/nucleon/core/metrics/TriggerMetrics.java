package io.nucleon.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.nucleon.spi.Outcome;
import java.util.function.ToDoubleFunction;

/**
 * One trigger's meters, created once so the hot path does no lookups. Names (Prometheus form):
 * <ul>
 *   <li>{@code nucleon_events_total{outcome}}: events by outcome (success, error, timeout, rejected);</li>
 *   <li>{@code nucleon_event_duration_seconds}: handling time histogram, from worker start to completion
 *       (a {@link EventStats}, exported by {@link EventDurationCollector});</li>
 *   <li>{@code nucleon_events_rejected_total}, {@code nucleon_event_timeouts_total}: the two overload signals;</li>
 *   <li>{@code nucleon_workers}, {@code nucleon_workers_available}, {@code nucleon_events_in_flight}: gauges;</li>
 *   <li>{@code nucleon_workers_state{state}} (starting, idle, busy, retiring), {@code nucleon_workers_min},
 *       {@code nucleon_workers_max}: the pool's size and its bounds (see {@link #sizeGauges});
 *       {@code nucleon_worker_grows_total}, {@code nucleon_worker_retirements_total},
 *       {@code nucleon_worker_start_failures_total}: an elastic pool growing and shrinking;</li>
 *   <li>{@code nucleon_worker_replacements_total}: workers replaced after a timeout;
 *       {@code nucleon_worker_losses_total}: workers not replaced because {@code maxAbandonedWorkers} was reached;</li>
 *   <li>{@code nucleon_events_queued}, {@code nucleon_events_waiting}, {@code nucleon_workers_abandoned},
 *       {@code nucleon_workers_lost}: the overload gauges (see {@link #overloadGauges}).</li>
 * </ul>
 * Every meter is tagged with {@code function}, {@code trigger} and {@code kind}.
 */
public final class TriggerMetrics {
    private final EventStats stats = new EventStats();
    private final Counter rejected;
    private final Counter timeouts;
    private final Counter replacements;
    private final Counter lostWorkers;
    private final Counter grows;
    private final Counter retirements;
    private final Counter startFailures;
    private final MeterRegistry registry;
    private final Tags tags;

    public TriggerMetrics(
            MeterRegistry registry, EventDurationCollector durations, String function, String trigger, String kind) {
        this.registry = registry;
        this.tags = Tags.of("function", function, "trigger", trigger, "kind", kind);
        for (Outcome o : Outcome.values()) {
            FunctionCounter.builder("nucleon.events", stats, s -> s.count(o))
                    .description("Events completed, by outcome")
                    .tags(tags)
                    .tag("outcome", o.label())
                    .register(registry);
        }
        durations.add(stats, function, trigger, kind);
        rejected = Counter.builder("nucleon.events.rejected")
                .description("Events rejected because no worker took them in time")
                .tags(tags)
                .register(registry);
        timeouts = Counter.builder("nucleon.event.timeouts")
                .description("Events whose handler ran past the event timeout")
                .tags(tags)
                .register(registry);
        replacements = Counter.builder("nucleon.worker.replacements")
                .description("Workers replaced after a timeout")
                .tags(tags)
                .register(registry);
        lostWorkers = Counter.builder("nucleon.worker.losses")
                .description(
                        "Workers not replaced after a timeout because maxAbandonedWorkers stuck workers were already"
                                + " replaced")
                .tags(tags)
                .register(registry);
        grows = Counter.builder("nucleon.worker.grows")
                .description(
                        "Workers started on demand because events found no idle worker (minWorkers below numWorkers)")
                .tags(tags)
                .register(registry);
        retirements = Counter.builder("nucleon.worker.retirements")
                .description("Workers retired after workerIdleTimeout idle (minWorkers below numWorkers)")
                .tags(tags)
                .register(registry);
        startFailures = Counter.builder("nucleon.worker.start.failures")
                .description("Workers of an elastic pool, started on demand or as replacements, that failed to start")
                .tags(tags)
                .register(registry);
    }

    /** The states counted by {@code nucleon_workers_state}. */
    public static final java.util.List<String> WORKER_STATES =
            java.util.List.of("starting", "idle", "busy", "retiring");

    /**
     * Registers the size gauges: {@code nucleon_workers_min} and {@code nucleon_workers_max} (the bounds
     * of the pool's size; equal for a fixed pool) and {@code nucleon_workers_state{state}}, the workers
     * in each of {@link #WORKER_STATES}: starting (its runtime is starting), idle, busy (running a handler,
     * or stuck in one), retiring (retired, its runtime closing). Read only when scraped.
     */
    public <T> void sizeGauges(
            T source,
            ToDoubleFunction<T> min,
            ToDoubleFunction<T> max,
            java.util.function.ToIntBiFunction<T, String> inState) {
        Gauge.builder("nucleon.workers.min", source, min)
                .description("The fewest workers the pool keeps (minWorkers)")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.workers.max", source, max)
                .description("The most workers the pool may have (numWorkers)")
                .tags(tags)
                .register(registry);
        for (String state : WORKER_STATES) {
            Gauge.builder("nucleon.workers.state", source, s -> inState.applyAsInt(s, state))
                    .description("Workers of the pool by state")
                    .tags(tags)
                    .tag("state", state)
                    .register(registry);
        }
    }

    /** Registers the pool gauges; {@code source} is read only when scraped. */
    public <T> void gauges(
            T source, ToDoubleFunction<T> workers, ToDoubleFunction<T> available, ToDoubleFunction<T> inFlight) {
        Gauge.builder("nucleon.workers", source, workers)
                .description("Workers in the pool")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.workers.available", source, available)
                .description("Workers not handling an event")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.events.in.flight", source, inFlight)
                .description("Events accepted and not yet completed")
                .tags(tags)
                .register(registry);
    }

    /**
     * Registers the overload gauges: {@code nucleon_events_queued} (in the ring), {@code nucleon_events_waiting}
     * (on the waiting list), {@code nucleon_workers_abandoned} (threads stuck in overdue handlers) and
     * {@code nucleon_workers_lost} (workers missing for want of a replacement under {@code maxAbandonedWorkers}).
     */
    public <T> void overloadGauges(
            T source,
            ToDoubleFunction<T> queued,
            ToDoubleFunction<T> waiting,
            ToDoubleFunction<T> abandoned,
            ToDoubleFunction<T> lost) {
        Gauge.builder("nucleon.events.queued", source, queued)
                .description("Events waiting in the queue for a worker")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.events.waiting", source, waiting)
                .description("Events waiting, without a thread, for room in a full queue (whenQueueFull: wait)")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.workers.abandoned", source, abandoned)
                .description(
                        "Worker threads abandoned to a handler that overran the event timeout and has not returned")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.workers.lost", source, lost)
                .description("Workers missing because maxAbandonedWorkers stuck workers were already replaced")
                .tags(tags)
                .register(registry);
    }

    /** A recorder for one worker thread's durations. */
    public EventStats.Recorder newRecorder() {
        return stats.newRecorder();
    }

    /**
     * Counts an event that ran (or was abandoned) on a worker, with how long it took.
     *
     * @param recorder the calling worker's own recorder, or {@code null} from any other thread
     */
    public void completed(Outcome outcome, long durationNanos, EventStats.Recorder recorder) {
        if (recorder != null) {
            recorder.record(outcome, durationNanos);
        } else {
            stats.recordShared(outcome, durationNanos);
        }
        if (outcome == Outcome.TIMEOUT) {
            timeouts.increment();
        }
    }

    /** Counts an event that no worker took. */
    public void rejected() {
        stats.countShared(Outcome.REJECTED);
        rejected.increment();
    }

    public void workerReplaced() {
        replacements.increment();
    }

    /** Counts a worker an elastic pool started on demand. */
    public void workerGrown() {
        grows.increment();
    }

    /** Counts a worker an elastic pool retired after its idle timeout. */
    public void workerRetired() {
        retirements.increment();
    }

    /** Counts a worker of an elastic pool that failed to start. */
    public void workerStartFailed() {
        startFailures.increment();
    }

    /** Counts a worker left without a replacement because {@code maxAbandonedWorkers} was reached. */
    public void workerLost() {
        lostWorkers.increment();
    }

    /** Events completed with {@code outcome} so far. */
    public long count(Outcome outcome) {
        return stats.count(outcome);
    }

    /** Mean handling time so far, in milliseconds. */
    public double meanMillis() {
        return stats.snapshot().meanMillis();
    }

    /** Longest handling time so far, in milliseconds. */
    public double maxMillis() {
        return stats.snapshot().maxNanos() / 1e6;
    }
}
