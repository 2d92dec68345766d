package io.nucleon.trigger.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class KafkaTestBrokerTest {

    private static final int RECORDS = 10_000;
    private static final int PARTITIONS = 8;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void producesAndConsumesTenThousandRecordsThroughAConsumerGroup() throws Exception {
        long startNanos = System.nanoTime();
        try (KafkaTestBroker kafka = KafkaTestBroker.start()) {
            long startupMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            assertTrue(startupMillis < 30_000, "startup took " + startupMillis + " ms"); // generous: a busy machine
            assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());

            String topic = "events";
            kafka.createTopic(topic, PARTITIONS);
            produce(kafka, topic, RECORDS);

            // The classic group protocol (the 4.x client default) ...
            Set<String> keys = consumeAll(kafka, topic, "group-classic", "classic", RECORDS);
            assertEquals(RECORDS, keys.size());
            // ... and the KIP-848 consumer group protocol, which a 4.x broker serves by default.
            assertEquals(
                    RECORDS,
                    consumeAll(kafka, topic, "group-consumer", "consumer", RECORDS)
                            .size());

            assertEquals(
                    Map.of("group-classic", (long) RECORDS, "group-consumer", (long) RECORDS),
                    committedTotals(kafka, "group-classic", "group-consumer"));
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void twoBrokersRunSideBySide() throws Exception {
        try (KafkaTestBroker first = KafkaTestBroker.start();
                KafkaTestBroker second = KafkaTestBroker.start()) {
            assertNotEquals(first.bootstrapServers(), second.bootstrapServers());

            first.createTopic("only-in-first", 2);
            second.createTopic("only-in-second", 1);
            produce(first, "only-in-first", 10);
            produce(second, "only-in-second", 10);

            assertEquals(
                    10, consumeAll(first, "only-in-first", "g", "classic", 10).size());
            assertEquals(
                    10, consumeAll(second, "only-in-second", "g", "classic", 10).size());
            try (Admin admin = admin(second)) {
                Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                assertTrue(topics.contains("only-in-second"));
                assertFalse(topics.contains("only-in-first"), topics.toString());
            }
        }
    }

    private static void produce(KafkaTestBroker kafka, String topic, int count) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            List<java.util.concurrent.Future<?>> sends = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                sends.add(producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)));
            }
            producer.flush();
            for (java.util.concurrent.Future<?> send : sends) {
                send.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Reads the topic from the start until {@code expected} records have arrived, then half a second
     * more (committing after every non-empty poll): a count check must also catch duplicates and
     * extras, so it does not stop at exactly the expected count.
     */
    private static Set<String> consumeAll(
            KafkaTestBroker kafka, String topic, String group, String protocol, int expected) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        Set<String> keys = new HashSet<>();
        int records = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long extraUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, extraUntil)) {
                var batch = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> record : batch) {
                    keys.add(record.key());
                    records++;
                }
                if (!batch.isEmpty()) {
                    consumer.commitSync();
                }
                if (records >= expected && extraUntil == Long.MAX_VALUE) {
                    extraUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                }
            }
        }
        assertEquals(keys.size(), records, "duplicate deliveries in " + group);
        return keys;
    }

    private static Map<String, Long> committedTotals(KafkaTestBroker kafka, String... groups) throws Exception {
        Map<String, Long> totals = new HashMap<>();
        try (Admin admin = admin(kafka)) {
            for (String group : groups) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
                assertEquals(PARTITIONS, offsets.size(), group + " committed " + offsets);
                totals.put(
                        group,
                        offsets.values().stream()
                                .mapToLong(OffsetAndMetadata::offset)
                                .sum());
            }
        }
        return totals;
    }

    private static Admin admin(KafkaTestBroker kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
