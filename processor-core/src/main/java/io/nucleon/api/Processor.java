package io.nucleon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.core.ControlOptions;
import io.nucleon.core.FunctionProcessor;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.FunctionSpecReader;
import io.nucleon.core.config.SpecSource;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
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
        return new Builder();
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
     * through the same validation, so every rule and error message is the same. Not thread-safe.
     */
    final class Builder {
        private final ObjectNode root = JsonNodeFactory.instance.objectNode();
        private final ObjectNode metadata = root.putObject("metadata");
        private final ObjectNode spec = root.putObject("spec");
        private Path file;
        private Handler handler;
        private boolean codeUsed;
        private ControlOptions control = ControlOptions.DEFAULT;
        private final java.util.List<DataBinding> bindings = new java.util.ArrayList<>();

        private Builder() {
        }

        /** Loads the function from a {@code function.yaml}. */
        public Builder functionYaml(Path file) {
            this.file = Objects.requireNonNull(file, "file");
            return this;
        }

        /** {@code metadata.name}. */
        public Builder name(String name) {
            codeUsed = true;
            metadata.put("name", name);
            return this;
        }

        /** {@code spec.runtime}; {@code java} by default. */
        public Builder runtime(String runtime) {
            codeUsed = true;
            spec.put("runtime", runtime);
            return this;
        }

        /** {@code spec.handler}: a handler class name; every worker gets its own instance. */
        public Builder handler(String handler) {
            codeUsed = true;
            spec.put("handler", handler);
            return this;
        }

        /** A handler instance, shared by every worker: it must be thread-safe. */
        public Builder handler(Handler handler) {
            codeUsed = true;
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Sets one of {@code spec.runtimeAttributes} (e.g. {@code transport} of the python runtime). */
        public Builder runtimeAttribute(String name, Object value) {
            codeUsed = true;
            ObjectNode ra = spec.has("runtimeAttributes") ? (ObjectNode) spec.get("runtimeAttributes") : spec.putObject("runtimeAttributes");
            ra.set(name, JsonSupport.MAPPER.valueToTree(value));
            return this;
        }

        /**
         * Adds a data binding ({@code spec.dataBindings.<name>}) of a kind found on the classpath, e.g.
         * {@code dataBinding("out", "kafka", Map.of("brokers", List.of("127.0.0.1:9092")))}.
         */
        public Builder dataBinding(String name, String kind, java.util.Map<String, ?> attributes) {
            codeUsed = true;
            ObjectNode all = spec.has("dataBindings") ? (ObjectNode) spec.get("dataBindings") : spec.putObject("dataBindings");
            ObjectNode b = all.putObject(name);
            b.put("kind", kind);
            b.set("attributes", JsonSupport.MAPPER.valueToTree(attributes));
            return this;
        }

        /**
         * Adds a data binding made in code; the processor opens it at start and closes it at stop like
         * one from {@code function.yaml}. Its {@link DataBinding#name()} is how handlers find it.
         */
        public Builder dataBinding(DataBinding binding) {
            bindings.add(Objects.requireNonNull(binding, "binding"));
            return this;
        }

        /** Adds to {@code spec.env}. */
        public Builder env(String name, String value) {
            codeUsed = true;
            ObjectNode env = spec.has("env") ? (ObjectNode) spec.get("env") : spec.putObject("env");
            env.put(name, value);
            return this;
        }

        /** {@code spec.eventTimeout}. */
        public Builder eventTimeout(Duration timeout) {
            codeUsed = true;
            spec.put("eventTimeout", timeout.toMillis() + "ms");
            return this;
        }

        /** {@code spec.drainTimeout}. */
        public Builder drainTimeout(Duration timeout) {
            codeUsed = true;
            spec.put("drainTimeout", timeout.toMillis() + "ms");
            return this;
        }

        /** Adds a trigger, configured by {@code config}. */
        public Builder trigger(String name, String kind, Consumer<TriggerBuilder> config) {
            codeUsed = true;
            ObjectNode triggers = spec.has("triggers") ? (ObjectNode) spec.get("triggers") : spec.putObject("triggers");
            ObjectNode t = triggers.putObject(name);
            t.put("kind", kind);
            config.accept(new TriggerBuilder(t));
            return this;
        }

        /** Where the control server listens; 127.0.0.1:8082 by default. Port 0 picks a free port. */
        public Builder controlServer(String host, int port) {
            this.control = new ControlOptions(true, host, port, control.token());
            return this;
        }

        /**
         * The bearer token the control server asks for on {@code /metrics}, {@code /status} and the
         * triggers' admin endpoints ({@code Authorization: Bearer <token>}); none by default. Without a
         * token, admin endpoints answer only while the control server listens on loopback.
         */
        public Builder controlToken(String token) {
            this.control = control.withToken(token);
            return this;
        }

        /** Runs no control server (an embedding application may expose {@link #status()} itself). */
        public Builder withoutControlServer() {
            this.control = new ControlOptions(false, control.host(), control.port(), control.token());
            return this;
        }

        /**
         * Validates everything and resolves the runtime and triggers; opens nothing.
         *
         * @throws FunctionConfigException listing every problem, with file and line when from a file
         */
        public Processor build() {
            FunctionSpec s;
            if (file != null) {
                if (codeUsed && handler == null) {
                    throw new FunctionConfigException("", "give the function either as functionYaml(...) or in code, not both");
                }
                s = FunctionSpecReader.read(file);
            } else {
                s = FunctionSpecReader.read(root, SpecSource.BUILDER);
            }
            return new FunctionProcessor(s, handler, control, bindings);
        }
    }

    /** Configures one trigger in {@link Builder#trigger}. */
    final class TriggerBuilder {
        private final ObjectNode node;

        private TriggerBuilder(ObjectNode node) {
            this.node = node;
        }

        /** The size of the trigger's worker pool; 1 by default. */
        public TriggerBuilder numWorkers(int n) {
            node.put("numWorkers", n);
            return this;
        }

        /** How long an event may wait for a free worker before it is rejected; 10 s by default. */
        public TriggerBuilder workerAvailabilityTimeout(Duration timeout) {
            node.put("workerAvailabilityTimeoutMilliseconds", timeout.toMillis());
            return this;
        }

        /** How many events may wait for a worker; 1024 by default. */
        public TriggerBuilder workerQueueSize(int n) {
            node.put("workerQueueSize", n);
            return this;
        }

        /** How idle workers wait: {@code blocking} (default), {@code sleeping}, {@code yielding} or {@code busySpin}. */
        public TriggerBuilder waitStrategy(String strategy) {
            node.put("waitStrategy", strategy);
            return this;
        }

        /**
         * What an event that finds the queue full does: {@code wait} (the default: it waits, without a
         * thread, on a waiting list of {@link #waitingListSize} events for room, up to the availability
         * timeout) or {@code reject} (503 at once). Dispatching never blocks the trigger's thread.
         */
        public TriggerBuilder whenQueueFull(String policy) {
            node.put("whenQueueFull", policy);
            return this;
        }

        /** How many events may wait for room in a full queue with {@code whenQueueFull: wait}; the queue's size by default. */
        public TriggerBuilder waitingListSize(int n) {
            node.put("waitingListSize", n);
            return this;
        }

        /**
         * How many workers whose handler overran the event timeout and ignored the interrupt are
         * replaced while their threads are still stuck; {@code numWorkers} by default. Beyond it the pool
         * runs short of workers and is not ready until a stuck handler returns.
         */
        public TriggerBuilder maxAbandonedWorkers(int n) {
            node.put("maxAbandonedWorkers", n);
            return this;
        }

        /** One trigger-specific attribute; the value is a string, number, boolean, list or map. */
        public TriggerBuilder attribute(String name, Object value) {
            ObjectNode attrs = node.has("attributes") ? (ObjectNode) node.get("attributes") : node.putObject("attributes");
            JsonNode v = Json.mapper().valueToTree(value);
            attrs.set(name, v);
            return this;
        }
    }
}
