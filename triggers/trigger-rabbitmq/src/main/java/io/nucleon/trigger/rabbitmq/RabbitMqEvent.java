package io.nucleon.trigger.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.LongString;
import io.nucleon.api.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A RabbitMQ message as an {@link Event}: the routing key is the path and the topic, the message
 * id (or a generated one) the id, the message headers and properties the headers; decoded on first
 * use. Fields: {@code exchange}, {@code routingKey}, {@code redelivered}, {@code attempt} (1 for a
 * first delivery, 2 for the first retry, …).
 */
final class RabbitMqEvent implements Event {
    private final String triggerName;
    private final Envelope envelope;
    private final AMQP.BasicProperties properties;
    private final byte[] body;
    private final int attempt;
    private final Instant receivedAt = Instant.now();
    private String id;
    private Map<String, String> headers;
    private Map<String, Object> fields;

    RabbitMqEvent(String triggerName, Envelope envelope, AMQP.BasicProperties properties, byte[] body, int attempt) {
        this.triggerName = triggerName;
        this.envelope = envelope;
        this.properties = properties;
        this.body = body;
        this.attempt = attempt;
    }

    @Override
    public String id() {
        if (id == null) {
            id = properties.getMessageId() != null
                    ? properties.getMessageId()
                    : UUID.randomUUID().toString();
        }
        return id;
    }

    @Override
    public String triggerClass() {
        return "async";
    }

    @Override
    public String triggerKind() {
        return RabbitMqTriggerFactory.KIND;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        return properties.getContentType();
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            Map<String, String> h = new LinkedHashMap<>();
            if (properties.getHeaders() != null) {
                for (Map.Entry<String, Object> e : properties.getHeaders().entrySet()) {
                    h.put(e.getKey(), text(e.getValue()));
                }
            }
            putIfSet(h, "content-type", properties.getContentType());
            putIfSet(h, "content-encoding", properties.getContentEncoding());
            putIfSet(h, "correlation-id", properties.getCorrelationId());
            putIfSet(h, "reply-to", properties.getReplyTo());
            putIfSet(h, "message-id", properties.getMessageId());
            putIfSet(h, "type", properties.getType());
            putIfSet(h, "app-id", properties.getAppId());
            putIfSet(h, "user-id", properties.getUserId());
            headers = Collections.unmodifiableMap(h);
        }
        return headers;
    }

    private static void putIfSet(Map<String, String> h, String name, String value) {
        if (value != null) {
            h.put(name, value);
        }
    }

    static String text(Object value) {
        if (value instanceof LongString ls) {
            return new String(ls.getBytes(), StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return String.valueOf(value);
    }

    @Override
    public Map<String, Object> fields() {
        if (fields == null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("exchange", envelope.getExchange());
            f.put("routingKey", envelope.getRoutingKey());
            f.put("redelivered", envelope.isRedeliver());
            f.put("attempt", attempt);
            fields = Collections.unmodifiableMap(f);
        }
        return fields;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public Instant timestamp() {
        return properties.getTimestamp() != null ? properties.getTimestamp().toInstant() : receivedAt;
    }

    @Override
    public String path() {
        return envelope.getRoutingKey();
    }

    @Override
    public String topic() {
        return envelope.getRoutingKey();
    }

    @Override
    public String type() {
        return properties.getType();
    }

    AMQP.BasicProperties properties() {
        return properties;
    }

    Envelope envelope() {
        return envelope;
    }

    int attempt() {
        return attempt;
    }
}
