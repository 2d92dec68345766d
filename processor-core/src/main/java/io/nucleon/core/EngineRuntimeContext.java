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

    EngineRuntimeContext(FunctionSpec spec, MeterRegistry registry) {
        this.spec = spec;
        this.registry = registry;
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
}
