package io.nucleon.trigger.kafka;

import io.nucleon.api.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A Kafka record as an {@link Event}: topic, partition as shard id, the topic's partition count as
 * total shards, offset, the record's timestamp, its value as the body, its headers as headers and
 * its key as the field {@code key}; decoded on first use. The id is {@code topic-partition-offset}.
 * The field {@code attempt} is 1 for the first delivery to the handler, 2 for the first retry, ….
 */
final class KafkaEvent implements Event {
    private static final byte[] EMPTY = new byte[0];

    private final String triggerName;
    private final ConsumerRecord<byte[], byte[]> record;
    private final int totalShards;
    private final int attempt;
    private Map<String, String> headers;
    private Map<String, Object> fields;

    KafkaEvent(String triggerName, ConsumerRecord<byte[], byte[]> record, int totalShards, int attempt) {
        this.triggerName = triggerName;
        this.record = record;
        this.totalShards = totalShards;
        this.attempt = attempt;
    }

    ConsumerRecord<byte[], byte[]> record() {
        return record;
    }

    int attempt() {
        return attempt;
    }

    @Override
    public String id() {
        return record.topic() + "-" + record.partition() + "-" + record.offset();
    }

    @Override
    public String triggerClass() {
        return "async";
    }

    @Override
    public String triggerKind() {
        return KafkaTriggerFactory.KIND;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        return header("content-type");
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            Map<String, String> h = new LinkedHashMap<>();
            for (Header header : record.headers()) {
                h.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
            headers = Collections.unmodifiableMap(h);
        }
        return headers;
    }

    @Override
    public Map<String, Object> fields() {
        if (fields == null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("key", record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
            f.put("attempt", attempt);
            fields = Collections.unmodifiableMap(f);
        }
        return fields;
    }

    @Override
    public byte[] body() {
        return record.value() == null ? EMPTY : record.value();
    }

    @Override
    public Instant timestamp() {
        return Instant.ofEpochMilli(record.timestamp());
    }

    @Override
    public String path() {
        return record.topic();
    }

    @Override
    public int shardId() {
        return record.partition();
    }

    @Override
    public int totalShards() {
        return totalShards;
    }

    @Override
    public long offset() {
        return record.offset();
    }

    @Override
    public String topic() {
        return record.topic();
    }
}
