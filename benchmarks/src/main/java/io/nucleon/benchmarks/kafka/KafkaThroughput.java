package io.nucleon.benchmarks.kafka;

import io.nucleon.api.Processor;
import io.nucleon.benchmarks.Baseline;
import io.nucleon.benchmarks.HandlerResult;
import io.nucleon.trigger.kafka.KafkaTestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Records per second through the {@code kafka} trigger (empty handler, {@code static} mode, commits
 * of finished offsets) against a raw {@code KafkaConsumer} poll loop (commitAsync after each poll)
 * reading the same topic, on Kafka's own broker started in-process (KRaft), in one run.
 *
 * <p>For each partition count, a topic is filled with {@code records} 64-byte records; then, in
 * alternating rounds, a fresh consumer group reads all of it, timed from the consumer's creation to
 * the last record handled (the raw loop: counted). Medians of {@code rounds} rounds, after a warm-up
 * round of each.
 *
 * <p>With {@code -Dbaseline=/path/to/other/benchmarks.jar} (another build, see {@link Baseline}) each
 * round also runs the trigger of that build on the same topic, before or after this build's in turn,
 * and the report compares the two: a before/after measurement in one run.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.kafka.KafkaThroughput [records] [rounds] [partitions...]</pre>
 * Defaults: 1000000 records, 3 rounds, partitions 1 and 8; the trigger runs {@code -Dworkers=N} workers
 * (default: one per available processor) and both sides poll {@code -DmaxPollRecords=N} records at a time (default 500);
 * the handler returns {@code -Dresult=null|object} (see {@link HandlerResult}).
 */
public final class KafkaThroughput {
    /** The trigger's workers: {@code -Dworkers=N}, by default one per available processor. */
    private static final int WORKERS =
            Integer.getInteger("workers", Runtime.getRuntime().availableProcessors());
    /** Records per poll for both sides: {@code -DmaxPollRecords=N}, Kafka's default 500. */
    private static final int MAX_POLL_RECORDS = Integer.getInteger("maxPollRecords", 500);
    /** The trigger's maxBufferedPerPartition: {@code -DmaxBuffered=N}, default 0 (the trigger's default, 20 times maxPollRecords). */
    private static final int MAX_BUFFERED = Integer.getInteger("maxBuffered", 0);

    private KafkaThroughput() {}

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<Integer> partitionCounts = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            partitionCounts.add(Integer.parseInt(args[i]));
        }
        if (partitionCounts.isEmpty()) {
            partitionCounts = List.of(1, 8);
        }
        Baseline baseline = Baseline.fromSystemProperty();
        List<String> lines = new ArrayList<>();
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            for (int partitions : partitionCounts) {
                String topic = "bench-" + partitions + "-" + UUID.randomUUID();
                broker.createTopic(topic, partitions);
                fill(bootstrap, topic, partitions, records);
                raw(bootstrap, topic, records); // warm-up
                nucleon(bootstrap, topic, records, partitions); // warm-up
                if (baseline != null) {
                    baseline(baseline, bootstrap, topic, records, partitions); // warm-up
                }
                List<Double> raw = new ArrayList<>();
                List<Double> nucleon = new ArrayList<>();
                List<Double> base = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    raw.add(raw(bootstrap, topic, records));
                    if (baseline != null && round % 2 == 1) { // alternate which build goes first
                        base.add(baseline(baseline, bootstrap, topic, records, partitions));
                    }
                    nucleon.add(nucleon(bootstrap, topic, records, partitions));
                    if (baseline != null && round % 2 == 0) {
                        base.add(baseline(baseline, bootstrap, topic, records, partitions));
                    }
                    System.out.printf(
                            "partitions %d, round %d: raw %,.0f rec/s, nucleon %,.0f rec/s%s%n",
                            partitions,
                            round,
                            raw.get(round - 1),
                            nucleon.get(round - 1),
                            baseline == null ? "" : String.format(", baseline %,.0f rec/s", base.get(round - 1)));
                }
                double r = median(raw);
                double n = median(nucleon);
                lines.add(String.format(
                        "partitions %d: raw KafkaConsumer %,10.0f rec/s   nucleon kafka trigger %,10.0f rec/s"
                                + "   nucleon / raw = %.2f",
                        partitions, r, n, n / r));
                if (baseline != null) {
                    double b = median(base);
                    lines.add(String.format(
                            "partitions %d: baseline trigger  %,10.0f rec/s   this build's trigger  %,10.0f rec/s"
                                    + "   this / baseline = %.2f",
                            partitions, b, n, n / b));
                }
            }
        }
        System.out.printf(
                "%n%d records of 64 bytes, %d rounds (medians), trigger with %d workers, static mode, handler result %s%s:%n",
                records, rounds, WORKERS, HandlerResult.KIND, baseline == null ? "" : ", baseline " + baseline.jar());
        lines.forEach(System.out::println);
    }

    private static double baseline(Baseline baseline, String bootstrap, String topic, int records, int partitions)
            throws Exception {
        return baseline.call(KafkaThroughput.class.getName(), "nucleon", bootstrap, topic, records, partitions);
    }

    private static void fill(String bootstrap, String topic, int partitions, int records) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        byte[] value = new byte[64];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null, value));
            }
            producer.flush();
        }
    }

    private static double raw(String bootstrap, String topic, int records) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "raw-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long start = System.nanoTime();
        long seen = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            while (seen < records) {
                ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(100));
                seen += batch.count();
                if (!batch.isEmpty()) {
                    c.commitAsync();
                }
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(5)) {
                    throw new IllegalStateException("raw consumer stalled at " + seen);
                }
            }
            return records / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** One round of the trigger, in a fresh group; public and static for {@link Baseline#call}. */
    public static double nucleon(String bootstrap, String topic, int records, int partitions) throws Exception {
        java.util.concurrent.atomic.LongAdder handled =
                new java.util.concurrent.atomic.LongAdder(); // no line shared by the workers
        long start = System.nanoTime();
        Processor p = Processor.builder()
                .name("kafka-throughput")
                .withoutControlServer()
                .handler(HandlerResult.counting(handled::increment))
                .trigger(
                        "bench",
                        "kafka",
                        t -> t.numWorkers(WORKERS)
                                .attribute("brokers", List.of(bootstrap))
                                .attribute("topics", List.of(topic))
                                .attribute("consumerGroup", "nucleon-" + UUID.randomUUID())
                                .attribute("maxPollRecords", MAX_POLL_RECORDS)
                                .attribute("maxBufferedPerPartition", MAX_BUFFERED))
                .build()
                .start();
        try {
            while (handled.sum() < records) {
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(5)) {
                    throw new IllegalStateException("nucleon stalled at " + handled.sum());
                }
                Thread.sleep(2);
            }
            return records / ((System.nanoTime() - start) / 1e9);
        } finally {
            p.stop(Duration.ofSeconds(10));
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
