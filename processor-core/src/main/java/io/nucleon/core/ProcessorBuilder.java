package io.nucleon.core;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.FunctionSpecReader;
import io.nucleon.core.config.SpecSource;
import io.nucleon.spi.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The engine's {@link Processor.Builder}: collects a function given in code as the same spec tree a
 * {@code function.yaml} becomes, so that both go through the same reader and validation (every rule
 * and error message is the same), and makes a {@link FunctionProcessor}. Not thread-safe.
 */
final class ProcessorBuilder implements Processor.Builder {
    private final ObjectNode root = JsonNodeFactory.instance.objectNode();
    private final ObjectNode metadata = root.putObject("metadata");
    private final ObjectNode spec = root.putObject("spec");
    private Path file;
    private Handler handler;
    private boolean codeUsed;
    private ControlOptions control = ControlOptions.DEFAULT;
    private final java.util.List<DataBinding> bindings = new java.util.ArrayList<>();

    ProcessorBuilder() {}

    @Override
    public Processor.Builder functionYaml(Path file) {
        this.file = Objects.requireNonNull(file, "file");
        return this;
    }

    @Override
    public Processor.Builder name(String name) {
        codeUsed = true;
        metadata.put("name", name);
        return this;
    }

    @Override
    public Processor.Builder runtime(String runtime) {
        codeUsed = true;
        spec.put("runtime", runtime);
        return this;
    }

    @Override
    public Processor.Builder handler(String handler) {
        codeUsed = true;
        spec.put("handler", handler);
        return this;
    }

    @Override
    public Processor.Builder handler(Handler handler) {
        codeUsed = true;
        this.handler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    @Override
    public Processor.Builder runtimeAttribute(String name, Object value) {
        codeUsed = true;
        ObjectNode ra = spec.has("runtimeAttributes")
                ? (ObjectNode) spec.get("runtimeAttributes")
                : spec.putObject("runtimeAttributes");
        ra.set(name, Json.mapper().valueToTree(value));
        return this;
    }

    @Override
    public Processor.Builder dataBinding(String name, String kind, Map<String, ?> attributes) {
        codeUsed = true;
        ObjectNode all =
                spec.has("dataBindings") ? (ObjectNode) spec.get("dataBindings") : spec.putObject("dataBindings");
        ObjectNode b = all.putObject(name);
        b.put("kind", kind);
        b.set("attributes", Json.mapper().valueToTree(attributes));
        return this;
    }

    @Override
    public Processor.Builder dataBinding(DataBinding binding) {
        bindings.add(Objects.requireNonNull(binding, "binding"));
        return this;
    }

    @Override
    public Processor.Builder env(String name, String value) {
        codeUsed = true;
        ObjectNode env = spec.has("env") ? (ObjectNode) spec.get("env") : spec.putObject("env");
        env.put(name, value);
        return this;
    }

    @Override
    public Processor.Builder eventTimeout(Duration timeout) {
        codeUsed = true;
        spec.put("eventTimeout", timeout.toMillis() + "ms");
        return this;
    }

    @Override
    public Processor.Builder drainTimeout(Duration timeout) {
        codeUsed = true;
        spec.put("drainTimeout", timeout.toMillis() + "ms");
        return this;
    }

    @Override
    public Processor.Builder trigger(String name, String kind, Consumer<Processor.TriggerBuilder> config) {
        codeUsed = true;
        ObjectNode triggers = spec.has("triggers") ? (ObjectNode) spec.get("triggers") : spec.putObject("triggers");
        ObjectNode t = triggers.putObject(name);
        t.put("kind", kind);
        config.accept(new TriggerSettings(t));
        return this;
    }

    @Override
    public Processor.Builder controlServer(String host, int port) {
        this.control = new ControlOptions(true, host, port, control.token());
        return this;
    }

    @Override
    public Processor.Builder controlToken(String token) {
        this.control = control.withToken(token);
        return this;
    }

    @Override
    public Processor.Builder withoutControlServer() {
        this.control = new ControlOptions(false, control.host(), control.port(), control.token());
        return this;
    }

    @Override
    public Processor build() {
        FunctionSpec s;
        if (file != null) {
            if (codeUsed && handler == null) {
                throw new FunctionConfigException(
                        "", "give the function either as functionYaml(...) or in code, not both");
            }
            s = FunctionSpecReader.read(file);
        } else {
            s = FunctionSpecReader.read(root, SpecSource.BUILDER);
        }
        return new FunctionProcessor(s, handler, control, bindings);
    }
}
