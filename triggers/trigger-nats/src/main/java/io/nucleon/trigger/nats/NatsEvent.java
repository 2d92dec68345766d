package io.nucleon.trigger.nats;

import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsJetStreamMetaData;
import io.nucleon.api.Event;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A NATS message as an {@link Event}: the subject is the path and the topic, the payload the body,
 * the NATS headers the headers (a header given several times: its values joined by {@code ,}).
 * The id is the {@code Nats-Msg-Id} header, else {@code <stream>:<stream sequence>} for a JetStream
 * message, else a generated one. Fields: {@code subject}, {@code replyTo}, {@code attempt} (1 for a
 * first delivery), and for JetStream {@code stream}, {@code consumer}, {@code streamSequence},
 * {@code consumerSequence}, {@code deliveryCount} and {@code pending}. Decoded on first use.
 */
final class NatsEvent implements Event {
    static final String MSG_ID = "Nats-Msg-Id";

    private final String triggerName;
    private final Message message;
    private final NatsJetStreamMetaData meta;
    private final Instant receivedAt = Instant.now();
    private String id;
    private Map<String, String> headers;
    private Map<String, Object> fields;

    NatsEvent(String triggerName, Message message) {
        this.triggerName = triggerName;
        this.message = message;
        this.meta = message.isJetStream() ? message.metaData() : null;
    }

    @Override
    public String id() {
        if (id == null) {
            Headers h = message.getHeaders();
            String given = h == null ? null : h.getFirst(MSG_ID);
            if (given != null && !given.isEmpty()) {
                id = given;
            } else if (meta != null) {
                id = meta.getStream() + ":" + meta.streamSequence();
            } else {
                id = UUID.randomUUID().toString();
            }
        }
        return id;
    }

    @Override
    public String triggerClass() {
        return "async";
    }

    @Override
    public String triggerKind() {
        return NatsTriggerFactory.KIND;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        Headers h = message.getHeaders();
        if (h == null) {
            return null;
        }
        List<String> v = h.getIgnoreCase("Content-Type");
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            Map<String, String> out = new LinkedHashMap<>();
            Headers h = message.getHeaders();
            if (h != null) {
                h.forEach((k, values) -> out.put(k, String.join(",", values)));
            }
            headers = Collections.unmodifiableMap(out);
        }
        return headers;
    }

    @Override
    public Map<String, Object> fields() {
        if (fields == null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("subject", message.getSubject());
            if (message.getReplyTo() != null && meta == null) {
                f.put("replyTo", message.getReplyTo());
            }
            f.put("attempt", attempt());
            if (meta != null) {
                f.put("stream", meta.getStream());
                f.put("consumer", meta.getConsumer());
                f.put("streamSequence", meta.streamSequence());
                f.put("consumerSequence", meta.consumerSequence());
                f.put("deliveryCount", meta.deliveredCount());
                f.put("pending", meta.pendingCount());
            }
            fields = Collections.unmodifiableMap(f);
        }
        return fields;
    }

    @Override
    public byte[] body() {
        byte[] data = message.getData();
        return data == null ? new byte[0] : data;
    }

    @Override
    public Instant timestamp() {
        return meta != null && meta.timestamp() != null ? meta.timestamp().toInstant() : receivedAt;
    }

    @Override
    public String path() {
        return message.getSubject();
    }

    @Override
    public String topic() {
        return message.getSubject();
    }

    @Override
    public long offset() {
        return meta == null ? 0 : meta.streamSequence();
    }

    /** The attempt this delivery is: the server's delivery count for JetStream, always 1 for core NATS. */
    int attempt() {
        return meta == null ? 1 : (int) Math.min(Integer.MAX_VALUE, meta.deliveredCount());
    }

    Message message() {
        return message;
    }
}
