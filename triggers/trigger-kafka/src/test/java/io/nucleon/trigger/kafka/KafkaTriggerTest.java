package io.nucleon.trigger.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kafka trigger against Kafka's own broker, started in-process in KRaft mode.
 *
 * <p>One broker serves every test of the class (starting one takes seconds); it is the only thing
 * they share. Each test has its own topic (a random suffix) and consumer group, so no test sees
 * another's records, offsets or group members, in whatever order they run.
 */
class KafkaTriggerTest {
    private static KafkaTestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private final String topic = "orders-" + UUID.randomUUID().toString().substring(0, 8);
    private final String group = topic + "-group";

    /** Produces {@code n} records: value "seq", key = the partition's name, spread round-robin over the partitions. */
    private static void produce(String topic, int partitions, int n) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // not idempotent, one request in flight: a retry after a fresh topic's leader moves cannot
        // reorder or (on loopback) duplicate, and every send is checked
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>(n);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < n; i++) {
                sent.add(producer.send(
                        new ProducerRecord<>(topic, i % partitions, "k" + (i % partitions), Integer.toString(i))));
            }
            producer.flush();
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(a)) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
            for (int part = 0; part < partitions; part++) {
                latest.put(new TopicPartition(topic, part), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            long written = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset)
                    .sum();
            assertEquals(n, written, "the topic holds exactly the records produced");
        }
    }

    private static Processor start(
            String name, Handler handler, int workers, Consumer<Processor.TriggerBuilder> attributes) throws Exception {
        return Processor.builder()
                .name(name)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(10))
                .drainTimeout(Duration.ofSeconds(10))
                .trigger("orders", "kafka", t -> {
                    t.numWorkers(workers).attribute("brokers", List.of(broker.bootstrapServers()));
                    attributes.accept(t);
                })
                .build()
                .start();
    }

    private static void await(String what, long seconds, Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(20))
                .until(done);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected, long seconds) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            return admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyRecordIsHandledOrDeadLetteredAndEachPartitionKeepsItsOrder() throws Exception {
        int partitions = 8;
        int total = 100_000;
        broker.createTopic(topic, partitions);
        broker.createTopic(topic + ".dlq", 1);
        produce(topic, partitions, total);
        // 1 % of the records fail for good (dead-lettered); another 1 % fail on their first attempt only
        Map<Integer, List<Long>> invocationOffsets = new ConcurrentHashMap<>();
        Set<Integer> succeeded = ConcurrentHashMap.newKeySet();
        Map<Integer, Integer> attemptsOfPoison = new ConcurrentHashMap<>();
        Processor p = start(
                "order-test",
                (ctx, e) -> {
                    int seq = Integer.parseInt(e.bodyAsString());
                    invocationOffsets
                            .computeIfAbsent(e.shardId(), k -> new CopyOnWriteArrayList<>())
                            .add(e.offset());
                    if (seq % 100 == 37) {
                        attemptsOfPoison.merge(seq, 1, Integer::sum);
                        throw new IllegalStateException("record " + seq + " is poison");
                    }
                    if (seq % 100 == 59 && (Integer) e.field("attempt") == 1) {
                        throw new IllegalStateException("record " + seq + " fails once");
                    }
                    succeeded.add(seq);
                    return null;
                },
                8,
                t -> t.attribute("topics", List.of(topic))
                        .attribute("consumerGroup", group)
                        .attribute("maxRetries", 2)
                        .attribute("retryDelay", "1ms"));
        try {
            await("every good record handled", 120, () -> succeeded.size() == total - total / 100);
            List<ConsumerRecord<byte[], byte[]>> dead = readAll(topic + ".dlq", total / 100, 60);
            assertEquals(total / 100, dead.size(), "every poison record is in the dead-letter topic once");
            Set<Integer> deadSeqs = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                deadSeqs.add(Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8)));
                assertEquals("3", header(r, KafkaTrigger.ATTEMPTS_HEADER));
                assertEquals(topic, header(r, KafkaTrigger.TOPIC_HEADER));
                assertTrue(header(r, KafkaTrigger.ERROR_HEADER).contains("is poison"));
            }
            for (int s = 0; s < total; s++) {
                assertTrue(
                        succeeded.contains(s) != deadSeqs.contains(s),
                        "record " + s + " handled or dead-lettered, not both");
            }
            assertTrue(attemptsOfPoison.values().stream().allMatch(n -> n == 3), "poison records get three attempts");
            for (Map.Entry<Integer, List<Long>> e : invocationOffsets.entrySet()) {
                List<Long> offsets = e.getValue();
                for (int i = 1; i < offsets.size(); i++) {
                    assertTrue(
                            offsets.get(i) >= offsets.get(i - 1),
                            "partition " + e.getKey() + " ran offset " + offsets.get(i) + " after "
                                    + offsets.get(i - 1));
                }
            }
            await("offsets committed to the end", 30, () -> {
                try {
                    long sum = committed(group).values().stream()
                            .mapToLong(OffsetAndMetadata::offset)
                            .sum();
                    return sum == total;
                } catch (Exception ex) {
                    return false;
                }
            });
        } finally {
            p.stop();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** A handler result Jackson cannot serialise: its one property throws. */
    public static final class Unserialisable {
        public String getValue() {
            throw new IllegalStateException("not serialisable");
        }
    }

    @Test
    void aResultThatCannotBeSerialisedIsStillAHandledRecordCommittedAndNeverRetried() throws Exception {
        int total = 200;
        broker.createTopic(topic, 2);
        broker.createTopic(topic + ".dlq", 1);
        produce(topic, 2, total);
        Map<String, java.util.concurrent.atomic.AtomicInteger> runs = new ConcurrentHashMap<>();
        Processor p = start(
                "unserialisable-test",
                (ctx, e) -> {
                    runs.computeIfAbsent(e.bodyAsString(), k -> new java.util.concurrent.atomic.AtomicInteger())
                            .incrementAndGet();
                    return new Unserialisable(); // the trigger commits; it never asks for a response, so nothing
                    // serialises this
                },
                2,
                t -> t.attribute("topics", List.of(topic))
                        .attribute("maxRetries", 2)
                        .attribute("retryDelay", "1ms"));
        try {
            // a commit covers only finished records, so a retried or dead-lettered one would have run again by then
            await("offsets committed to the end", 60, () -> {
                try {
                    return committed("unserialisable-test").values().stream()
                                    .mapToLong(OffsetAndMetadata::offset)
                                    .sum()
                            == total;
                } catch (Exception ex) {
                    return false;
                }
            });
            assertEquals(total, runs.size());
            assertTrue(runs.values().stream().allMatch(n -> n.get() == 1), "each record ran once: " + runs);
            Map<?, ?> trigger = (Map<?, ?>) ((List<?>) p.status().get("triggers")).get(0);
            assertEquals(0L, ((Number) trigger.get("retried")).longValue());
            assertEquals(0L, ((Number) trigger.get("deadLettered")).longValue());
            assertEquals((long) total, ((Number) ((Map<?, ?>) trigger.get("events")).get("success")).longValue());
        } finally {
            p.stop();
        }
    }

    @Test
    void poolModeRunsAPartitionInParallelAndStillCommitsInOrder() throws Exception {
        int total = 20_000;
        broker.createTopic(topic, 2);
        produce(topic, 2, total);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxRunning = new java.util.concurrent.atomic.AtomicInteger();
        Processor p = start(
                "pool-test",
                (ctx, e) -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    if (e.offset() % 1000 == 0) {
                        Thread.sleep(20); // a slow record: later ones of the partition finish first
                    }
                    handled.add(e.id());
                    running.decrementAndGet();
                    return null;
                },
                8,
                t -> t.attribute("topics", List.of(topic))
                        .attribute("consumerGroup", group)
                        .attribute("workerAllocationMode", "pool")
                        .attribute("maxBufferedPerPartition", 200)); // small: the partitions pause and resume all along
        try {
            await("every record handled", 60, () -> handled.size() == total);
            assertTrue(maxRunning.get() > 2, "records of the two partitions ran in parallel: " + maxRunning.get());
            await("offsets committed to the end", 30, () -> {
                try {
                    return committed(group).values().stream()
                                    .mapToLong(OffsetAndMetadata::offset)
                                    .sum()
                            == total;
                } catch (Exception ex) {
                    return false;
                }
            });
        } finally {
            p.stop();
        }
    }

    @Test
    void aSecondProcessorJoiningAndLeavingTheGroupLosesNoRecord() throws Exception {
        int total = 16_000;
        broker.createTopic(topic, 8);
        produce(topic, 8, total);
        Map<String, String> handledBy = new ConcurrentHashMap<>();
        Handler slowish = (ctx, e) -> {
            handledBy.putIfAbsent(
                    e.id(), ctx.functionName() + ":" + Thread.currentThread().getName());
            Thread.sleep(2); // a slow handler: about 2 000 records/s over 4 workers, the stream outlasts the joins and
            // leaves
            return null;
        };
        Consumer<Processor.TriggerBuilder> attrs = t -> t.attribute("topics", List.of(topic))
                .attribute("consumerGroup", group)
                .attribute("commitInterval", "100ms")
                .attribute("maxPollRecords", 100);
        Processor first = start("first", slowish, 4, attrs);
        Processor second = null;
        try {
            await("a first share handled", 60, () -> handledBy.size() > 1000);
            second = start("second", slowish, 4, attrs);
            await(
                    "the second processor takes part",
                    60,
                    () -> handledBy.values().stream().anyMatch(v -> v.startsWith("second")));
            await("more handled while both run", 60, () -> handledBy.size() > 8000);
            second.stop();
            second = null;
            await("every record handled", 120, () -> handledBy.size() == total);
        } finally {
            if (second != null) {
                second.stop();
            }
            first.stop();
        }
        Set<String> expected = new HashSet<>();
        for (int part = 0; part < 8; part++) {
            for (int off = 0; off < total / 8; off++) {
                expected.add(topic + "-" + part + "-" + off);
            }
        }
        assertEquals(expected, handledBy.keySet());
    }

    @Test
    void aProcessorKilledMidStreamLosesNothingAndRepeatsOnlyWhatWasUncommitted(@TempDir Path dir) throws Exception {
        int total = 20_000;
        broker.createTopic(topic, 4);
        produce(topic, 4, total);
        Path handledFile = dir.resolve("handled.txt");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashableFunction.class.getName(),
                        broker.bootstrapServers(),
                        topic,
                        group,
                        handledFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile())
                .start();
        try {
            await("the child handles a share", 60, () -> lines(handledFile).size() > 5000);
        } finally {
            child.destroyForcibly(); // SIGKILL: no drain, no final commit
            child.waitFor(30, TimeUnit.SECONDS);
        }
        Map<TopicPartition, OffsetAndMetadata> committedAtKill = committed(group);
        List<String> beforeKill = lines(handledFile);

        Set<String> afterRestart = ConcurrentHashMap.newKeySet();
        List<String> afterOrder = new CopyOnWriteArrayList<>();
        Processor p = start(
                "crash-test",
                (ctx, e) -> {
                    afterRestart.add(e.id());
                    afterOrder.add(e.id());
                    return null;
                },
                4,
                t -> t.attribute("topics", List.of(topic)).attribute("consumerGroup", group));
        try {
            await("every record handled by one or the other", 60, () -> {
                Set<String> all = new HashSet<>(beforeKill);
                all.addAll(afterRestart);
                return all.size() == total;
            });
        } finally {
            p.stop();
        }
        // what the restarted processor saw again is exactly what the dead one had not committed
        for (String id : afterOrder) {
            int dash = id.lastIndexOf('-');
            long offset = Long.parseLong(id.substring(dash + 1));
            int partition = Integer.parseInt(id.substring(id.lastIndexOf('-', dash - 1) + 1, dash));
            OffsetAndMetadata c = committedAtKill.get(new TopicPartition(topic, partition));
            long from = c == null ? 0 : c.offset();
            assertTrue(
                    offset >= from,
                    "record " + id + " was committed before the kill (at " + from + ") yet handled again");
        }
        Set<String> duplicates = new HashSet<>(beforeKill);
        duplicates.retainAll(afterRestart);
        System.out.println("crash test: " + beforeKill.size() + " handled before the kill, " + afterRestart.size()
                + " after the restart, " + duplicates.size() + " of them twice (all from the uncommitted window)");
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** A function run as a separate process by the crash test: it appends each handled record's id to a file. */
    public static final class CrashableFunction {
        public static void main(String[] args) throws Exception {
            String bootstrap = args[0];
            String topic = args[1];
            String group = args[2];
            java.io.FileOutputStream out = new java.io.FileOutputStream(args[3], true);
            Processor.builder()
                    .name("crashable")
                    .withoutControlServer()
                    .handler((ctx, e) -> {
                        byte[] line = (e.id() + "\n").getBytes(StandardCharsets.UTF_8);
                        synchronized (out) {
                            out.write(line); // unbuffered: in the page cache before the record counts as handled
                        }
                        Thread.sleep(0, 300_000); // a slow handler: the kill finds records in flight and uncommitted
                        return null;
                    })
                    .trigger(
                            "orders",
                            "kafka",
                            t -> t.numWorkers(4)
                                    .attribute("brokers", List.of(bootstrap))
                                    .attribute("topics", List.of(topic))
                                    .attribute("consumerGroup", group)
                                    .attribute("commitInterval", "200ms"))
                    .build()
                    .start();
            new java.util.concurrent.CountDownLatch(1).await(); // runs until the test kills the process
        }
    }
}
