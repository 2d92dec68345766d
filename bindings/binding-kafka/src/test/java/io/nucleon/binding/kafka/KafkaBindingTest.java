package io.nucleon.binding.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.trigger.kafka.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kafka binding through a real processor (http trigger), against Kafka's own broker run in-process.
 * One broker serves every test of the class (starting one takes seconds), the only thing they share:
 * each test writes to a topic of its own.
 */
class KafkaBindingTest {
    private static KafkaTestBroker kafka;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Processor> processors = new ArrayList<>();
    private final String topic = "out-" + UUID.randomUUID();

    @BeforeAll
    static void startKafka() {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void stopProcessors() {
        processors.forEach(p -> p.stop(Duration.ofSeconds(5)));
    }

    private Processor start(Handler handler, Map<String, ?> attributes) throws Exception {
        Processor p = Processor.builder()
                .name("kafka-out")
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(20))
                .drainTimeout(Duration.ofSeconds(5))
                .dataBinding("out", "kafka", attributes)
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(4).attribute("host", "127.0.0.1").attribute("port", 0))
                .build();
        processors.add(p);
        return p.start();
    }

    @SuppressWarnings("unchecked")
    private static int port(Processor p) {
        return (Integer)
                ((List<Map<String, Object>>) p.status().get("triggers")).get(0).get("port");
    }

    private HttpResponse<String> post(Processor p, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(p) + path))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic)) {
                parts.add(new TopicPartition(topic, pi.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(300)).forEach(out::add); // nothing more than expected
        }
        return out;
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void handlersSendWithAndWithoutBlockingAndEveryRecordArrives() throws Exception {
        kafka.createTopic(topic, 3);
        Processor p = start(
                (ctx, e) -> {
                    KafkaBinding out = ctx.binding("out", KafkaBinding.class);
                    byte[] key = e.bodyAsString().getBytes(StandardCharsets.UTF_8);
                    if (e.path().equals("/wait")) { // the blocking way: the worker waits for the acknowledgement
                        RecordMetadata md = out.send(
                                        topic, key, e.body(), Map.of("via", "wait".getBytes(StandardCharsets.UTF_8)))
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS);
                        return "offset " + md.offset();
                    }
                    // the stage way: the worker is free at once, the response goes when the broker acknowledges;
                    // default topic
                    return out.send(key, e.body(), Map.of("via", "stage".getBytes(StandardCharsets.UTF_8)))
                            .thenApply(md -> "partition " + md.partition());
                },
                Map.of("brokers", List.of(kafka.bootstrapServers()), "topic", topic, "lingerMs", 1));

        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String path = i % 2 == 0 ? "/wait" : "/stage";
            pending.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(p) + path))
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString("m-" + i))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < pending.size(); i++) {
            HttpResponse<String> r = pending.get(i).get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().startsWith(i % 2 == 0 ? "offset " : "partition "), r.body());
        }

        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 300);
        assertEquals(300, records.size(), "every record once (idempotent producer, no duplicates)");
        Map<String, String> via = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertEquals(text(r.key()), text(r.value()));
            via.put(text(r.key()), text(r.headers().lastHeader("via").value()));
        }
        assertEquals(300, via.size());
        assertEquals("wait", via.get("m-10"));
        assertEquals("stage", via.get("m-11"));

        @SuppressWarnings("unchecked")
        Map<String, Object> status = ((List<Map<String, Object>>) p.status().get("dataBindings")).get(0);
        assertEquals("kafka", status.get("kind"));
        assertEquals(true, status.get("ready"));
        assertEquals(300L, status.get("sent"));
        assertEquals(0L, status.get("failed"));
        assertTrue(p.isReady());
    }

    @Test
    void aFailedSendFailsTheStageAndIsCounted() throws Exception {
        Processor p = start(
                (ctx, e) -> ctx.binding("out", KafkaBinding.class)
                        .send("no-such-topic-" + UUID.randomUUID(), null, e.body())
                        .handle((md, error) -> error == null
                                ? "sent?"
                                : "failed: " + error.getClass().getSimpleName()),
                Map.of("brokers", List.of(kafka.bootstrapServers()), "maxBlock", "500ms"));
        HttpResponse<String> r = post(p, "/", "x");
        assertEquals(
                "failed: TimeoutException", r.body(), "the topic never appears in the metadata (auto-create is off)");
        @SuppressWarnings("unchecked")
        Map<String, Object> status = ((List<Map<String, Object>>) p.status().get("dataBindings")).get(0);
        assertEquals(1L, status.get("failed"));
        assertFalse(status.toString().contains("producerProperties"));
    }

    @Test
    void closeSendsWhatIsStillBuffered() throws Exception {
        kafka.createTopic(topic, 1);
        KafkaBindingConfig c = new KafkaBindingConfig();
        c.brokers = List.of(kafka.bootstrapServers());
        c.topic = topic;
        c.lingerMs = 60_000; // nothing would leave the buffer for a minute but for close (or flush)
        KafkaBinding b = new KafkaBinding("buffered", c);
        b.open();
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sends.add(b.send(null, ("v" + i).getBytes(StandardCharsets.UTF_8)).toCompletableFuture());
        }
        // nothing must leave the buffer meanwhile: a bounded wait, not a timing check
        await().during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !sends.get(0).isDone());
        b.close();
        for (CompletableFuture<RecordMetadata> s : sends) {
            assertTrue(s.isDone() && !s.isCompletedExceptionally());
        }
        assertEquals(10, readAll(topic, 10).size());
        assertTrue(b.send(null, new byte[1]).toCompletableFuture().isCompletedExceptionally(), "closed");
        assertFalse(b.isReady());
    }

    @Test
    void flushWaitsForTheBuffer() throws Exception {
        kafka.createTopic(topic, 1);
        KafkaBindingConfig c = new KafkaBindingConfig();
        c.brokers = List.of(kafka.bootstrapServers());
        c.lingerMs = 60_000;
        try (KafkaBinding b = new KafkaBinding("flushed", c)) {
            b.open();
            CompletableFuture<RecordMetadata> s =
                    b.send(topic, null, new byte[] {1}).toCompletableFuture();
            b.flush();
            assertTrue(s.isDone() && !s.isCompletedExceptionally());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.send(null, new byte[] {2}));
            assertTrue(e.getMessage().contains("has no default topic"), e.getMessage());
        }
    }

    @Test
    void unreachableBrokersFailTheStartNamingThem() {
        long start = System.nanoTime();
        Processor p = Processor.builder()
                .name("kafka-out")
                .withoutControlServer()
                .handler((ctx, e) -> "x")
                .dataBinding("out", "kafka", Map.of("brokers", List.of("127.0.0.1:1"), "openTimeout", "2s"))
                .trigger("web", "http", t -> t.attribute("host", "127.0.0.1").attribute("port", 0))
                .build();
        Exception e = assertThrows(Exception.class, p::start);
        assertTrue(
                e.getMessage()
                        .contains(
                                "data binding 'out' (kafka) failed to open: cannot reach the Kafka cluster at 127.0.0.1:1 within 2s"),
                e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "bounded by openTimeout");
        assertFalse(p.isReady());
    }

    @Test
    void aMissingDefaultTopicFailsTheStart() {
        Processor p = Processor.builder()
                .name("kafka-out")
                .withoutControlServer()
                .handler((ctx, e) -> "x")
                .dataBinding(
                        "out", "kafka", Map.of("brokers", List.of(kafka.bootstrapServers()), "topic", "nope-" + topic))
                .trigger("web", "http", t -> t.attribute("host", "127.0.0.1").attribute("port", 0))
                .build();
        Exception e = assertThrows(Exception.class, p::start);
        assertTrue(
                e.getMessage()
                        .contains("the default topic 'nope-" + topic + "' does not exist on the Kafka cluster at "
                                + kafka.bootstrapServers()),
                e.getMessage());
    }

    @Test
    void badAttributesAreNamedWithTheirPath() {
        FunctionConfigException unknown = assertThrows(
                FunctionConfigException.class, () -> build(Map.of("brokers", List.of("h:1"), "colour", "red")));
        assertTrue(
                unknown.getMessage().contains("spec.dataBindings.out.attributes.colour: unknown attribute; allowed: "),
                unknown.getMessage());
        assertTrue(unknown.getMessage().contains("brokers"), unknown.getMessage());

        FunctionConfigException bad = assertThrows(
                FunctionConfigException.class,
                () -> build(Map.of(
                        "brokers",
                        List.of("nohostport"),
                        "compression",
                        "rar",
                        "lingerMs",
                        -1,
                        "producerProperties",
                        Map.of("key.serializer", "x"))));
        String m = bad.getMessage();
        assertTrue(
                m.contains("spec.dataBindings.out.attributes.brokers: must be host:port entries, got \"nohostport\""),
                m);
        assertTrue(
                m.contains("spec.dataBindings.out.attributes.compression: must be none, gzip, snappy, lz4 or zstd"), m);
        assertTrue(m.contains("spec.dataBindings.out.attributes.lingerMs: must not be negative"), m);
        assertTrue(
                m.contains("spec.dataBindings.out.attributes.producerProperties.key.serializer: is set by the binding"),
                m);

        FunctionConfigException missing =
                assertThrows(FunctionConfigException.class, () -> build(Map.of("openTimeout", "soon")));
        assertTrue(
                missing.getMessage().contains("spec.dataBindings.out.attributes.openTimeout: "), missing.getMessage());

        FunctionConfigException acks = assertThrows(
                FunctionConfigException.class,
                () -> build(Map.of("brokers", List.of("h:1"), "producerProperties", Map.of("acks", "1"))));
        assertTrue(
                acks.getMessage()
                                .contains(
                                        "spec.dataBindings.out.attributes.producerProperties: the producer rejects its configuration")
                        && acks.getMessage().contains("enable.idempotence"),
                acks.getMessage());
        // with idempotence switched off, other acks are fine
        build(Map.of(
                "brokers", List.of("h:1"), "producerProperties", Map.of("acks", "1", "enable.idempotence", "false")));
    }

    private static Processor build(Map<String, ?> attributes) {
        return Processor.builder()
                .name("bad")
                .withoutControlServer()
                .handler((ctx, e) -> "x")
                .dataBinding("out", "kafka", attributes)
                .trigger("web", "http", t -> t.attribute("port", 0))
                .build();
    }
}
