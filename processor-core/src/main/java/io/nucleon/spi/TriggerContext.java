package io.nucleon.spi;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nucleon.api.FunctionConfigException;
import java.time.Duration;

/**
 * What a trigger factory is told about the trigger it creates. Thread-safe and immutable.
 */
public interface TriggerContext {

    /** The function's name. */
    String functionName();

    /** The trigger's name (its key under {@code spec.triggers}). */
    String name();

    /** The trigger's kind. */
    String kind();

    /** The size of the trigger's worker pool. */
    int numWorkers();

    /** How long an event may wait for a worker before it is rejected. */
    Duration workerAvailabilityTimeout();

    /** The function's event timeout. */
    Duration eventTimeout();

    /**
     * The trigger's {@code attributes} bound to {@code type} with Jackson. Unknown attributes are an
     * error; durations accept {@code 250ms}, {@code 5s}, {@code 1m}, {@code 1h} (or ISO-8601) and sizes
     * accept {@code 4MiB}, {@code 512KiB} or a number of bytes (see {@link ByteSize}).
     *
     * @throws FunctionConfigException naming the attribute's full path and what is allowed
     */
    <T> T attributes(Class<T> type);

    /** A configuration error about one of this trigger's attributes, with the attribute's full path. */
    FunctionConfigException attributeError(String attribute, String message);

    /**
     * A counter of the trigger's own, registered with the processor's metrics (so on
     * {@code /metrics}) and tagged with {@code function}, {@code trigger} and {@code kind}, e.g.
     * {@code counter("nucleon.cron.skipped", "Ticks skipped because the previous run was still going")}.
     * Asking twice for the same name gives the same counter.
     */
    Counter counter(String name, String description);

    /**
     * The processor's meter registry (what {@code /metrics} shows), for meters {@link #counter} cannot
     * make (tagged counters, gauges). They should carry the {@code function}, {@code trigger} and
     * {@code kind} tags, as {@link #counter} does.
     */
    MeterRegistry meterRegistry();
}
