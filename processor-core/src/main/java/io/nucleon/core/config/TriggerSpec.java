package io.nucleon.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.core.worker.PoolSettings;
import io.nucleon.core.worker.QueueFullPolicy;
import io.nucleon.core.worker.WaitStrategyKind;
import java.time.Duration;

/**
 * One trigger's validated configuration ({@code spec.triggers.<name>}). The attributes stay a JSON
 * tree here; the trigger kind binds them to its own config type.
 *
 * @param name                      the key under {@code spec.triggers}
 * @param kind                      {@code kind}
 * @param numWorkers                {@code numWorkers}
 * @param workerAvailabilityTimeout {@code workerAvailabilityTimeoutMilliseconds}
 * @param workerQueueSize           {@code workerQueueSize}: events that may wait for a worker
 * @param waitStrategy              {@code waitStrategy}: how idle workers wait
 * @param attributes                {@code attributes}, never {@code null}
 * @param whenQueueFull             {@code whenQueueFull}: wait (on the waiting list) or reject at once
 * @param waitingListSize           {@code waitingListSize}: events that may wait for room in the queue
 * @param maxAbandonedWorkers       {@code maxAbandonedWorkers}: threads of overdue handlers replaced at once
 * @param minWorkers                {@code minWorkers}: the size the pool shrinks back to; {@code numWorkers} keeps it fixed
 * @param workerIdleTimeout         {@code workerIdleTimeout}: how long a worker above {@code minWorkers} may stay idle
 */
public record TriggerSpec(
        String name,
        String kind,
        int numWorkers,
        Duration workerAvailabilityTimeout,
        int workerQueueSize,
        WaitStrategyKind waitStrategy,
        ObjectNode attributes,
        QueueFullPolicy whenQueueFull,
        int waitingListSize,
        int maxAbandonedWorkers,
        int minWorkers,
        Duration workerIdleTimeout) {

    /** A trigger with a fixed pool of {@code numWorkers} (no {@code minWorkers}). */
    public TriggerSpec(
            String name,
            String kind,
            int numWorkers,
            Duration workerAvailabilityTimeout,
            int workerQueueSize,
            WaitStrategyKind waitStrategy,
            ObjectNode attributes,
            QueueFullPolicy whenQueueFull,
            int waitingListSize,
            int maxAbandonedWorkers) {
        this(
                name,
                kind,
                numWorkers,
                workerAvailabilityTimeout,
                workerQueueSize,
                waitStrategy,
                attributes,
                whenQueueFull,
                waitingListSize,
                maxAbandonedWorkers,
                numWorkers,
                DEFAULT_WORKER_IDLE_TIMEOUT);
    }

    /** A trigger with the defaults of the overload settings ({@code wait}, the queue's size, {@code numWorkers}). */
    public TriggerSpec(
            String name,
            String kind,
            int numWorkers,
            Duration workerAvailabilityTimeout,
            int workerQueueSize,
            WaitStrategyKind waitStrategy,
            ObjectNode attributes) {
        this(
                name,
                kind,
                numWorkers,
                workerAvailabilityTimeout,
                workerQueueSize,
                waitStrategy,
                attributes,
                QueueFullPolicy.WAIT,
                workerQueueSize,
                numWorkers);
    }

    /** The same trigger with {@code attributes} instead of its own (Nuclio's attributes once translated). */
    public TriggerSpec withAttributes(ObjectNode attributes) {
        return new TriggerSpec(
                name,
                kind,
                numWorkers,
                workerAvailabilityTimeout,
                workerQueueSize,
                waitStrategy,
                attributes,
                whenQueueFull,
                waitingListSize,
                maxAbandonedWorkers,
                minWorkers,
                workerIdleTimeout);
    }

    /** Whether the pool may grow and shrink: {@code minWorkers} is below {@code numWorkers}. */
    public boolean elastic() {
        return minWorkers < numWorkers;
    }

    /** Default of {@code numWorkers}, as in Nuclio. */
    public static final int DEFAULT_NUM_WORKERS = 1;
    /** Upper bound of {@code numWorkers}. */
    public static final int MAX_NUM_WORKERS = 10_000;
    /** Default of {@code workerAvailabilityTimeoutMilliseconds}, as in Nuclio. */
    public static final Duration DEFAULT_WORKER_AVAILABILITY_TIMEOUT = Duration.ofSeconds(10);
    /** Default of {@code workerQueueSize}. */
    public static final int DEFAULT_WORKER_QUEUE_SIZE = 1024;
    /** Upper bound of {@code workerQueueSize} and {@code waitingListSize}. */
    public static final int MAX_WORKER_QUEUE_SIZE = 1 << 20;
    /** Default of {@code whenQueueFull}. */
    public static final QueueFullPolicy DEFAULT_WHEN_QUEUE_FULL = QueueFullPolicy.WAIT;
    /** Default of {@code workerIdleTimeout}: how long a worker above {@code minWorkers} may stay idle. */
    public static final Duration DEFAULT_WORKER_IDLE_TIMEOUT = PoolSettings.DEFAULT_WORKER_IDLE_TIMEOUT;
}
