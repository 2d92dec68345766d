package io.nucleon.examples.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import io.nucleon.trigger.kafka.KafkaTestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
    private static final int ORDERS = Integer.getInteger("kafka-enrich.orders", 20_000);
    private static final String[] COUNTRIES = {"DE", "US", "JP", "FR", "BR", "IN", "NZ"};
    private static final ObjectMapper JSON = new ObjectMapper();

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
    void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyOrderIsEnrichedAtLeastOnceAcrossAKill9AndSigtermExitsZero() throws Exception {
        long t0 = System.nanoTime();
        produceOrders();
        long produced = System.nanoTime();
        FunctionJar jar = jar();

        long handledBeforeKill;
        try (FunctionProcess first = jar.start()) {
            // kill -9 in the middle of the input: with the partitions' offsets committed only in part
            first.await("a quarter of the orders handled", Duration.ofSeconds(60), () -> events(first) >= ORDERS / 4);
            handledBeforeKill = events(first);
            first.kill(); // SIGKILL: no revoke, no final commit, the producer's buffer lost
        }
        assertTrue(
                handledBeforeKill < ORDERS,
                "the first process was killed before it had handled every order (" + handledBeforeKill + ")");
        long killed = System.nanoTime();

        try (FunctionProcess second = jar.start()) {
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
            long handledAfterRestart = events(second);
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
            assertTrue(
                    o7.at("/source/partition").asInt() >= 0
                            && o7.at("/source/partition").asInt() < 4,
                    o7.toString());
            assertTrue(o7.at("/source/offset").asLong() >= 0, o7.toString());
            JsonNode o1 = sample.get(id(1)); // {"id":"o-1","amount":1.01,"country":"US"}
            assertEquals("AMER", o1.get("region").asText());
            assertEquals(101, o1.get("amountCents").asLong());

            assertEquals(0, second.stop(), "SIGTERM: a graceful stop");
            assertEquals(0, dlqRecords(), "no order was dead-lettered");

            System.out.printf(
                    "kafka-enrich IT: %d orders, produced in %d ms; first process handled %d before kill -9;"
                            + " second process handled %d; %d enriched records (%d duplicates);"
                            + " restart to every order enriched: %d ms%n",
                    ORDERS,
                    TimeUnit.NANOSECONDS.toMillis(produced - t0),
                    handledBeforeKill,
                    handledAfterRestart,
                    outputs,
                    outputs - seen.size(),
                    TimeUnit.NANOSECONDS.toMillis(done - killed));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String id(int i) {
        return "o-" + i;
    }

    private void produceOrders() {
        Map<String, Object> config = Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "acks",
                "all",
                "linger.ms",
                5,
                "key.serializer",
                StringSerializer.class.getName(),
                "value.serializer",
                StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < ORDERS; i++) {
                String country = COUNTRIES[i % COUNTRIES.length];
                if (i == 7) {
                    country = "nz"; // the handler upper-cases it
                }
                String amount = i + "." + String.format("%02d", i % 100);
                producer.send(new ProducerRecord<>(
                        "orders",
                        id(i),
                        "{\"id\":\"" + id(i) + "\",\"amount\":" + amount + ",\"country\":\"" + country + "\"}"));
            }
            producer.flush();
        }
    }

    /**
     * Reads {@code orders.enriched} from the beginning until every order id has been seen, the
     * process dies or {@code seconds} pass. Returns how many records it read.
     */
    private long consumeEnriched(
            Map<String, Integer> seen, Map<String, JsonNode> sample, FunctionProcess fn, long seconds)
            throws Exception {
        Map<String, Object> config = Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "key.deserializer",
                StringDeserializer.class.getName(),
                "value.deserializer",
                StringDeserializer.class.getName(),
                "enable.auto.commit",
                "false");
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
                fn.assertAlive();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out after " + seconds + " s: " + seen.size() + " of " + ORDERS
                            + " orders enriched; log:\n" + fn.output());
                }
            }
        }
        return records;
    }

    private long dlqRecords() {
        Map<String, Object> config = Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "key.deserializer",
                ByteArrayDeserializer.class.getName(),
                "value.deserializer",
                ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            TopicPartition tp = new TopicPartition("orders.dlq", 0);
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** The packaged jar and function.yaml, pointed at the test broker, with a short session timeout. */
    private FunctionJar jar() {
        List<String> brokers = List.of(kafka.bootstrapServers());
        return FunctionJar.packaged()
                .workDirectory(dir)
                .override("spec.triggers.orders.attributes.brokers", brokers)
                .override("spec.dataBindings.out.attributes.brokers", brokers)
                // the killed member stays in the group until its session times out: keep the restart short
                .override("spec.triggers.orders.attributes.sessionTimeout", "2s")
                .override("spec.triggers.orders.attributes.heartbeatInterval", "500ms");
    }

    /** The sum of {@code nucleon_events_total} of the orders trigger for outcome success. */
    private static long events(FunctionProcess fn) {
        return (long) fn.metric("nucleon_events_total", Map.of("trigger", "orders", "outcome", "success"));
    }
}
