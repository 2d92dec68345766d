package io.nucleon.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.core.config.AttributeBinder;
import io.nucleon.core.config.BindingSpec;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.spi.BindingContext;

/** The engine's {@link BindingContext}: what a binding factory sees of its binding's spec and of the processor. Immutable. */
final class EngineBindingContext implements BindingContext {
    private final FunctionSpec spec;
    private final BindingSpec b;
    private final int totalWorkers;
    private final MeterRegistry registry;

    EngineBindingContext(FunctionSpec spec, BindingSpec b, int totalWorkers, MeterRegistry registry) {
        this.spec = spec;
        this.b = b;
        this.totalWorkers = totalWorkers;
        this.registry = registry;
    }

    @Override
    public String functionName() {
        return spec.name();
    }

    @Override
    public String name() {
        return b.name();
    }

    @Override
    public String kind() {
        return b.kind();
    }

    @Override
    public int totalWorkers() {
        return totalWorkers;
    }

    @Override
    public <T> T attributes(Class<T> type) {
        return AttributeBinder.bind(
                b.attributes(), type, "spec.dataBindings." + b.name() + ".attributes", spec.source());
    }

    @Override
    public FunctionConfigException attributeError(String attribute, String message) {
        return AttributeBinder.located(
                spec.source(), "spec.dataBindings." + b.name() + ".attributes." + attribute, message);
    }

    @Override
    public MeterRegistry meterRegistry() {
        return registry;
    }
}
