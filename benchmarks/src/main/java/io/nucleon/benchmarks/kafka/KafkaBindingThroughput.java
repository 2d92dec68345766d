package io.nucleon.benchmarks.kafka;

import io.nucleon.binding.kafka.KafkaBinding;
import io.nucleon.binding.kafka.KafkaBindingConfig;
import io.nucleon.trigger.kafka.KafkaTestBroker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Records per second sent through the {@code kafka} data binding's {@code send()} (a stage per record,
 * counted in its meters) against a raw {@code KafkaProducer} with the same settings (the binding's
 * defaults: {@code acks=all}, idempotent, {@code linger.ms=5}, {@code batch.size=128KiB}) and a callback
 * per record, on Kafka's own broker started in-process (KRaft), in one run.
 *
 * <p>Each round sends {@code records} records of {@code size} bytes from {@code -Dthreads=N} threads
 * (default 1) and is timed from the first send to the end of {@code flush()} (every record
 * acknowledged); producers are created (and the binding opened) before the clock starts. Rounds
 * alternate raw and binding, after a warm-up round of each; medians are reported.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.kafka.KafkaBindingThroughput [records] [rounds] [size] [partitions]</pre>
 * Defaults: 1000000 records, 5 rounds, 100 bytes, 1 partition.
 */
public final class KafkaBindingThroughput {
    private static final int THREADS = Integer.getInteger("threads", 1);

    private KafkaBindingThroughput() {}

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        List<Double> raw = new ArrayList<>();
        List<Double> binding = new ArrayList<>();
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String topic = "bench-binding-" + UUID.randomUUID();
            broker.createTopic(topic, partitions);
            String bootstrap = broker.bootstrapServers();
            raw(bootstrap, topic, records, size); // warm-up
            binding(bootstrap, topic, records, size); // warm-up
            for (int round = 1; round <= rounds; round++) {
                // alternate which goes first, so that neither always runs on the fuller log
                if (round % 2 == 1) {
                    raw.add(raw(bootstrap, topic, records, size));
                    binding.add(binding(bootstrap, topic, records, size));
                } else {
                    binding.add(binding(bootstrap, topic, records, size));
                    raw.add(raw(bootstrap, topic, records, size));
                }
                System.out.printf(
                        "round %d: raw %,.0f rec/s, binding %,.0f rec/s, binding / raw = %.2f%n",
                        round, raw.get(round - 1), binding.get(round - 1), binding.get(round - 1) / raw.get(round - 1));
            }
        }
        double r = median(raw);
        double b = median(binding);
        System.out.printf(
                "%n%,d records of %d bytes, %d partition(s), %d sending thread(s), %d rounds (medians):%n",
                records, size, partitions, THREADS, rounds);
        System.out.printf(
                "raw KafkaProducer %,10.0f rec/s   nucleon kafka binding %,10.0f rec/s   binding / raw = %.2f%n",
                r, b, b / r);
    }

    /** The binding's defaults, spelt out for the raw producer. */
    private static Properties rawProperties(String bootstrap) {
        KafkaBindingConfig d = new KafkaBindingConfig();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "raw-bench");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(d.lingerMs));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Long.toString(d.batchSize.bytes()));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, d.compression);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(d.bufferMemory.bytes()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(d.maxBlock.toMillis()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(d.deliveryTimeout.toMillis()));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static double raw(String bootstrap, String topic, int records, int size) throws Exception {
        AtomicLong errors = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(rawProperties(bootstrap))) {
            producer.partitionsFor(topic); // metadata before the clock, as the binding's open does
            double rate = timed(
                    records,
                    size,
                    value -> producer.send(new ProducerRecord<>(topic, null, value), (md, e) -> {
                        if (e != null) {
                            errors.incrementAndGet();
                        }
                    }),
                    producer::flush);
            if (errors.get() > 0) {
                throw new IllegalStateException(errors.get() + " raw sends failed");
            }
            return rate;
        }
    }

    private static double binding(String bootstrap, String topic, int records, int size) throws Exception {
        KafkaBindingConfig c = new KafkaBindingConfig();
        c.brokers = List.of(bootstrap);
        c.topic = topic;
        try (KafkaBinding out = new KafkaBinding("bench", c)) {
            out.open();
            double rate = timed(records, size, value -> out.send(null, value), out::flush);
            Object failed = out.status().get("failed");
            if (((Long) failed) > 0 || ((Long) out.status().get("sent")) != records) {
                throw new IllegalStateException("binding: " + out.status());
            }
            return rate;
        }
    }

    private static double timed(int records, int size, java.util.function.Consumer<byte[]> send, Runnable flush)
            throws Exception {
        byte[] value = new byte[size];
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int share = records / THREADS + (t < records % THREADS ? 1 : 0);
            Thread th = new Thread(
                    () -> {
                        for (int i = 0; i < share; i++) {
                            send.accept(value);
                        }
                    },
                    "sender-" + t);
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        flush.run();
        return records / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
