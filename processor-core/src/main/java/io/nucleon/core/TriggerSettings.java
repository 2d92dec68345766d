package io.nucleon.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.Processor;
import io.nucleon.spi.Durations;
import io.nucleon.spi.Json;
import java.time.Duration;

/** The engine's {@link Processor.TriggerBuilder}: writes one trigger of the spec tree built in code. */
final class TriggerSettings implements Processor.TriggerBuilder {
    private final ObjectNode node;

    TriggerSettings(ObjectNode node) {
        this.node = node;
    }

    @Override
    public Processor.TriggerBuilder numWorkers(int n) {
        node.put("numWorkers", n);
        return this;
    }

    @Override
    public Processor.TriggerBuilder workerAvailabilityTimeout(Duration timeout) {
        node.put("workerAvailabilityTimeoutMilliseconds", timeout.toMillis());
        return this;
    }

    @Override
    public Processor.TriggerBuilder workerQueueSize(int n) {
        node.put("workerQueueSize", n);
        return this;
    }

    @Override
    public Processor.TriggerBuilder waitStrategy(String strategy) {
        node.put("waitStrategy", strategy);
        return this;
    }

    @Override
    public Processor.TriggerBuilder whenQueueFull(String policy) {
        node.put("whenQueueFull", policy);
        return this;
    }

    @Override
    public Processor.TriggerBuilder waitingListSize(int n) {
        node.put("waitingListSize", n);
        return this;
    }

    @Override
    public Processor.TriggerBuilder maxAbandonedWorkers(int n) {
        node.put("maxAbandonedWorkers", n);
        return this;
    }

    @Override
    public Processor.TriggerBuilder minWorkers(int n) {
        node.put("minWorkers", n);
        return this;
    }

    @Override
    public Processor.TriggerBuilder workerIdleTimeout(Duration timeout) {
        node.put("workerIdleTimeout", Durations.format(timeout));
        return this;
    }

    @Override
    public Processor.TriggerBuilder attribute(String name, Object value) {
        ObjectNode attrs = node.has("attributes") ? (ObjectNode) node.get("attributes") : node.putObject("attributes");
        JsonNode v = Json.mapper().valueToTree(value);
        attrs.set(name, v);
        return this;
    }
}
