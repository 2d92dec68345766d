package io.nucleon.trigger.mqtt;

import io.nucleon.api.Event;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * An MQTT message as an {@link Event}: the topic is the path and the topic, the payload the body.
 * Headers: MQTT 5's user properties (the last value of a repeated name), {@code content-type},
 * {@code response-topic}, {@code correlation-data} (base64), and {@value #QOS_HEADER},
 * {@value #RETAIN_HEADER}. Fields: {@code topic}, {@code qos}, {@code retain}, {@code attempt} (1 for
 * the first delivery to the handler, 2 for the first retry, …). HiveMQ's client does not show the
 * packet id or the DUP flag to its user, so the event has neither; the id is generated.
 */
final class MqttEvent implements Event {
    static final String QOS_HEADER = "mqtt-qos";
    static final String RETAIN_HEADER = "mqtt-retain";

    private final String triggerName;
    private final Received message;
    private final int attempt;
    private final Instant receivedAt;
    private final String id;
    private Map<String, String> headers;
    private Map<String, Object> fields;

    MqttEvent(String triggerName, Received message, int attempt, Instant receivedAt, String id) {
        this.triggerName = triggerName;
        this.message = message;
        this.attempt = attempt;
        this.receivedAt = receivedAt;
        this.id = id;
    }

    MqttEvent(String triggerName, Received message) {
        this(triggerName, message, 1, Instant.now(), UUID.randomUUID().toString());
    }

    /** The same message for its next attempt. */
    MqttEvent nextAttempt() {
        return new MqttEvent(triggerName, message, attempt + 1, receivedAt, id);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String triggerClass() {
        return "async";
    }

    @Override
    public String triggerKind() {
        return MqttTriggerFactory.KIND;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        return message.contentType();
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            Map<String, String> h = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : message.userProperties()) {
                h.put(e.getKey(), e.getValue());
            }
            if (message.contentType() != null) {
                h.put("content-type", message.contentType());
            }
            if (message.responseTopic() != null) {
                h.put("response-topic", message.responseTopic());
            }
            if (message.correlationData() != null) {
                h.put("correlation-data", Base64.getEncoder().encodeToString(message.correlationData()));
            }
            h.put(QOS_HEADER, Integer.toString(message.qos()));
            h.put(RETAIN_HEADER, Boolean.toString(message.retain()));
            headers = Collections.unmodifiableMap(h);
        }
        return headers;
    }

    @Override
    public Map<String, Object> fields() {
        if (fields == null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("topic", message.topic());
            f.put("qos", message.qos());
            f.put("retain", message.retain());
            f.put("attempt", attempt);
            fields = Collections.unmodifiableMap(f);
        }
        return fields;
    }

    @Override
    public byte[] body() {
        return message.payload();
    }

    @Override
    public Instant timestamp() {
        return receivedAt;
    }

    @Override
    public String path() {
        return message.topic();
    }

    @Override
    public String topic() {
        return message.topic();
    }

    Received message() {
        return message;
    }

    int attempt() {
        return attempt;
    }

    @Override
    public String toString() {
        return "mqtt message on " + message.topic() + " (" + message.payload().length + " bytes, attempt " + attempt
                + ")";
    }
}
