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
        int maxAbandonedWorkers) {

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

    /** The ring size: the queue size rounded up to a power of two, at least the worker count. */
    int ringSize() {
        int n = Math.max(queueSize, numWorkers);
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }
}
