package io.nucleon.examples.telemetry;

import io.nucleon.api.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An event shaped as the mqtt trigger makes them (the topic as {@code topic} and {@code path}, the
 * payload as the body, QoS and retain as fields), for the test kit to dispatch.
 */
record SensorMessage(String id, String topic, byte[] body) implements Event {

    static SensorMessage of(String topic, String payload) {
        return new SensorMessage(UUID.randomUUID().toString(), topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String triggerClass() {
        return "async";
    }

    @Override
    public String triggerKind() {
        return "mqtt";
    }

    @Override
    public String triggerName() {
        return "readings";
    }

    @Override
    public String contentType() {
        return "";
    }

    @Override
    public Map<String, String> headers() {
        return Map.of("mqtt-qos", "1", "mqtt-retain", "false");
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("topic", topic, "qos", 1, "retain", false, "attempt", 1);
    }

    @Override
    public Instant timestamp() {
        return Instant.now();
    }

    @Override
    public String path() {
        return topic;
    }
}
