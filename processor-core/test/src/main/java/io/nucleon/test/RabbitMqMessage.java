package io.nucleon.test;

import io.nucleon.spi.FailureHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A RabbitMQ message a test sends to a function's {@code rabbitmq} trigger, e.g.
 * {@code RabbitMqMessage.of("{\"id\": 7}").routingKey("orders.created").contentType("application/json").messageId("m-7")}.
 *
 * <p>The handler gets the event the rabbitmq trigger makes of such a delivery: trigger class
 * {@code async}, kind {@code rabbitmq}; the message id (or a generated one) as id; the routing key as
 * path and topic; the message's headers (as text) and its properties ({@code content-type},
 * {@code content-encoding}, {@code correlation-id}, {@code reply-to}, {@code message-id}, {@code type},
 * {@code app-id}, {@code user-id}) as headers; the fields {@code exchange}, {@code routingKey},
 * {@code redelivered} and {@code attempt}; the {@code timestamp} property (in seconds, as AMQP carries
 * it) or the time of delivery. By default the exchange is the trigger's {@code exchangeName} and the
 * routing key its one topic (or its queue's name when it has no exchange). Not thread-safe; reusable.
 */
public final class RabbitMqMessage {
    /** Headers the rabbitmq trigger puts on a message it sends back to its queue for a retry. */
    private static final String ORIGINAL_EXCHANGE = "x-nucleon-original-exchange";

    private static final String ORIGINAL_ROUTING_KEY = "x-nucleon-original-routing-key";
    private static final String QUEUE = "x-nucleon-queue";

    private final byte[] body;
    private String exchange;
    private String routingKey;
    private final Map<String, Object> headers = new LinkedHashMap<>();
    private final Map<String, String> properties = new LinkedHashMap<>();
    private Instant timestamp;
    private boolean redelivered;
    private int attempt = 1;

    private RabbitMqMessage(byte[] body) {
        this.body = body.clone();
        for (String p : new String[] {
            "content-type", "content-encoding", "correlation-id", "reply-to", "message-id", "type", "app-id", "user-id"
        }) {
            properties.put(p, null); // the order the trigger lists them in
        }
    }

    /** A message with a UTF-8 body. */
    public static RabbitMqMessage of(String body) {
        return new RabbitMqMessage(body.getBytes(StandardCharsets.UTF_8));
    }

    /** A message. */
    public static RabbitMqMessage of(byte[] body) {
        return new RabbitMqMessage(body);
    }

    /** The exchange it was published to; {@code ""} is the default exchange. */
    public RabbitMqMessage exchange(String exchange) {
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        return this;
    }

    /** The routing key it was published with. */
    public RabbitMqMessage routingKey(String routingKey) {
        this.routingKey = Objects.requireNonNull(routingKey, "routingKey");
        return this;
    }

    /** A message header; AMQP values may be text, numbers or booleans (the handler sees them as text). */
    public RabbitMqMessage header(String name, Object value) {
        headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** The {@code content-type} property. */
    public RabbitMqMessage contentType(String value) {
        return property("content-type", value);
    }

    /** The {@code content-encoding} property. */
    public RabbitMqMessage contentEncoding(String value) {
        return property("content-encoding", value);
    }

    /** The {@code correlation-id} property. */
    public RabbitMqMessage correlationId(String value) {
        return property("correlation-id", value);
    }

    /** The {@code reply-to} property. */
    public RabbitMqMessage replyTo(String value) {
        return property("reply-to", value);
    }

    /** The {@code message-id} property, which is also the event's id. */
    public RabbitMqMessage messageId(String value) {
        return property("message-id", value);
    }

    /** The {@code type} property, which is also the event's type. */
    public RabbitMqMessage type(String value) {
        return property("type", value);
    }

    /** The {@code app-id} property. */
    public RabbitMqMessage appId(String value) {
        return property("app-id", value);
    }

    /** The {@code user-id} property. */
    public RabbitMqMessage userId(String value) {
        return property("user-id", value);
    }

    private RabbitMqMessage property(String name, String value) {
        properties.put(name, value);
        return this;
    }

    /** The {@code timestamp} property; AMQP keeps whole seconds. */
    public RabbitMqMessage timestamp(Instant timestamp) {
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp").truncatedTo(ChronoUnit.SECONDS);
        return this;
    }

    /** Whether the broker delivered it before (to a consumer that did not ack it). */
    public RabbitMqMessage redelivered(boolean redelivered) {
        this.redelivered = redelivered;
        return this;
    }

    /**
     * Which delivery to the handler this is: 1 (the default) for the first, 2 for the first retry, ….
     * A retry arrives as the trigger sends it back through its retry queue: from the default exchange
     * with the queue's name as routing key, and with the headers {@code x-nucleon-attempts} (the
     * attempts made), {@code x-nucleon-original-exchange}, {@code x-nucleon-original-routing-key},
     * {@code x-nucleon-queue} and {@code x-nucleon-failed-at}; {@code x-nucleon-error} (why the last
     * attempt failed) is the test's to add with {@link #header}, and the broker's own dead-lettering
     * headers ({@code x-death}, {@code x-first-death-*}) are left out.
     */
    public RabbitMqMessage attempt(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("the first attempt is 1, got " + attempt);
        }
        this.attempt = attempt;
        return this;
    }

    int attempt() {
        return attempt;
    }

    /** The event the rabbitmq trigger {@code trigger} would make of this delivery. */
    SyntheticEvent toEvent(SyntheticTrigger trigger, TriggerTraits.RabbitMq traits) {
        String ex = exchange != null ? exchange : traits.exchange();
        String key = routingKey != null ? routingKey : traits.defaultRoutingKey();
        if (key == null) {
            throw new IllegalArgumentException("trigger '" + trigger.name() + "' binds its queue to exchange '" + ex
                    + "' with " + (traits.topics().isEmpty() ? "'#'" : traits.topics())
                    + ": give the message its routing key, .routingKey(...)");
        }
        Map<String, Object> messageHeaders = new LinkedHashMap<>(headers);
        if (attempt > 1) {
            messageHeaders.put(FailureHeaders.ATTEMPTS, attempt - 1);
            messageHeaders.putIfAbsent(ORIGINAL_EXCHANGE, ex);
            messageHeaders.putIfAbsent(ORIGINAL_ROUTING_KEY, key);
            messageHeaders.putIfAbsent(QUEUE, traits.queue());
            messageHeaders.putIfAbsent(FailureHeaders.FAILED_AT, Instant.now().toString());
            ex = "";
            key = traits.queue();
        }
        Map<String, String> h = new LinkedHashMap<>();
        messageHeaders.forEach((name, value) ->
                h.put(name, value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value)));
        properties.forEach((name, value) -> {
            if (value != null) {
                h.put(name, value);
            }
        });
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("exchange", ex);
        f.put("routingKey", key);
        f.put("redelivered", redelivered);
        f.put("attempt", attempt);
        String id = properties.get("message-id");
        SyntheticEvent event = new SyntheticEvent(
                id != null ? id : UUID.randomUUID().toString(),
                "async",
                "rabbitmq",
                trigger.name(),
                body.clone(),
                timestamp != null ? timestamp : Instant.now());
        event.contentType = properties.get("content-type");
        event.headers = Collections.unmodifiableMap(h);
        event.fields = Collections.unmodifiableMap(f);
        event.path = key;
        event.topic = key;
        event.type = properties.get("type");
        return event;
    }

    @Override
    public String toString() {
        return "RabbitMqMessage{" + (routingKey == null ? "(the trigger's routing key)" : routingKey) + ", attempt "
                + attempt + "}";
    }
}
