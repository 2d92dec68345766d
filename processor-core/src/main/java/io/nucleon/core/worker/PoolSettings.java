package io.nucleon.core.worker;

import java.time.Duration;
import java.util.Map;

/**
 * What a {@link WorkerPool} needs to know, fixed for its life.
 *
 * @param functionName              the function's name, for contexts and logs
 * @param triggerName               the trigger the pool serves
 * @param triggerKind               that trigger's kind
 * @param numWorkers                workers in the pool
 * @param queueSize                 events that may wait for a worker; rounded up to a power of two
 * @param workerAvailabilityTimeout how long an event may wait for a worker before it is rejected
 * @param eventTimeout              how long a handler may run
 * @param waitStrategy              how idle workers wait
 * @param env                       the function's environment ({@code spec.env})
 * @param bindings                  the function's open data bindings, by name
 * @param whenQueueFull             what an event that finds the queue full does
 * @param waitingListSize           with {@link QueueFullPolicy#WAIT}, how many events may wait for room in the queue
 * @param maxAbandonedWorkers       how many workers stuck in an overdue handler are replaced at once
 * @param minWorkers                the size an elastic pool shrinks back to; {@code numWorkers} for a fixed pool
 * @param workerIdleTimeout         how long a worker above {@code minWorkers} may stay idle before it retires
 */
public record PoolSettings(
        String functionName,
        String triggerName,
        String triggerKind,
        int numWorkers,
        int queueSize,
        Duration workerAvailabilityTimeout,
        Duration eventTimeout,
        WaitStrategyKind waitStrategy,
        Map<String, String> env,
        Map<String, io.nucleon.api.DataBinding> bindings,
        QueueFullPolicy whenQueueFull,
        int waitingListSize,
        int maxAbandonedWorkers,
        int minWorkers,
        Duration workerIdleTimeout) {

    /** How long a worker above {@code minWorkers} may stay idle by default ({@code workerIdleTimeout}). */
    public static final Duration DEFAULT_WORKER_IDLE_TIMEOUT = Duration.ofMinutes(1);

    /** Checks what the configuration reader checks, for pools made in code. */
    public PoolSettings {
        if (minWorkers < 0 || minWorkers > numWorkers) {
            throw new IllegalArgumentException(
                    "minWorkers must be from 0 to numWorkers (" + numWorkers + "), got " + minWorkers);
        }
        if (workerIdleTimeout == null || workerIdleTimeout.isNegative() || workerIdleTimeout.isZero()) {
            throw new IllegalArgumentException("workerIdleTimeout must be positive, got " + workerIdleTimeout);
        }
    }

    /** Settings of a fixed pool of {@code numWorkers}. */
    public PoolSettings(
            String functionName,
            String triggerName,
            String triggerKind,
            int numWorkers,
            int queueSize,
            Duration workerAvailabilityTimeout,
            Duration eventTimeout,
            WaitStrategyKind waitStrategy,
            Map<String, String> env,
            Map<String, io.nucleon.api.DataBinding> bindings,
            QueueFullPolicy whenQueueFull,
            int waitingListSize,
            int maxAbandonedWorkers) {
        this(
                functionName,
                triggerName,
                triggerKind,
                numWorkers,
                queueSize,
                workerAvailabilityTimeout,
                eventTimeout,
                waitStrategy,
                env,
                bindings,
                whenQueueFull,
                waitingListSize,
                maxAbandonedWorkers,
                numWorkers,
                DEFAULT_WORKER_IDLE_TIMEOUT);
    }

    /** Settings with the default overload behaviour: wait on a waiting list as long as the queue, replace up to numWorkers. */
    public PoolSettings(
            String functionName,
            String triggerName,
            String triggerKind,
            int numWorkers,
            int queueSize,
            Duration workerAvailabilityTimeout,
            Duration eventTimeout,
            WaitStrategyKind waitStrategy,
            Map<String, String> env,
            Map<String, io.nucleon.api.DataBinding> bindings) {
        this(
                functionName,
                triggerName,
                triggerKind,
                numWorkers,
                queueSize,
                workerAvailabilityTimeout,
                eventTimeout,
                waitStrategy,
                env,
                bindings,
                QueueFullPolicy.WAIT,
                queueSize,
                numWorkers);
    }

    /** Settings of a pool whose handlers use no data bindings. */
    public PoolSettings(
            String functionName,
            String triggerName,
            String triggerKind,
            int numWorkers,
            int queueSize,
            Duration workerAvailabilityTimeout,
            Duration eventTimeout,
            WaitStrategyKind waitStrategy,
            Map<String, String> env) {
        this(
                functionName,
                triggerName,
                triggerKind,
                numWorkers,
                queueSize,
                workerAvailabilityTimeout,
                eventTimeout,
                waitStrategy,
                env,
                Map.of());
    }

    /** Whether the pool grows and shrinks between {@code minWorkers} and {@code numWorkers}. */
    public boolean elastic() {
        return minWorkers < numWorkers;
    }

    /** {@code workerIdleTimeout} in nanoseconds, at most a century (so that adding it to a clock reading cannot overflow). */
    long idleTimeoutNanos() {
        Duration century = Duration.ofDays(36_525);
        return (workerIdleTimeout.compareTo(century) > 0 ? century : workerIdleTimeout).toNanos();
    }

    /** The workers started with the pool: {@code minWorkers}, but at least one, whose start proves the handler's init. */
    int initialWorkers() {
        return Math.max(1, minWorkers);
    }

    /** The ring size: the queue size rounded up to a power of two, at least the worker count. */
    int ringSize() {
        int n = Math.max(queueSize, numWorkers);
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }
}
