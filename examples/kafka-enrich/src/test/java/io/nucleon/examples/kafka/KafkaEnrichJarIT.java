package io.nucleon.examples.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nucleon.trigger.kafka.KafkaTestBroker;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged kafka-enrich jar as a real process against Kafka's own broker, started in this
 * JVM ({@link KafkaTestBroker}, KRaft, no Docker), with the packaged function.yaml pointed at it.
 * Kills the process with SIGKILL while it is in the middle of the input, starts it again, and checks
 * that every order has at least one enriched record (duplicates allowed, losses not).
 */
class KafkaEnrichJarIT {
    private static final Path JAR = Path.of(System.getProperty("kafka-enrich.jar", "target/kafka-enrich.jar"));
    private static final int ORDERS = Integer.getInteger("kafka-enrich.orders", 20_000);
    private static final String[] COUNTRIES = {"DE", "US", "JP", "FR", "BR", "IN", "NZ"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();
    private KafkaTestBroker kafka;

    @TempDir
    Path dir;

    @BeforeEach
    void startKafka() {
        kafka = KafkaTestBroker.start();
        kafka.createTopic("orders", 4);
        kafka.createTopic("orders.enriched", 4);
        kafka.createTopic("orders.dlq", 1);
    }

    @AfterEach
    void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyOrderIsEnrichedAtLeastOnceAcrossAKill9AndSigtermExitsZero() throws Exception {
        long t0 = System.nanoTime();
        produceOrders();
        long produced = System.nanoTime();
        Path yaml = writeYaml();

        int control1 = freePort();
        Process first = start(yaml, control1);
        awaitReady(control1, first);
        // kill -9 in the middle of the input: with the partitions' offsets committed only in part
        await("a quarter of the orders handled", 60, () -> events(control1, "success") >= ORDERS / 4, first);
        long handledBeforeKill = events(control1, "success");
        first.destroyForcibly(); // SIGKILL: no revoke, no final commit, the producer's buffer lost
        assertTrue(first.waitFor(10, TimeUnit.SECONDS), "killed");
        assertTrue(handledBeforeKill < ORDERS,
                "the first process was killed before it had handled every order (" + handledBeforeKill + ")");
        long killed = System.nanoTime();

        int control2 = freePort();
        Process second = start(yaml, control2);
        awaitReady(control2, second);

        Map<String, Integer> seen = new HashMap<>();
        Map<String, JsonNode> sample = new HashMap<>();
        long outputs = consumeEnriched(seen, sample, second, 60);
        long done = System.nanoTime();

        List<String> missing = new ArrayList<>();
        for (int i = 0; i < ORDERS && missing.size() < 20; i++) {
            if (!seen.containsKey(id(i))) {
                missing.add(id(i));
            }
        }
        assertTrue(missing.isEmpty(), "orders without an enriched record: " + missing);
        long handledAfterRestart = events(control2, "success");
        assertTrue(handledAfterRestart > 0, "the second process handled what was not committed");

        // one record in full: o-7 is {"id":"o-7","amount":7.07,"country":"nz"}
        JsonNode o7 = sample.get(id(7));
        assertEquals("o-7", o7.get("id").asText());
        assertEquals(7.07, o7.get("amount").asDouble());
        assertEquals("NZ", o7.get("country").asText());
        assertEquals("OTHER", o7.get("region").asText());
        assertEquals(707, o7.get("amountCents").asLong());
        assertTrue(o7.get("enrichedAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), o7.toString());
        assertEquals("orders", o7.at("/source/topic").asText());
        assertTrue(o7.at("/source/partition").asInt() >= 0 && o7.at("/source/partition").asInt() < 4, o7.toString());
        assertTrue(o7.at("/source/offset").asLong() >= 0, o7.toString());
        JsonNode o1 = sample.get(id(1)); // {"id":"o-1","amount":1.01,"country":"US"}
        assertEquals("AMER", o1.get("region").asText());
        assertEquals(101, o1.get("amountCents").asLong());

        second.destroy(); // SIGTERM
        assertTrue(second.waitFor(30, TimeUnit.SECONDS), "the processor exits after SIGTERM");
        assertEquals(0, second.exitValue(), log());
        assertEquals(0, dlqRecords(), "no order was dead-lettered");

        System.out.printf("kafka-enrich IT: %d orders, produced in %d ms; first process handled %d before kill -9;"
                        + " second process handled %d; %d enriched records (%d duplicates);"
                        + " restart to every order enriched: %d ms%n",
                ORDERS, TimeUnit.NANOSECONDS.toMillis(produced - t0), handledBeforeKill, handledAfterRestart,
                outputs, outputs - seen.size(), TimeUnit.NANOSECONDS.toMillis(done - killed));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String id(int i) {
        return "o-" + i;
    }

    private void produceOrders() {
        Map<String, Object> config = Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all",
                "linger.ms", 5, "key.serializer", StringSerializer.class.getName(),
                "value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < ORDERS; i++) {
                String country = COUNTRIES[i % COUNTRIES.length];
                if (i == 7) {
                    country = "nz"; // the handler upper-cases it
                }
                String amount = i + "." + String.format("%02d", i % 100);
                producer.send(new ProducerRecord<>("orders", id(i),
                        "{\"id\":\"" + id(i) + "\",\"amount\":" + amount + ",\"country\":\"" + country + "\"}"));
            }
            producer.flush();
        }
    }

    /**
     * Reads {@code orders.enriched} from the beginning until every order id has been seen, the
     * process dies or {@code seconds} pass. Returns how many records it read.
     */
    private long consumeEnriched(Map<String, Integer> seen, Map<String, JsonNode> sample, Process p, long seconds)
            throws Exception {
        Map<String, Object> config = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", StringDeserializer.class.getName(), "enable.auto.commit", "false");
        long records = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor("orders.enriched")) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (seen.size() < ORDERS) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    records++;
                    JsonNode value = JSON.readTree(r.value());
                    assertEquals(value.get("id").asText(), r.key(), "keyed by the order id");
                    seen.merge(r.key(), 1, Integer::sum);
                    if (r.key().equals(id(1)) || r.key().equals(id(7))) {
                        sample.put(r.key(), value);
                    }
                }
                assertTrue(p.isAlive(), () -> "the processor died: " + log());
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out after " + seconds + " s: " + seen.size() + " of " + ORDERS
                            + " orders enriched; log:\n" + log());
                }
            }
        }
        return records;
    }

    private long dlqRecords() {
        Map<String, Object> config = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.deserializer", ByteArrayDeserializer.class.getName(),
                "value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            TopicPartition tp = new TopicPartition("orders.dlq", 0);
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** The function.yaml packaged in the jar, pointed at the test broker, with a short session timeout. */
    private Path writeYaml() throws IOException {
        String packaged;
        try (JarFile jar = new JarFile(JAR.toFile()); InputStream in = jar.getInputStream(jar.getEntry("function.yaml"))) {
            packaged = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String yaml = replace(packaged, "brokers: [\"127.0.0.1:9092\"]", "brokers: [\"" + kafka.bootstrapServers() + "\"]");
        // the killed member stays in the group until its session times out: keep the restart short
        yaml = replace(yaml, "sessionTimeout: 10s", "sessionTimeout: 2s");
        yaml = replace(yaml, "heartbeatInterval: 3s", "heartbeatInterval: 500ms");
        Path file = dir.resolve("function.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String replace(String text, String what, String with) {
        assertTrue(text.contains(what), "the packaged function.yaml has '" + what + "':\n" + text);
        return text.replace(what, with);
    }

    /** The sum of {@code nucleon_events_total} of the orders trigger for one outcome. */
    private long events(int control, String outcome) throws Exception {
        double sum = 0;
        for (String line : get("http://127.0.0.1:" + control + "/metrics").body().split("\n")) {
            if (line.startsWith("nucleon_events_total{") && line.contains("trigger=\"orders\"")
                    && line.contains("outcome=\"" + outcome + "\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }

    private Process start(Path yaml, int control) throws IOException {
        List<String> cmd = List.of(java(), "-jar", JAR.toString(), yaml.toString(), "--control-port", Integer.toString(control));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("process-" + processes.size() + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private void awaitReady(int control, Process p) throws Exception {
        await("/ready", 30, () -> {
            try {
                return get("http://127.0.0.1:" + control + "/ready").statusCode() == 200;
            } catch (IOException notYet) {
                return false; // not listening yet
            }
        }, p);
    }

    private interface Check {
        boolean done() throws Exception;
    }

    private void await(String what, long seconds, Check check, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.done()) {
            assertTrue(p.isAlive(), () -> "the processor died: " + log());
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "; log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    private String log() {
        try (var files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".log")).sorted()::iterator) {
                sb.append("---- ").append(f.getFileName()).append('\n').append(Files.readString(f));
            }
            return sb.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
