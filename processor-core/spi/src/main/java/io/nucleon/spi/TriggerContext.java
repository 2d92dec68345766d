package io.nucleon.spi;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nucleon.api.FunctionConfigException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

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

    /**
     * Offers {@code endpoint} on the control server at {@code /triggers/<trigger name><path>}, for
     * {@code methods} ({@code GET} allows {@code HEAD} too), and at every path below it when
     * {@code path} ends with {@code /}. Call it while the trigger is being created or started; the
     * endpoint answers until the processor stops. Without a control server
     * ({@code --no-control}) the endpoint is simply not reachable.
     *
     * @param path    starts with {@code /}, e.g. {@code /dead-letters}
     * @param methods the methods it answers; others get 405
     * @throws IllegalArgumentException when {@code path} is malformed or already taken by this trigger
     */
    void adminEndpoint(String path, Set<String> methods, AdminEndpoint endpoint);

    /**
     * The addresses this processor listens on, as bound: its control server's and every started
     * trigger's {@linkplain Trigger#listeningAddresses() listening sockets}. A wildcard address
     * ({@code 0.0.0.0}, {@code ::}) stands for every local address on that port. Live: grows as
     * triggers start; safe to call from any thread. Used to keep outbound calls (callbacks) from
     * reaching the processor itself.
     */
    Set<InetSocketAddress> processorAddresses();
}
