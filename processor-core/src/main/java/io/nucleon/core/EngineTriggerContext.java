package io.nucleon.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.core.config.AttributeBinder;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.TriggerSpec;
import io.nucleon.core.control.AdminEndpoints;
import io.nucleon.spi.AdminEndpoint;
import io.nucleon.spi.TriggerContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The engine's {@link TriggerContext}: what a trigger factory, and the trigger it makes, see of their
 * trigger's spec and of the processor (its meters, its control server's admin endpoints, the
 * addresses it listens on). Immutable; thread-safe as the objects it hands out are.
 */
final class EngineTriggerContext implements TriggerContext {
    private final FunctionSpec spec;
    private final TriggerSpec t;
    private final MeterRegistry registry;
    private final AdminEndpoints admin;
    private final Supplier<Set<InetSocketAddress>> processorAddresses;

    EngineTriggerContext(
            FunctionSpec spec,
            TriggerSpec t,
            MeterRegistry registry,
            AdminEndpoints admin,
            Supplier<Set<InetSocketAddress>> processorAddresses) {
        this.spec = spec;
        this.t = t;
        this.registry = registry;
        this.admin = admin;
        this.processorAddresses = processorAddresses;
    }

    @Override
    public String functionName() {
        return spec.name();
    }

    @Override
    public String name() {
        return t.name();
    }

    @Override
    public String kind() {
        return t.kind();
    }

    @Override
    public int numWorkers() {
        return t.numWorkers();
    }

    @Override
    public Duration workerAvailabilityTimeout() {
        return t.workerAvailabilityTimeout();
    }

    @Override
    public Duration eventTimeout() {
        return spec.eventTimeout();
    }

    @Override
    public <T> T attributes(Class<T> type) {
        return AttributeBinder.bind(t.attributes(), type, "spec.triggers." + t.name() + ".attributes", spec.source());
    }

    @Override
    public FunctionConfigException attributeError(String attribute, String message) {
        return AttributeBinder.located(
                spec.source(), "spec.triggers." + t.name() + ".attributes." + attribute, message);
    }

    @Override
    public Counter counter(String name, String description) {
        return Counter.builder(name)
                .description(description)
                .tags("function", spec.name(), "trigger", t.name(), "kind", t.kind())
                .register(registry);
    }

    @Override
    public MeterRegistry meterRegistry() {
        return registry;
    }

    @Override
    public void adminEndpoint(String path, Set<String> methods, AdminEndpoint endpoint) {
        admin.add(t.name(), path, methods, endpoint);
    }

    @Override
    public Set<InetSocketAddress> processorAddresses() {
        return processorAddresses.get();
    }
}
