package io.nucleon.binding.kafka;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingArgs;
import io.nucleon.spi.BindingCallException;
import io.nucleon.spi.CallableBinding;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kafka} data binding: one {@link KafkaProducer} shared by every worker, idempotent by
 * default ({@code enable.idempotence=true}, {@code acks=all}). Thread-safe.
 *
 * <p>A handler gets it with {@code ctx.binding("out", KafkaBinding.class)} and sends records without
 * waiting for them: each {@code send} returns a {@link CompletionStage} that completes when the
 * broker has acknowledged the record (or fails with the producer's exception), so a handler can
 * return that stage and leave its worker free at once:
 *
 * <pre>{@code
 * public Object handle(Context ctx, Event event) {
 *     KafkaBinding out = ctx.binding("out", KafkaBinding.class);
 *     return out.send("orders", event.id().getBytes(UTF_8), event.body())
 *             .thenApply(md -> "stored at " + md.partition() + "/" + md.offset());
 * }
 * }</pre>
 *
 * <p>Stages complete on the producer's I/O thread: what is chained to them without an executor runs
 * there and delays every other acknowledgement, so keep it short (or use the {@code ...Async}
 * variants). A {@code send} blocks the calling thread only while the producer's buffer is full or the
 * topic's metadata is not known yet, for at most {@code maxBlock}.
 *
 * <p>Handlers of other runtimes call it as a {@link CallableBinding}: the operation {@code send}
 * takes {@code topic} (default: the binding's), {@code key} (a string), {@code headers} (an object of
 * strings) and {@code partition}, with the record's value as the body, and returns the record's
 * {@code topic}, {@code partition}, {@code offset} and {@code timestamp} once the broker acknowledged it.
 *
 * <p>Meters (tagged {@code function} and {@code binding}): {@code nucleon.binding.kafka.sent} (records
 * acknowledged) and {@code nucleon.binding.kafka.failed} (sends that failed).
 */
public final class KafkaBinding implements DataBinding, CallableBinding {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBinding.class);
    /** The operation handlers of other runtimes call: {@link #call}. */
    static final String SEND = "send";

    private static final Set<String> SEND_ARGS = Set.of("topic", "key", "headers", "partition");
    /** Set by the binding from {@code brokers} and its byte[] API; not allowed in {@code producerProperties}. */
    private static final Set<String> OWNED = Set.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

    private final String functionName;
    private final String name;
    private final KafkaBindingConfig config;
    private final Properties properties;
    private final Counter sent;
    private final Counter failed;
    private volatile KafkaProducer<byte[], byte[]> producer;
    private volatile boolean closed;

    /**
     * A binding made in code, for {@code Processor.builder().dataBinding(binding)}; its meters go to a
     * registry of its own.
     *
     * @throws FunctionConfigException when an attribute is wrong
     */
    public KafkaBinding(String name, KafkaBindingConfig config) {
        this("", name, validated(name, config), new SimpleMeterRegistry());
    }

    KafkaBinding(String functionName, String name, KafkaBindingConfig config, MeterRegistry registry) {
        this.functionName = functionName;
        this.name = name;
        this.config = config;
        this.properties = producerProperties(functionName, name, config);
        this.sent = Counter.builder("nucleon.binding.kafka.sent")
                .description("Records the kafka binding sent and the broker acknowledged")
                .tags("function", functionName, "binding", name)
                .register(registry);
        this.failed = Counter.builder("nucleon.binding.kafka.failed")
                .description("Sends of the kafka binding that failed")
                .tags("function", functionName, "binding", name)
                .register(registry);
    }

    private static KafkaBindingConfig validated(String name, KafkaBindingConfig config) {
        AttributeProblems problems = AttributeProblems.at("dataBindings." + name + ".attributes.");
        check(config, problems);
        problems.throwIfAny();
        return config;
    }

    /** Adds to {@code problems} what is wrong with {@code c}. */
    static void check(KafkaBindingConfig c, AttributeProblems problems) {
        if (c.brokers == null || c.brokers.isEmpty()) {
            problems.add("brokers", "is required: a list of host:port bootstrap servers");
        } else {
            for (String b : c.brokers) {
                int colon = b == null ? -1 : b.lastIndexOf(':');
                boolean ok = colon > 0
                        && colon < b.length() - 1
                        && b.substring(colon + 1).chars().allMatch(Character::isDigit);
                if (!ok) {
                    problems.add("brokers", "must be host:port entries, got \"" + b + "\"");
                }
            }
        }
        if (c.topic == null) {
            c.topic = "";
        }
        if (c.lingerMs < 0) {
            problems.add("lingerMs", "must not be negative, got " + c.lingerMs);
        }
        if (c.batchSize == null || c.batchSize.bytes() > Integer.MAX_VALUE) {
            problems.add("batchSize", "must be at most 2GiB");
        }
        if (c.bufferMemory == null || c.bufferMemory.bytes() < 1) {
            problems.add("bufferMemory", "must be at least 1 byte");
        }
        if (!Set.of("none", "gzip", "snappy", "lz4", "zstd").contains(c.compression)) {
            problems.add("compression", "must be none, gzip, snappy, lz4 or zstd, got \"" + c.compression + "\"");
        }
        positive(problems, "deliveryTimeout", c.deliveryTimeout);
        positive(problems, "openTimeout", c.openTimeout);
        positive(problems, "closeTimeout", c.closeTimeout);
        if (c.maxBlock == null || c.maxBlock.isNegative()) {
            problems.add("maxBlock", "must not be negative");
        }
        if (c.producerProperties == null) {
            c.producerProperties = new LinkedHashMap<>();
        }
        for (String key : c.producerProperties.keySet()) {
            if (OWNED.contains(key)) {
                problems.add(
                        "producerProperties." + key,
                        "is set by the binding"
                                + (key.equals(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                                        ? ": use brokers"
                                        : " (records are byte[])"));
            }
        }
        if (problems.isEmpty()) {
            try {
                // The producer's own checks (types, ranges, acks with idempotence, delivery.timeout.ms ≥ linger +
                // request timeout)
                new ProducerConfig(producerProperties("", "check", c));
            } catch (ConfigException e) {
                problems.add(
                        "producerProperties",
                        "the producer rejects its configuration: " + e.getMessage()
                                + (e.getMessage() != null && e.getMessage().contains("idempotent")
                                        ? " (the binding is idempotent by default; set enable.idempotence: \"false\" to use other acks)"
                                        : ""));
            }
        }
    }

    private static void positive(AttributeProblems problems, String attribute, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            problems.add(attribute, "must be a positive duration");
        }
    }

    private static Properties producerProperties(String functionName, String name, KafkaBindingConfig c) {
        Properties p = new Properties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "nucleon-" + (functionName.isEmpty() ? "" : functionName + "-") + name);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(c.lingerMs));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Long.toString(c.batchSize == null ? 0 : c.batchSize.bytes()));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, String.valueOf(c.compression));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(c.bufferMemory == null ? 0 : c.bufferMemory.bytes()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(c.maxBlock == null ? 0 : c.maxBlock.toMillis()));
        p.put(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                Long.toString(c.deliveryTimeout == null ? 0 : c.deliveryTimeout.toMillis()));
        if (c.producerProperties != null) {
            p.putAll(c.producerProperties);
        }
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", c.brokers == null ? List.of() : c.brokers));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return KafkaBindingFactory.KIND;
    }

    /**
     * Checks that the cluster answers within {@code openTimeout} (and that the default topic exists,
     * when there is one), then creates the producer.
     *
     * @throws IllegalStateException naming the brokers when the cluster cannot be reached in time
     */
    @Override
    public void open() throws Exception {
        if (closed) {
            throw new IllegalStateException("kafka binding '" + name + "' is closed");
        }
        checkCluster();
        producer = new KafkaProducer<>(properties);
        LOG.atInfo()
                .addKeyValue("binding", name)
                .addKeyValue("brokers", config.brokers)
                .addKeyValue("topic", config.topic.isEmpty() ? "(none)" : config.topic)
                .log("kafka binding open");
    }

    private void checkCluster() throws InterruptedException {
        Properties a = new Properties();
        // only what the admin client knows of: security settings (SASL, TLS …) carry over, producer tuning does not
        Set<String> adminNames = AdminClientConfig.configNames();
        for (Map.Entry<String, String> e : config.producerProperties.entrySet()) {
            if (adminNames.contains(e.getKey()) && !e.getKey().equals(AdminClientConfig.CLIENT_ID_CONFIG)) {
                a.put(e.getKey(), e.getValue());
            }
        }
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", config.brokers));
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, properties.getProperty(ProducerConfig.CLIENT_ID_CONFIG) + "-check");
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, config.openTimeout.toMillis());
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
        String where = "the Kafka cluster at " + String.join(", ", config.brokers);
        Admin admin;
        try {
            admin = Admin.create(a);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach " + where + ": " + rootMessage(e), e);
        }
        try {
            try {
                admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs))
                        .nodes()
                        .get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(
                        "cannot reach " + where + " within " + io.nucleon.spi.Durations.format(config.openTimeout)
                                + " (are the brokers right and up? do producerProperties need security settings?): "
                                + rootMessage(e),
                        e);
            }
            if (!config.topic.isEmpty()) {
                try {
                    admin.describeTopics(List.of(config.topic), new DescribeTopicsOptions().timeoutMs(timeoutMs))
                            .allTopicNames()
                            .get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        throw new IllegalStateException(
                                "the default topic '" + config.topic + "' does not exist on " + where, e);
                    }
                    throw new IllegalStateException(
                            "cannot describe the default topic '" + config.topic + "' on " + where + ": "
                                    + rootMessage(e),
                            e);
                } catch (TimeoutException e) {
                    throw new IllegalStateException(
                            "cannot describe the default topic '" + config.topic + "' on " + where + " within "
                                    + io.nucleon.spi.Durations.format(config.openTimeout),
                            e);
                }
            }
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException) {
            return "no answer in time";
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Sends {@code value} with {@code key} (may be {@code null}) to the default {@code topic}. */
    public CompletionStage<RecordMetadata> send(byte[] key, byte[] value) {
        return send(defaultTopic(), key, value);
    }

    /** Sends {@code value} with {@code key} and {@code headers} to the default {@code topic}. */
    public CompletionStage<RecordMetadata> send(byte[] key, byte[] value, Map<String, byte[]> headers) {
        return send(defaultTopic(), key, value, headers);
    }

    /**
     * Sends {@code value} with {@code key} (may be {@code null}: the producer spreads such records
     * over the partitions) to {@code topic}.
     *
     * @return a stage completing with the record's partition and offset once the broker acknowledged
     *         it, or failing with the producer's exception (e.g. a timeout after {@code deliveryTimeout})
     */
    public CompletionStage<RecordMetadata> send(String topic, byte[] key, byte[] value) {
        return send(new ProducerRecord<>(topic, key, value));
    }

    /** Sends {@code value} with {@code key} and {@code headers} (in iteration order) to {@code topic}. */
    public CompletionStage<RecordMetadata> send(String topic, byte[] key, byte[] value, Map<String, byte[]> headers) {
        RecordHeaders h = new RecordHeaders();
        if (headers != null) {
            headers.forEach(h::add);
        }
        return send(new ProducerRecord<>(topic, null, null, key, value, h));
    }

    /** Sends a record made in full (partition, timestamp, repeated headers …). */
    public CompletionStage<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        KafkaProducer<byte[], byte[]> p = producer;
        if (p == null || closed) {
            failed.increment();
            f.completeExceptionally(new IllegalStateException(
                    "kafka binding '" + name + "' is " + (closed ? "closed" : "not open yet")));
            return f;
        }
        try {
            p.send(record, (metadata, error) -> {
                if (error == null) {
                    sent.increment();
                    f.complete(metadata);
                } else {
                    failed.increment();
                    f.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) { // closed producer, interrupted while blocked, a record the producer cannot take
            failed.increment();
            f.completeExceptionally(e);
        }
        return f;
    }

    @Override
    public Set<String> operations() {
        return Set.of(SEND);
    }

    /**
     * {@code send}: the body is the record's value; {@code topic} (default: the binding's), {@code key}
     * and header values are sent as UTF-8. The reply is the record's topic, partition, offset and timestamp.
     */
    @Override
    public CompletionStage<Reply> call(String operation, ObjectNode args, byte[] body) {
        // the caller checked that the operation is one of operations()
        BindingArgs a = BindingArgs.of(args, name, operation, SEND_ARGS);
        String topic = a.string("topic");
        if (topic == null || topic.isEmpty()) {
            if (config.topic.isEmpty()) {
                throw new BindingCallException(
                        BindingCallException.Reason.BAD_ARGUMENTS,
                        "'send' of kafka binding '" + name
                                + "' needs the argument 'topic': the binding has no default topic");
            }
            topic = config.topic;
        }
        String key = a.string("key");
        Long partition = a.integer("partition");
        if (partition != null && (partition < 0 || partition > Integer.MAX_VALUE)) {
            throw new BindingCallException(
                    BindingCallException.Reason.BAD_ARGUMENTS,
                    "'send' of kafka binding '" + name + "': argument 'partition' must be 0 or more, got " + partition);
        }
        RecordHeaders headers = new RecordHeaders();
        a.stringMap("headers").forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                topic,
                partition == null ? null : partition.intValue(),
                null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                body,
                headers);
        return send(record).thenApply(md -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("topic", md.topic());
            r.put("partition", md.partition());
            r.put("offset", md.offset());
            r.put("timestamp", md.timestamp());
            return Reply.of(r);
        });
    }

    /** Blocks until every record sent so far is acknowledged or failed. */
    public void flush() {
        KafkaProducer<byte[], byte[]> p = producer;
        if (p != null) {
            p.flush();
        }
    }

    /** The default topic ({@code topic}), or {@code null} when there is none. */
    public String topic() {
        return config.topic.isEmpty() ? null : config.topic;
    }

    private String defaultTopic() {
        if (config.topic.isEmpty()) {
            throw new IllegalStateException(
                    "kafka binding '" + name + "' has no default topic: set its topic attribute or name the topic");
        }
        return config.topic;
    }

    @Override
    public boolean isReady() {
        return producer != null && !closed;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("brokers", config.brokers);
        if (!config.topic.isEmpty()) {
            m.put("topic", config.topic);
        }
        m.put("sent", (long) sent.count());
        m.put("failed", (long) failed.count());
        return m;
    }

    /** Sends what is still buffered, for at most {@code closeTimeout}, and closes the producer. */
    @Override
    public void close() {
        closed = true;
        KafkaProducer<byte[], byte[]> p = producer;
        if (p != null) {
            p.close(config.closeTimeout);
            LOG.atInfo()
                    .addKeyValue("binding", name)
                    .addKeyValue("sent", (long) sent.count())
                    .addKeyValue("failed", (long) failed.count())
                    .log("kafka binding closed");
        }
    }

    @Override
    public String toString() {
        return "KafkaBinding[" + name + " -> " + String.join(",", config.brokers) + "]";
    }
}
