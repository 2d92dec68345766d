package io.nucleon.binding.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Processor;
import io.nucleon.trigger.kafka.KafkaTestBroker;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Event batches to a Python handler (Nuclio's batch API): a kafka trigger with {@code batchSize}
 * hands a real Python wrapper lists of records; the handler forwards each through the kafka binding
 * and answers each by its event id; a record it gives no answer fails alone and is retried. Kafka's
 * own broker runs in-process; a consumer reads what the handler forwarded.
 */
class KafkaBatchesToPythonTest {
    private static final Path FUNCTIONS =
            Path.of("src/test/resources/functions").toAbsolutePath();
    private static KafkaTestBroker kafka;

    @BeforeAll
    static void startKafka() {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(500)).forEach(out::add); // nothing more than expected
        }
        return out;
    }

    @Test
    void recordsReachThePythonHandlerInBatchesAndAFailedOneFailsAlone() throws Exception {
        String in = "batch-in-" + UUID.randomUUID();
        String out = "batch-out-" + UUID.randomUUID();
        kafka.createTopic(in, 4);
        kafka.createTopic(out, 1);
        int count = 400;
        // produced before the processor starts: the trigger finds a backlog, so workers find records queued
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName()))) {
            for (int i = 0; i < count; i++) {
                String body = (i % 100 == 7 ? "fail-" : "r-") + i;
                producer.send(new ProducerRecord<>(in, body));
            }
            producer.flush();
        }
        Processor p = Processor.builder()
                .name("kafka-batches")
                .withoutControlServer()
                .runtime("python")
                .handler("batch:handler")
                .runtimeAttribute("codeDir", FUNCTIONS.resolve("kafka-batch").toString())
                .eventTimeout(Duration.ofSeconds(20))
                .drainTimeout(Duration.ofSeconds(5))
                .dataBinding("out", "kafka", Map.of("brokers", List.of(kafka.bootstrapServers()), "topic", out))
                .trigger(
                        "orders",
                        "kafka",
                        t -> t.numWorkers(2)
                                .attribute("brokers", List.of(kafka.bootstrapServers()))
                                .attribute("topics", List.of(in))
                                .attribute("consumerGroup", "batches-" + UUID.randomUUID())
                                .attribute("workerAllocationMode", "pool")
                                .attribute("batchSize", 32)
                                .attribute("maxRetries", 2)
                                .attribute("retryDelay", "1ms"))
                .build()
                .start();
        try {
            List<ConsumerRecord<byte[], byte[]>> records = readAll(out, count);
            assertEquals(count, records.size(), "every record forwarded once, the failed ones on their retry");
            Map<String, Integer> seen = new HashMap<>();
            int largest = 0;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                seen.merge(new String(r.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                largest = Math.max(
                        largest,
                        Integer.parseInt(
                                new String(r.headers().lastHeader("batch").value(), StandardCharsets.UTF_8)));
            }
            assertEquals(count, seen.size());
            assertTrue(seen.values().stream().allMatch(n -> n == 1), "no record forwarded twice");
            assertTrue(seen.containsKey("fail-7") && seen.containsKey("fail-307"), "the failed records, retried");
            assertTrue(largest > 1, "records went to the handler in batches (largest " + largest + ")");
            assertTrue(largest <= 32, "never more than batchSize at once (largest " + largest + ")");
        } finally {
            p.stop(Duration.ofSeconds(5));
        }
    }
}
