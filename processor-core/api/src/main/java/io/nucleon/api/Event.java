package io.nucleon.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * One event, whatever trigger it came from. The fields follow Nuclio's event and map to
 * CloudEvents attributes ({@link #id()}, {@link #type()}, {@link #source()}, {@link #contentType()}).
 *
 * <p>Implementations are trigger-specific and decode lazily: an HTTP event builds its header map
 * only when {@link #headers()} is first called. An event is handed to exactly one worker, so its
 * methods need not be thread-safe; a handler that passes the event to another thread must make its
 * own hand-off safe. The body is raw bytes and is never base64-encoded inside the JVM.
 *
 * <p>Fields that a trigger does not have return {@code null} (strings and objects), {@code 0}
 * (numbers) or an empty map.
 */
public interface Event {

    /** The event's identifier: the source's own when it has one (CloudEvents {@code id}), otherwise generated. */
    String id();

    /** The broad class of the trigger, e.g. {@code sync} for HTTP, {@code async} for message queues. */
    String triggerClass();

    /** The kind of trigger that produced the event, e.g. {@code http}. */
    String triggerKind();

    /** The name given to the trigger in {@code function.yaml} or the builder. */
    String triggerName();

    /** The body's media type, e.g. {@code application/json}; {@code null} when unknown. */
    String contentType();

    /** The headers (HTTP headers, message properties), read-only; lookups by {@link #header(String)} ignore case. */
    Map<String, String> headers();

    /** One header, or {@code null}. For HTTP the name is case-insensitive. */
    default String header(String name) {
        return headers().get(name);
    }

    /** Named fields of the event, read-only: for HTTP, the query parameters. */
    Map<String, Object> fields();

    /** One field, or {@code null}. */
    default Object field(String name) {
        return fields().get(name);
    }

    /** The body as raw bytes, never {@code null} (empty when there is none). Do not modify the array. */
    byte[] body();

    /** The body decoded as UTF-8 text. */
    default String bodyAsString() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /**
     * The body bound to {@code type} from JSON by the processor's codec: a record, a bean, a
     * {@code Map}, or the codec's tree type ({@code com.fasterxml.jackson.databind.JsonNode} with
     * nucleon-core, e.g. {@code event.bodyAs(JsonNode.class)}). Throws {@link UncheckedIOException}
     * when the body is empty, is not JSON, or does not fit {@code type}.
     */
    default <T> T bodyAs(Class<T> type) {
        byte[] b = body();
        if (b.length == 0) { // answered here: the codec is not asked to sniff the encoding of nothing
            throw new UncheckedIOException(
                    "event body cannot be read as " + type.getSimpleName() + ": it is empty",
                    new java.io.EOFException("empty body"));
        }
        try {
            return Engine.get().readJson(b, type);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "event body cannot be read as " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** When the event was received (or created at its source, when the source says). */
    Instant timestamp();

    /** The path, e.g. the HTTP request path without the query string. */
    String path();

    /** The full URL or request target as received; {@code null} for events that have none (messages, ticks). */
    default String url() {
        return null;
    }

    /** The method, e.g. the HTTP method; {@code null} for events that have none (messages, ticks). */
    default String method() {
        return null;
    }

    /** The shard (e.g. Kafka partition) the event came from; 0 when not sharded. */
    default int shardId() {
        return 0;
    }

    /** The number of shards of the source; 0 when not sharded. */
    default int totalShards() {
        return 0;
    }

    /** The event type (CloudEvents {@code type}). */
    default String type() {
        return null;
    }

    /** The version of the event type. */
    default String typeVersion() {
        return null;
    }

    /** The version of the event format (CloudEvents {@code specversion}). */
    default String version() {
        return null;
    }

    /** The source of the event (CloudEvents {@code source}). */
    default String source() {
        return null;
    }

    /** The offset of the event in its shard (e.g. Kafka offset); 0 when not applicable. */
    default long offset() {
        return 0L;
    }

    /** The topic (or routing key) the event came from. */
    default String topic() {
        return null;
    }
}
