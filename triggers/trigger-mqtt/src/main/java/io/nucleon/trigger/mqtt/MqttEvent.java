package io.nucleon.trigger.mqtt;

import io.nucleon.api.Event;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An MQTT message as an {@link Event}: the topic is the path and the topic, the payload the body.
 * Headers: MQTT 5's user properties (the last value of a repeated name), {@code content-type},
 * {@code response-topic}, {@code correlation-data} (base64), and {@value #QOS_HEADER},
 * {@value #RETAIN_HEADER}, {@value #DUP_HEADER} and, for QoS 1 and 2, {@value #PACKET_ID_HEADER}.
 * Fields: {@code topic}, {@code qos}, {@code retain}, {@code dup}, {@code packetId} (0 for QoS 0),
 * {@code attempt} (1 for the first delivery to the handler, 2 for the first retry, …).
 *
 * <p>The id is the trigger's start id and a sequence number ({@code 3f9c2a71-42}), made when first
 * asked for: unique across the processor's runs, and kept by the retries of a message. A packet id is
 * not one: the broker reuses it as soon as the message is acknowledged.
 */
final class MqttEvent implements Event {
    static final String QOS_HEADER = "mqtt-qos";
    static final String RETAIN_HEADER = "mqtt-retain";
    static final String DUP_HEADER = "mqtt-dup";
    static final String PACKET_ID_HEADER = "mqtt-packet-id";

    private final String triggerName;
    private final Received message;
    private final int attempt;
    private final Instant receivedAt;
    private final String idPrefix;
    private final long sequence;
    private String id;
    private Map<String, String> headers;
    private Map<String, Object> fields;

    private MqttEvent(
            String triggerName, Received message, int attempt, Instant receivedAt, String idPrefix, long sequence) {
        this.triggerName = triggerName;
        this.message = message;
        this.attempt = attempt;
        this.receivedAt = receivedAt;
        this.idPrefix = idPrefix;
        this.sequence = sequence;
    }

    /**
     * A message's first delivery.
     *
     * @param idPrefix the trigger's start id, ending with {@code -}
     * @param sequence the message's number since the trigger started
     */
    MqttEvent(String triggerName, Received message, String idPrefix, long sequence) {
        this(triggerName, message, 1, Instant.now(), idPrefix, sequence);
    }

    /** The same message for its next attempt. */
    MqttEvent nextAttempt() {
        MqttEvent next = new MqttEvent(triggerName, message, attempt + 1, receivedAt, idPrefix, sequence);
        next.id = id;
        return next;
    }

    @Override
    public String id() {
        String i = id;
        if (i == null) {
            i = idPrefix + sequence;
            id = i;
        }
        return i;
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
            h.put(DUP_HEADER, Boolean.toString(message.dup()));
            if (message.packetId() != 0) {
                h.put(PACKET_ID_HEADER, Integer.toString(message.packetId()));
            }
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
            f.put("dup", message.dup());
            f.put("packetId", message.packetId());
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
