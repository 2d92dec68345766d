package io.nucleon.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.core.config.AttributeBinder;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.spi.RuntimeContext;
import java.time.Duration;
import java.util.Map;

/** The engine's {@link RuntimeContext}: what a runtime factory sees of the function and of the processor. Immutable. */
final class EngineRuntimeContext implements RuntimeContext {
    private static final String PATH = "spec.runtimeAttributes";

    private final FunctionSpec spec;
    private final MeterRegistry registry;
    private final Map<String, String> dataBindings;

    EngineRuntimeContext(FunctionSpec spec, MeterRegistry registry, Map<String, String> dataBindings) {
        this.spec = spec;
        this.registry = registry;
        this.dataBindings = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dataBindings));
    }

    @Override
    public String functionName() {
        return spec.name();
    }

    @Override
    public String handler() {
        return spec.handler();
    }

    @Override
    public Map<String, String> env() {
        return spec.env();
    }

    @Override
    public Duration eventTimeout() {
        return spec.eventTimeout();
    }

    @Override
    public java.nio.file.Path baseDirectory() {
        return spec.source().baseDirectory();
    }

    @Override
    public <T> T attributes(Class<T> type) {
        return AttributeBinder.bind(spec.runtimeAttributes(), type, PATH, spec.source());
    }

    @Override
    public FunctionConfigException attributeError(String attribute, String message) {
        return AttributeBinder.located(spec.source(), PATH + "." + attribute, message);
    }

    @Override
    public MeterRegistry meterRegistry() {
        return registry;
    }

    @Override
    public Map<String, String> dataBindings() {
        return dataBindings;
    }
}
