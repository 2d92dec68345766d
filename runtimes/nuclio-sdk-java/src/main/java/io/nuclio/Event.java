package io.nuclio;

import java.util.Date;
import java.util.Map;

/**
 * One event, whatever trigger it came from. Fields a trigger does not have are {@code null} (strings
 * and objects), {@code 0} (numbers) or an empty map. An event is handed to one worker; it is not meant
 * to be used from another thread.
 */
public interface Event {

    /**
     * The event's identifier.
     *
     * @return the source's own id when it has one, otherwise a generated one
     */
    String getID();

    /**
     * The trigger the event came from.
     *
     * @return its class and kind
     */
    TriggerInfo getTriggerInfo();

    /**
     * The body's media type.
     *
     * @return e.g. {@code text/plain}; {@code null} when unknown
     */
    String getContentType();

    /**
     * The body.
     *
     * @return the raw bytes, empty when there is none; not to be modified
     */
    byte[] getBody();

    /**
     * The body as an object.
     *
     * @return the raw bytes, as {@link #getBody()}
     */
    Object getBodyObject();

    /**
     * One header.
     *
     * @param key the header's name, in any case
     * @return its value, or {@code null}
     */
    Object getHeader(String key);

    /**
     * One header as text.
     *
     * @param key the header's name, in any case
     * @return its value, or {@code null}
     */
    String getHeaderString(String key);

    /**
     * One header as bytes.
     *
     * @param key the header's name, in any case
     * @return its value in UTF-8, or {@code null}
     */
    byte[] getHeaderBytes(String key);

    /**
     * One header as a number.
     *
     * @param key the header's name, in any case
     * @return its value, or {@code 0} when it is missing or not a whole number
     */
    long getHeaderLong(String key);

    /**
     * All the headers (HTTP headers, message properties).
     *
     * @return a read-only map
     */
    Map<String, Object> getHeaders();

    /**
     * One field.
     *
     * @param key the field's name
     * @return its value, or {@code null}
     */
    Object getField(String key);

    /**
     * One field as text.
     *
     * @param key the field's name
     * @return its value, or {@code null} when it is missing or not text
     */
    String getFieldString(String key);

    /**
     * One field as bytes.
     *
     * @param key the field's name
     * @return its text in UTF-8, or {@code null} when it is missing or not text
     */
    byte[] getFieldBytes(String key);

    /**
     * One field as a number.
     *
     * @param key the field's name
     * @return its value, or {@code 0} when it is missing or not a whole number
     */
    long getFieldLong(String key);

    /**
     * All the fields: for HTTP, the query parameters.
     *
     * @return a read-only map
     */
    Map<String, Object> getFields();

    /**
     * When the event was received, or created at its source when the source says.
     *
     * @return the time
     */
    Date getTimestamp();

    /**
     * The path.
     *
     * @return e.g. the HTTP request's path without its query, {@code /api/event}
     */
    String getPath();

    /**
     * The URL.
     *
     * @return the request's target as received; {@code null} for messages and ticks
     */
    String getURL();

    /**
     * The method.
     *
     * @return e.g. {@code POST}; {@code null} for messages and ticks
     */
    String getMethod();

    /**
     * The shard the event came from.
     *
     * @return e.g. the Kafka partition; {@code 0} when the source is not sharded
     */
    long getShardID();

    /**
     * The number of shards of the source.
     *
     * @return {@code 0} when the source is not sharded
     */
    long getTotalNumShards();

    /**
     * The event's type (CloudEvents {@code type}).
     *
     * @return the type, or {@code null}
     */
    String getType();

    /**
     * The version of the event's type.
     *
     * @return the version, or {@code null}
     */
    String getTypeVersion();

    /**
     * The version of the event's format.
     *
     * @return the version, or {@code null}
     */
    String getVersion();
}
