package io.nucleon.api;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The processor of one function: its triggers, their worker pools, the runtime that calls the
 * handler, and the control server. Build one from {@code function.yaml} or in code:
 *
 * <pre>{@code
 * Processor p = Processor.builder()
 *         .name("hello")
 *         .handler((ctx, event) -> "Hello, " + event.bodyAsString())
 *         .trigger("web", "http", t -> t.numWorkers(8).attribute("port", 8080))
 *         .build()
 *         .start();
 * ...
 * p.stop();
 * }</pre>
 *
 * <p>{@link #start()} and {@link #stop(Duration)} are thread-safe; a processor starts once.
 */
public interface Processor extends AutoCloseable {

    /** A builder for a function defined in code, or loaded from a {@code function.yaml}. */
    static Builder builder() {
        return Engine.get().newBuilder();
    }

    /**
     * Starts the control server, the workers (running each handler's init hook) and then the
     * triggers. Returns once the processor is ready.
     *
     * @throws Exception when something cannot start (a port is taken, a handler's init fails); what did
     *                   start is stopped again
     */
    Processor start() throws Exception;

    /** Stops with the function's drain timeout ({@code spec.drainTimeout}). */
    void stop();

    /**
     * Stops taking events, waits up to {@code drainTimeout} for in-flight events to complete, runs the
     * handlers' close hooks and releases everything. Events still running after the drain timeout
     * complete as timed out, events still queued as rejected. Idempotent.
     */
    void stop(Duration drainTimeout);

    /** Same as {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }

    /** Whether every trigger is started and every worker is ready: what {@code /ready} answers. */
    boolean isReady();

    /** The function's name. */
    String functionName();

    /** Where the control server listens, or {@code null} when it is disabled or not started. */
    InetSocketAddress controlAddress();

    /** What {@code /status} shows: triggers, their addresses, workers and event counts. */
    Map<String, Object> status();

    /**
     * Builds a {@link Processor}. The function comes either from {@link #functionYaml(Path)} or from
     * the code methods ({@link #name}, {@link #handler}, {@link #trigger} …), not both; both go
     * through the same validation, so every rule and error message is the same. Made by the engine
     * ({@link Engine#newBuilder()}); not thread-safe.
     */
    interface Builder {

        /** Loads the function from a {@code function.yaml}. */
        Builder functionYaml(Path file);

        /** {@code metadata.name}. */
        Builder name(String name);

        /** {@code spec.runtime}; {@code java} by default. */
        Builder runtime(String runtime);

        /** {@code spec.handler}: a handler class name; every worker gets its own instance. */
        Builder handler(String handler);

        /** A handler instance, shared by every worker: it must be thread-safe. */
        Builder handler(Handler handler);

        /** Sets one of {@code spec.runtimeAttributes} (e.g. {@code transport} of the python runtime). */
        Builder runtimeAttribute(String name, Object value);

        /**
         * Adds a data binding ({@code spec.dataBindings.<name>}) of a kind found on the classpath, e.g.
         * {@code dataBinding("out", "kafka", Map.of("brokers", List.of("127.0.0.1:9092")))}.
         */
        Builder dataBinding(String name, String kind, Map<String, ?> attributes);

        /**
         * Adds a data binding made in code; the processor opens it at start and closes it at stop like
         * one from {@code function.yaml}. Its {@link DataBinding#name()} is how handlers find it.
         */
        Builder dataBinding(DataBinding binding);

        /** Adds to {@code spec.env}. */
        Builder env(String name, String value);

        /** {@code spec.eventTimeout}. */
        Builder eventTimeout(Duration timeout);

        /** {@code spec.drainTimeout}. */
        Builder drainTimeout(Duration timeout);

        /** Adds a trigger, configured by {@code config}. */
        Builder trigger(String name, String kind, Consumer<TriggerBuilder> config);

        /** Where the control server listens; 127.0.0.1:8082 by default. Port 0 picks a free port. */
        Builder controlServer(String host, int port);

        /**
         * The bearer token the control server asks for on {@code /metrics}, {@code /status} and the
         * triggers' admin endpoints ({@code Authorization: Bearer <token>}); none by default. Without a
         * token, admin endpoints answer only while the control server listens on loopback.
         */
        Builder controlToken(String token);

        /** Runs no control server (an embedding application may expose {@link Processor#status()} itself). */
        Builder withoutControlServer();

        /**
         * Validates everything and resolves the runtime and triggers; opens nothing.
         *
         * @throws FunctionConfigException listing every problem, with file and line when from a file
         */
        Processor build();
    }

    /** Configures one trigger in {@link Builder#trigger}. */
    interface TriggerBuilder {

        /** The size of the trigger's worker pool; 1 by default. */
        TriggerBuilder numWorkers(int n);

        /** How long an event may wait for a free worker before it is rejected; 10 s by default. */
        TriggerBuilder workerAvailabilityTimeout(Duration timeout);

        /** How many events may wait for a worker; 1024 by default. */
        TriggerBuilder workerQueueSize(int n);

        /** How idle workers wait: {@code blocking} (default), {@code sleeping}, {@code yielding} or {@code busySpin}. */
        TriggerBuilder waitStrategy(String strategy);

        /**
         * What an event that finds the queue full does: {@code wait} (the default: it waits, without a
         * thread, on a waiting list of {@link #waitingListSize} events for room, up to the availability
         * timeout) or {@code reject} (503 at once). Dispatching never blocks the trigger's thread.
         */
        TriggerBuilder whenQueueFull(String policy);

        /** How many events may wait for room in a full queue with {@code whenQueueFull: wait}; the queue's size by default. */
        TriggerBuilder waitingListSize(int n);

        /**
         * How many workers whose handler overran the event timeout and ignored the interrupt are
         * replaced while their threads are still stuck; {@code numWorkers} by default. Beyond it the pool
         * runs short of workers and is not ready until a stuck handler returns.
         */
        TriggerBuilder maxAbandonedWorkers(int n);

        /**
         * Makes the pool elastic: it starts with {@code n} workers (at least one, to run the handler's
         * init hook before the processor is ready), grows one worker at a time up to
         * {@link #numWorkers} while events find no idle worker, and retires workers idle for
         * {@link #workerIdleTimeout} down to {@code n}. From 0 to {@code numWorkers}; {@code numWorkers}
         * by default, a fixed pool.
         */
        TriggerBuilder minWorkers(int n);

        /** How long a worker above {@link #minWorkers} may stay idle before it retires; 1 minute by default. */
        TriggerBuilder workerIdleTimeout(Duration timeout);

        /** One trigger-specific attribute; the value is a string, number, boolean, list or map. */
        TriggerBuilder attribute(String name, Object value);
    }
}
