package io.nucleon.test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Kafka record a test sends to a function's {@code kafka} trigger, e.g.
 * {@code KafkaRecord.of("orders", "{\"id\": 7}").key("o-7").header("content-type", "application/json").partition(2)}.
 *
 * <p>The handler gets the event the kafka trigger makes of such a record: trigger class {@code async},
 * kind {@code kafka}, id {@code topic-partition-offset}; the value as the body (empty for a null value);
 * the headers as headers (UTF-8; for a repeated name the last value); the fields {@code key} (UTF-8, or
 * null) and {@code attempt}; the topic as path and topic, the partition as shard id, the topic's
 * partition count as total shards, the offset, and the record's timestamp. Without an offset, records
 * to one partition get 0, 1, 2 …. Not thread-safe; reusable.
 */
public final class KafkaRecord {
    private String topic;
    private final byte[] value;
    private byte[] key;
    private final List<Map.Entry<String, byte[]>> headers = new ArrayList<>();
    private int partition;
    private int partitions;
    private long offset = -1;
    private Instant timestamp;
    private int attempt = 1;

    private KafkaRecord(String topic, byte[] value) {
        this.topic = topic;
        this.value = value == null ? null : value.clone();
    }

    /** A record of {@code topic} with a UTF-8 value. */
    public static KafkaRecord of(String topic, String value) {
        return new KafkaRecord(
                Objects.requireNonNull(topic, "topic"), value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** A record of {@code topic}; a null value is a tombstone (an empty body). */
    public static KafkaRecord of(String topic, byte[] value) {
        return new KafkaRecord(Objects.requireNonNull(topic, "topic"), value);
    }

    /** A record of the trigger's one topic (the trigger must consume exactly one), with a UTF-8 value. */
    public static KafkaRecord of(String value) {
        return new KafkaRecord(null, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** The key, as UTF-8. */
    public KafkaRecord key(String key) {
        this.key = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /** The key. */
    public KafkaRecord key(byte[] key) {
        this.key = key == null ? null : key.clone();
        return this;
    }

    /** Adds a header, as UTF-8. */
    public KafkaRecord header(String name, String value) {
        return header(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds a header. */
    public KafkaRecord header(String name, byte[] value) {
        headers.add(new java.util.AbstractMap.SimpleImmutableEntry<>(
                Objects.requireNonNull(name, "name"), value == null ? null : value.clone()));
        return this;
    }

    /** The partition; 0 by default. */
    public KafkaRecord partition(int partition) {
        if (partition < 0) {
            throw new IllegalArgumentException("a partition is 0 or more, got " + partition);
        }
        this.partition = partition;
        return this;
    }

    /** The number of partitions of the topic (the event's total shards); by default one more than the partition. */
    public KafkaRecord partitions(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic has 1 partition or more, got " + partitions);
        }
        this.partitions = partitions;
        return this;
    }

    /** The offset; by default the next one of the record's partition. */
    public KafkaRecord offset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("an offset is 0 or more, got " + offset);
        }
        this.offset = offset;
        return this;
    }

    /** The record's timestamp (kept to the millisecond, as Kafka does); by default now. */
    public KafkaRecord timestamp(Instant timestamp) {
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
        return this;
    }

    /**
     * Which delivery to the handler this is: 1 (the default) for the first, 2 for the first retry, ….
     * The kafka trigger retries a record in place: a retry is the same record with its {@code attempt}
     * field one higher.
     */
    public KafkaRecord attempt(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("the first attempt is 1, got " + attempt);
        }
        this.attempt = attempt;
        return this;
    }

    int attempt() {
        return attempt;
    }

    /** The event the kafka trigger {@code trigger} would make of this record. */
    SyntheticEvent toEvent(SyntheticTrigger trigger, TriggerTraits.Kafka traits) {
        String t = topic;
        if (t == null) {
            if (traits.topicPattern() != null || traits.topics().size() != 1) {
                throw new IllegalArgumentException("trigger '" + trigger.name() + "' consumes " + traits.describe()
                        + ": give the record its topic, KafkaRecord.of(topic, value)");
            }
            t = traits.topics().get(0);
        } else if (!traits.consumes(t)) {
            throw new IllegalArgumentException("trigger '" + trigger.name() + "' consumes " + traits.describe()
                    + ": a record of topic '" + t + "' never reaches it");
        }
        int total = partitions == 0 ? partition + 1 : partitions;
        if (partition >= total) {
            throw new IllegalArgumentException("partition " + partition + " of a topic with " + total + " partitions");
        }
        long at = trigger.offset(t, partition, offset);
        Map<String, String> h = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : headers) {
            h.put(e.getKey(), e.getValue() == null ? null : new String(e.getValue(), StandardCharsets.UTF_8));
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("key", key == null ? null : new String(key, StandardCharsets.UTF_8));
        f.put("attempt", attempt);
        Instant when = (timestamp != null ? timestamp : Instant.now()).truncatedTo(ChronoUnit.MILLIS);
        SyntheticEvent event = new SyntheticEvent(
                t + "-" + partition + "-" + at,
                "async",
                "kafka",
                trigger.name(),
                value == null ? new byte[0] : value.clone(),
                when);
        event.headers = Collections.unmodifiableMap(h);
        event.fields = Collections.unmodifiableMap(f);
        event.contentType = h.get("content-type");
        event.path = t;
        event.topic = t;
        event.shardId = partition;
        event.totalShards = total;
        event.offset = at;
        return event;
    }

    @Override
    public String toString() {
        return "KafkaRecord{" + (topic == null ? "(the trigger's topic)" : topic) + "-" + partition
                + (offset >= 0 ? "@" + offset : "") + ", attempt " + attempt + "}";
    }
}
