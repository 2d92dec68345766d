package io.nucleon.benchmarks.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.nucleon.api.Processor;
import io.nucleon.benchmarks.Baseline;
import io.nucleon.benchmarks.HandlerResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Messages per second through the {@code rabbitmq} trigger (empty handler, manual ack after the
 * handler) against a raw amqp-client consumer doing the same (manual ack per message), with the same
 * prefetch and number of consumers, on the same broker, in one run.
 *
 * <p>After a warm-up round of each (a fifth of the messages, not counted), each round fills a fresh queue with {@code messages} persistent 64-byte messages, then times
 * from the start of the consumers (connection included, for both) until the last ack; the two
 * sides alternate, {@code rounds} times, and the medians are compared.
 *
 * <p>With {@code -Dbaseline=/path/to/other/benchmarks.jar} (another build, see {@link Baseline}) each
 * round also runs the trigger of that build on a queue filled the same way, before or after this
 * build's in turn, and the report compares the two: a before/after measurement in one run.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.rabbitmq.RabbitMqThroughput [messages] [consumers] [prefetch] [rounds]</pre>
 * Defaults: 100000 messages, 1 consumer, prefetch 64, 3 rounds; RabbitMQ at {@code NUCLEON_AMQP_URL}
 * or amqp://guest:guest@127.0.0.1:5672/%2f; the handler returns {@code -Dresult=null|object} (see
 * {@link HandlerResult}).
 */
public final class RabbitMqThroughput {
    private static final String URL =
            System.getenv().getOrDefault("NUCLEON_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f");

    private RabbitMqThroughput() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int consumers = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int prefetch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        Baseline baseline = Baseline.fromSystemProperty();
        List<Double> raw = new ArrayList<>();
        List<Double> nucleon = new ArrayList<>();
        List<Double> base = new ArrayList<>();
        try (Connection admin = f.newConnection("rabbitmq-throughput-admin")) {
            Channel ch = admin.createChannel();
            // a warm-up round of each, not counted
            String w = "bench-warmup-" + UUID.randomUUID();
            fill(ch, w, messages / 5);
            raw(f, w, messages / 5, consumers, prefetch);
            fill(ch, w, messages / 5);
            nucleon(w, messages / 5, consumers, prefetch);
            if (baseline != null) {
                fill(ch, w, messages / 5);
                baseline(baseline, w, messages / 5, consumers, prefetch);
            }
            deleteQueues(ch, w);
            for (int round = 1; round <= rounds; round++) {
                String q = "bench-raw-" + UUID.randomUUID();
                fill(ch, q, messages);
                raw.add(raw(f, q, messages, consumers, prefetch));
                ch.queueDelete(q);
                System.out.printf("round %d: raw      %,.0f msg/s%n", round, raw.get(raw.size() - 1));
                if (baseline != null && round % 2 == 1) { // alternate which build goes first
                    base.add(baselineRound(ch, baseline, round, messages, consumers, prefetch));
                }
                q = "bench-nucleon-" + UUID.randomUUID();
                fill(ch, q, messages);
                nucleon.add(nucleon(q, messages, consumers, prefetch));
                deleteQueues(ch, q);
                System.out.printf("round %d: nucleon  %,.0f msg/s%n", round, nucleon.get(nucleon.size() - 1));
                if (baseline != null && round % 2 == 0) {
                    base.add(baselineRound(ch, baseline, round, messages, consumers, prefetch));
                }
            }
        }
        double r = median(raw);
        double n = median(nucleon);
        System.out.printf(
                "%nmessages %d, consumers %d, prefetch %d, %d rounds (medians), handler result %s%n",
                messages, consumers, prefetch, rounds, HandlerResult.KIND);
        System.out.printf("raw amqp-client consumer  %,10.0f msg/s   %s%n", r, raw);
        System.out.printf("nucleon rabbitmq trigger  %,10.0f msg/s   %s%n", n, nucleon);
        System.out.printf("nucleon / raw = %.2f%n", n / r);
        if (baseline != null) {
            double b = median(base);
            System.out.printf("baseline trigger          %,10.0f msg/s   %s   (%s)%n", b, base, baseline.jar());
            System.out.printf("this build / baseline = %.2f%n", n / b);
        }
    }

    private static double baselineRound(
            Channel ch, Baseline baseline, int round, int messages, int consumers, int prefetch) throws Exception {
        String q = "bench-baseline-" + UUID.randomUUID();
        fill(ch, q, messages);
        double rate = baseline(baseline, q, messages, consumers, prefetch);
        deleteQueues(ch, q);
        System.out.printf("round %d: baseline %,.0f msg/s%n", round, rate);
        return rate;
    }

    private static double baseline(Baseline baseline, String queue, int messages, int consumers, int prefetch)
            throws Exception {
        return baseline.call(RabbitMqThroughput.class.getName(), "nucleon", queue, messages, consumers, prefetch);
    }

    private static void deleteQueues(Channel ch, String queue) throws Exception {
        for (String suffix : List.of("", ".retry", ".dlq")) {
            ch.queueDelete(queue + suffix);
        }
    }

    private static void fill(Channel ch, String queue, int messages) throws Exception {
        ch.queueDeclare(queue, true, false, false, null);
        ch.confirmSelect();
        byte[] body = new byte[64];
        AMQP.BasicProperties props =
                new AMQP.BasicProperties.Builder().deliveryMode(2).build();
        for (int i = 0; i < messages; i++) {
            ch.basicPublish("", queue, props, body);
            if (i % 5000 == 4999) {
                ch.waitForConfirmsOrDie(30_000);
            }
        }
        ch.waitForConfirmsOrDie(30_000);
    }

    private static double raw(ConnectionFactory f, String queue, int messages, int consumers, int prefetch)
            throws Exception {
        CountDownLatch done = new CountDownLatch(messages);
        long start = System.nanoTime();
        try (Connection c = f.newConnection("rabbitmq-throughput-raw")) {
            for (int i = 0; i < consumers; i++) {
                Channel ch = c.createChannel();
                ch.basicQos(prefetch);
                ch.basicConsume(queue, false, new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(
                            String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                            throws java.io.IOException {
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                        done.countDown();
                    }
                });
            }
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("raw consumer did not finish");
            }
            return messages / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** One round of the trigger on a filled queue; public and static for {@link Baseline#call}. */
    @SuppressWarnings("unchecked")
    public static double nucleon(String queue, int messages, int consumers, int prefetch) throws Exception {
        long start = System.nanoTime();
        Processor p = Processor.builder()
                .name("rabbitmq-throughput")
                .withoutControlServer()
                .handler(HandlerResult.counting(() -> {}))
                .trigger(
                        "bench",
                        "rabbitmq",
                        t -> t.numWorkers(consumers)
                                .attribute("url", URL)
                                .attribute("queueName", queue)
                                .attribute("prefetchCount", prefetch))
                .build()
                .start();
        try {
            while (true) {
                Map<String, Object> trigger =
                        ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
                Object acked = trigger.get("acked");
                if (acked instanceof Number n && n.longValue() >= messages) {
                    return messages / ((System.nanoTime() - start) / 1e9);
                }
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) {
                    throw new IllegalStateException("nucleon did not finish: " + trigger);
                }
                Thread.sleep(10); // a status snapshot costs a little: poll rarely
            }
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
