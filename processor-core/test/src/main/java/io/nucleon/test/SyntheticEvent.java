package io.nucleon.test;

import io.nucleon.api.Event;
import java.time.Instant;
import java.util.Map;

/**
 * An event a test sends, made by {@link HttpCall}, {@link KafkaRecord}, {@link RabbitMqMessage} or
 * {@link CronTick} with the values the real trigger's event would have: trigger class and kind,
 * header and field names, id, path, topic, shard and offset. Filled in by them, then handed to the
 * worker pool (which publishes it safely to the worker); decoded eagerly, since a test sends few.
 */
final class SyntheticEvent implements Event {
    private final String id;
    private final String triggerClass;
    private final String triggerKind;
    private final String triggerName;
    private final byte[] body;
    private final Instant timestamp;
    String contentType;
    Map<String, String> headers = Map.of();
    Map<String, Object> fields = Map.of();
    String path;
    String url;
    String method;
    int shardId;
    int totalShards;
    long offset;
    String topic;
    String type;
    String version;
    String source;

    SyntheticEvent(
            String id, String triggerClass, String triggerKind, String triggerName, byte[] body, Instant timestamp) {
        this.id = id;
        this.triggerClass = triggerClass;
        this.triggerKind = triggerKind;
        this.triggerName = triggerName;
        this.body = body;
        this.timestamp = timestamp;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String triggerClass() {
        return triggerClass;
    }

    @Override
    public String triggerKind() {
        return triggerKind;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        return contentType;
    }

    @Override
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public Map<String, Object> fields() {
        return fields;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public int shardId() {
        return shardId;
    }

    @Override
    public int totalShards() {
        return totalShards;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "SyntheticEvent{" + triggerKind + " " + id + ", " + body.length + " bytes}";
    }
}
