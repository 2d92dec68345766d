package io.nucleon.binding.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.DataBinding;
import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import io.nucleon.trigger.kafka.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python and Node.js handlers sending through the kafka binding over the wrapper protocol's binding
 * calls: real wrappers (python3, node), the real runtime and transports, Kafka's own broker in-process,
 * and a consumer that reads what they sent.
 */
class KafkaBindingFromWrappersTest {
    private static final Path FUNCTIONS =
            Path.of("src/test/resources/functions").toAbsolutePath();
    private static KafkaTestBroker kafka;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Processor> processors = new ArrayList<>();
    private final String topic = "from-wrappers-" + UUID.randomUUID();

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

    /** A binding made in code that other runtimes cannot call. */
    private static final class Plain implements DataBinding {
        @Override
        public String name() {
            return "plain";
        }

        @Override
        public String kind() {
            return "plain";
        }

        @Override
        public void close() {}
    }

    private Processor start(String runtime, String codeDir, String handler, String transport) throws Exception {
        Processor.Builder b = Processor.builder()
                .name("kafka-from-" + runtime)
                .withoutControlServer()
                .runtime(runtime)
                .handler(handler)
                .runtimeAttribute("codeDir", FUNCTIONS.resolve(codeDir).toString())
                .runtimeAttribute("transport", transport)
                .eventTimeout(Duration.ofSeconds(20))
                .drainTimeout(Duration.ofSeconds(5))
                .dataBinding(
                        "out",
                        "kafka",
                        Map.of("brokers", List.of(kafka.bootstrapServers()), "topic", topic, "maxBlock", "1s"))
                .dataBinding(new Plain())
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(2).attribute("host", "127.0.0.1").attribute("port", 0));
        Processor p = b.build();
        processors.add(p);
        return p.start();
    }

    @SuppressWarnings("unchecked")
    private static int port(Processor p) {
        return (Integer)
                ((List<Map<String, Object>>) p.status().get("triggers")).get(0).get("port");
    }

    private HttpResponse<String> post(Processor p, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(p) + path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            r.headers(headers);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return Json.mapper().readTree(r.body());
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

    @ParameterizedTest(name = "python over {0}")
    @ValueSource(strings = {"shm", "uds"})
    void aPythonHandlerSendsAndAConsumerSeesEveryRecord(String transport) throws Exception {
        kafka.createTopic(topic, 3);
        Processor p = start("python", "kafka-python", "sender:handler", transport);
        Map<Long, String> offsets = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            JsonNode r = json(post(p, "/send", "value-" + i + "-\u00e9", "X-Key", "k-" + i));
            assertEquals(topic, r.path("topic").asText());
            assertTrue(r.path("offset").asLong() >= 0, r.toString());
            assertTrue(r.path("timestamp").asLong() > 0, r.toString());
            offsets.put(
                    r.path("partition").asLong() * 1_000_000 + r.path("offset").asLong(), "k-" + i);
        }
        assertEquals(50, offsets.size(), "every record at its own partition/offset");

        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 50);
        assertEquals(50, records.size());
        for (ConsumerRecord<byte[], byte[]> rec : records) {
            String key = text(rec.key());
            assertEquals(key, offsets.get(rec.partition() * 1_000_000L + rec.offset()));
            assertEquals("value-" + key.substring(2) + "-\u00e9", text(rec.value()), "the body's bytes as sent");
            assertEquals("python", text(rec.headers().lastHeader("via").value()));
        }
    }

    @Test
    void errorsReachThePythonHandlerAsBindingErrors() throws Exception {
        kafka.createTopic(topic, 1);
        Processor p = start("python", "kafka-python", "sender:handler", "shm");

        JsonNode notCallable = json(post(p, "/not-callable", ""));
        assertEquals("unknownBinding", notCallable.path("error").asText());
        assertTrue(
                notCallable.path("message").asText().contains("'plain' (kind plain) cannot be called from python"),
                notCallable.toString());

        JsonNode unknownOperation = json(post(p, "/unknown-operation", ""));
        assertEquals("unknownOperation", unknownOperation.path("error").asText());
        assertEquals(
                "kafka binding 'out' has no operation 'publish'; it has send",
                unknownOperation.path("message").asText());

        JsonNode badArguments = json(post(p, "/bad-arguments", ""));
        assertEquals("badArguments", badArguments.path("error").asText());
        assertTrue(
                badArguments.path("message").asText().contains("argument 'partition' must be an integer"),
                badArguments.toString());

        JsonNode failed = json(post(p, "/send-to", "x", "X-Topic", "no-such-topic-" + UUID.randomUUID()));
        assertEquals("failed", failed.path("error").asText());
        assertTrue(failed.path("message").asText().contains("TimeoutException"), failed.toString());

        HttpResponse<String> uncaught = post(p, "/uncaught", "");
        assertEquals(500, uncaught.statusCode(), "a BindingError the handler does not catch fails the event");

        // the wrapper is the same one and still serves calls
        JsonNode ok = json(post(p, "/send", "after", "X-Key", "k"));
        assertEquals(topic, ok.path("topic").asText());
        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 1);
        assertEquals(1, records.size(), "only the good send reached the topic");
        assertEquals("after", text(records.get(0).value()));
        @SuppressWarnings("unchecked")
        Map<String, Object> runtime = (Map<String, Object>) p.status().get("runtimeStatus");
        assertEquals(0, ((Number) runtime.get("restarts")).intValue(), runtime.toString());
    }

    @Test
    void aNodeHandlerSendsToo() throws Exception {
        kafka.createTopic(topic, 1);
        Processor p = start("nodejs", "kafka-node", "sender:handler", "uds");
        for (int i = 0; i < 5; i++) {
            JsonNode r = json(post(p, "/send", "n-" + i, "X-Key", "k-" + i));
            assertEquals(i, r.path("offset").asLong(), r.toString());
        }
        JsonNode bad = json(post(p, "/bad-arguments", ""));
        assertEquals("badArguments", bad.path("error").asText());
        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 5);
        assertEquals(5, records.size());
        for (int i = 0; i < 5; i++) {
            assertEquals("k-" + i, text(records.get(i).key()));
            assertEquals("n-" + i, text(records.get(i).value()));
            assertEquals("node", text(records.get(i).headers().lastHeader("via").value()));
        }
    }
}
