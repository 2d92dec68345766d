package io.nucleon.core.worker;

import io.nucleon.api.Context;
import io.nucleon.api.Logger;
import java.util.HashMap;
import java.util.Map;

/** The {@link Context} of one worker. Used only from that worker's thread. */
final class WorkerContext implements Context {
    private final String functionName;
    private final String triggerKind;
    private final String triggerName;
    private final int workerId;
    private final Map<String, String> env;
    private final Logger logger;
    private final Map<String, Object> userData = new HashMap<>();
    private final Map<String, io.nucleon.api.DataBinding> bindings;

    WorkerContext(
            String functionName,
            String triggerKind,
            String triggerName,
            int workerId,
            Map<String, String> env,
            Map<String, io.nucleon.api.DataBinding> bindings) {
        this.bindings = bindings;
        this.functionName = functionName;
        this.triggerKind = triggerKind;
        this.triggerName = triggerName;
        this.workerId = workerId;
        this.env = env;
        this.logger = new StructuredLogger(functionName, triggerName, workerId);
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public String functionName() {
        return functionName;
    }

    @Override
    public int workerId() {
        return workerId;
    }

    @Override
    public String triggerKind() {
        return triggerKind;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public Map<String, Object> userData() {
        return userData;
    }

    @Override
    public String env(String name) {
        String v = env.get(name);
        return v != null ? v : System.getenv(name);
    }

    @Override
    public <T> T binding(String name, Class<T> type) {
        io.nucleon.api.DataBinding b = bindings.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no data binding named '" + name + "'; "
                    + (bindings.isEmpty()
                            ? "this function has none (spec.dataBindings)"
                            : "it has " + String.join(", ", new java.util.TreeSet<>(bindings.keySet()))));
        }
        if (!type.isInstance(b)) {
            throw new IllegalArgumentException("data binding '" + name + "' is a "
                    + b.getClass().getName() + " (kind " + b.kind() + "), not a " + type.getName());
        }
        return type.cast(b);
    }
}
