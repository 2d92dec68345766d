package io.nucleon.binding.kafka;

import io.nucleon.spi.ByteSize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code attributes} of a {@code kafka} data binding, with their defaults. Bound from
 * {@code spec.dataBindings.<name>.attributes}; unknown attributes are an error.
 */
public final class KafkaBindingConfig {
    /** Bootstrap servers, e.g. {@code ["kafka-0:9092", "kafka-1:9092"]}. Required. */
    public List<String> brokers = new ArrayList<>();
    /** The topic of {@link KafkaBinding#send(byte[], byte[])}; empty: every send names its topic. Checked to exist at open. */
    public String topic = "";
    /** How long the producer waits to fill a batch ({@code linger.ms}). */
    public int lingerMs = 5;
    /** The largest batch per partition ({@code batch.size}). */
    public ByteSize batchSize = ByteSize.ofBytes(128L << 10);
    /** {@code none}, {@code gzip}, {@code snappy}, {@code lz4} or {@code zstd} ({@code compression.type}). */
    public String compression = "none";
    /** The producer's buffer of records not yet sent ({@code buffer.memory}). */
    public ByteSize bufferMemory = ByteSize.ofBytes(32L << 20);
    /**
     * How long {@code send} may block the calling thread when the buffer is full or the topic's
     * metadata is unknown ({@code max.block.ms}).
     */
    public Duration maxBlock = Duration.ofSeconds(10);
    /** How long a record may take to be acknowledged, retries included, before its send fails ({@code delivery.timeout.ms}). */
    public Duration deliveryTimeout = Duration.ofMinutes(2);
    /** How long {@code open} waits for the cluster to answer before the processor's start fails. */
    public Duration openTimeout = Duration.ofSeconds(10);
    /** How long {@code close} may spend sending what is still buffered. */
    public Duration closeTimeout = Duration.ofSeconds(10);
    /**
     * Passed to the producer as they are (SASL, TLS, {@code acks}, {@code enable.idempotence},
     * {@code max.in.flight.requests.per.connection} …); they win over the binding's own defaults,
     * except for the brokers and the serializers. Never logged nor shown in {@code /status}.
     */
    public Map<String, String> producerProperties = new LinkedHashMap<>();
}
