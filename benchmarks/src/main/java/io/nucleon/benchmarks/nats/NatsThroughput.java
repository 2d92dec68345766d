package io.nucleon.benchmarks.nats;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nucleon.api.Processor;
import io.nucleon.benchmarks.HandlerResult;
import io.nucleon.binding.nats.NatsBinding;
import io.nucleon.binding.nats.NatsBindingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@code nats} trigger and binding against the raw jnats client doing the same, on the same
 * JetStream server, in one run, alternating rounds after a warm-up round of each; medians compared.
 *
 * <ul>
 *   <li>Trigger: a fresh stream filled with {@code messages} 64-byte messages, then read from a
 *       durable pull consumer with explicit acks, timed from the start of the reader (connection
 *       included, for both) to the last ack. Raw: jnats' {@code consume} with a handler that acks
 *       each message, the same batch size as the trigger's pulls. Nucleon: the trigger, empty
 *       handler ({@code -Dresult=null|object}), {@code numWorkers} workers.
 *   <li>Binding: {@code messages} JetStream publishes of 64 bytes, each with a message id, in
 *       windows of 1000 awaited acks. Raw: {@code JetStream.publishAsync}. Nucleon:
 *       {@code NatsBinding.publishJetStream}.
 * </ul>
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.nats.NatsThroughput [messages] [workers] [maxAckPending] [rounds]</pre>
 * Defaults: 100000 messages, 1 worker, 256, 3 rounds; the server at {@code NUCLEON_NATS_URL} or
 * nats://127.0.0.1:4222 (with JetStream).
 */
public final class NatsThroughput {
    private static final String URL = System.getenv().getOrDefault("NUCLEON_NATS_URL", "nats://127.0.0.1:4222");
    private static final int WINDOW = 1000;

    private NatsThroughput() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int maxAckPending = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<Double> rawRead = new ArrayList<>();
        List<Double> triggerRead = new ArrayList<>();
        List<Double> rawSend = new ArrayList<>();
        List<Double> bindingSend = new ArrayList<>();
        Connection admin = Nats.connect(URL);
        try {
            JetStreamManagement jsm = admin.jetStreamManagement();
            for (int round = 0; round <= rounds; round++) { // round 0: warm-up, not counted
                String s = "BENCHRAW" + UUID.randomUUID().toString().replace("-", "");
                double rs = rawSend(admin, jsm, s, messages);
                double rr = rawRead(jsm, s, messages, maxAckPending);
                jsm.deleteStream(s);
                s = "BENCHNUC" + UUID.randomUUID().toString().replace("-", "");
                double bs = bindingSend(jsm, s, messages);
                double tr = triggerRead(s, messages, workers, maxAckPending);
                jsm.deleteStream(s);
                if (jsm.getStreamNames().contains(s + "_dlq")) {
                    jsm.deleteStream(s + "_dlq");
                }
                if (round == 0) {
                    continue;
                }
                rawSend.add(rs);
                rawRead.add(rr);
                bindingSend.add(bs);
                triggerRead.add(tr);
                System.out.printf(
                        "round %d: send raw %,.0f / binding %,.0f msg/s; read raw %,.0f / trigger %,.0f msg/s%n",
                        round, rs, bs, rr, tr);
            }
        } finally {
            admin.close();
        }
        System.out.printf(
                "%nmessages %d, workers %d, maxAckPending %d, %d rounds (medians), handler result %s%n",
                messages, workers, maxAckPending, rounds, HandlerResult.KIND);
        System.out.printf("raw jnats consumer      %,10.0f msg/s   %s%n", median(rawRead), rawRead);
        System.out.printf("nucleon nats trigger    %,10.0f msg/s   %s%n", median(triggerRead), triggerRead);
        System.out.printf("trigger / raw = %.2f%n", median(triggerRead) / median(rawRead));
        System.out.printf("raw jnats publishAsync  %,10.0f msg/s   %s%n", median(rawSend), rawSend);
        System.out.printf("nucleon nats binding    %,10.0f msg/s   %s%n", median(bindingSend), bindingSend);
        System.out.printf("binding / raw = %.2f%n", median(bindingSend) / median(rawSend));
    }

    private static void createStream(JetStreamManagement jsm, String stream) throws Exception {
        jsm.addStream(StreamConfiguration.builder()
                .name(stream)
                .subjects(stream.toLowerCase(java.util.Locale.ROOT) + ".>")
                .storageType(StorageType.File)
                .build());
    }

    private static String subject(String stream) {
        return stream.toLowerCase(java.util.Locale.ROOT) + ".m";
    }

    private static double rawSend(Connection c, JetStreamManagement jsm, String stream, int messages) throws Exception {
        createStream(jsm, stream);
        JetStream js = c.jetStream();
        byte[] body = new byte[64];
        String subject = subject(stream);
        long start = System.nanoTime();
        List<CompletableFuture<PublishAck>> window = new ArrayList<>(WINDOW);
        for (int i = 0; i < messages; i++) {
            window.add(js.publishAsync(
                    subject,
                    null,
                    body,
                    io.nats.client.PublishOptions.builder().messageId("m" + i).build()));
            if (window.size() == WINDOW) {
                for (CompletableFuture<PublishAck> f : window) {
                    f.get(60, TimeUnit.SECONDS);
                }
                window.clear();
            }
        }
        for (CompletableFuture<PublishAck> f : window) {
            f.get(60, TimeUnit.SECONDS);
        }
        return messages / ((System.nanoTime() - start) / 1e9);
    }

    private static double bindingSend(JetStreamManagement jsm, String stream, int messages) throws Exception {
        createStream(jsm, stream);
        NatsBindingConfig config = new NatsBindingConfig();
        config.url = URL;
        NatsBinding binding = new NatsBinding("bench", config);
        byte[] body = new byte[64];
        String subject = subject(stream);
        long start = System.nanoTime();
        binding.open();
        try {
            List<CompletionStage<NatsBinding.Stored>> window = new ArrayList<>(WINDOW);
            for (int i = 0; i < messages; i++) {
                window.add(binding.publishJetStream(subject, "m" + i, Map.of(), body));
                if (window.size() == WINDOW) {
                    for (CompletionStage<NatsBinding.Stored> f : window) {
                        f.toCompletableFuture().get(60, TimeUnit.SECONDS);
                    }
                    window.clear();
                }
            }
            for (CompletionStage<NatsBinding.Stored> f : window) {
                f.toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            return messages / ((System.nanoTime() - start) / 1e9);
        } finally {
            binding.close();
        }
    }

    private static double rawRead(JetStreamManagement jsm, String stream, int messages, int maxAckPending)
            throws Exception {
        jsm.addOrUpdateConsumer(
                stream,
                ConsumerConfiguration.builder()
                        .durable("raw")
                        .ackPolicy(AckPolicy.Explicit)
                        .maxAckPending(maxAckPending)
                        .build());
        CountDownLatch done = new CountDownLatch(messages);
        long start = System.nanoTime();
        Connection c = Nats.connect(URL);
        try {
            ConsumerContext cc = c.getConsumerContext(stream, "raw");
            MessageConsumer consumer = cc.consume(
                    ConsumeOptions.builder()
                            .batchSize(Math.min(maxAckPending, 256))
                            .build(),
                    m -> {
                        m.ack();
                        done.countDown();
                    });
            if (!done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("raw consumer did not finish");
            }
            double rate = messages / ((System.nanoTime() - start) / 1e9);
            consumer.stop();
            return rate;
        } finally {
            c.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static double triggerRead(String stream, int messages, int workers, int maxAckPending) throws Exception {
        long start = System.nanoTime();
        Processor p = Processor.builder()
                .name("nats-throughput")
                .withoutControlServer()
                .handler(HandlerResult.counting(() -> {}))
                .trigger(
                        "bench",
                        "nats",
                        t -> t.numWorkers(workers)
                                .attribute("url", URL)
                                .attribute("stream", stream)
                                .attribute("consumer", "nucleon")
                                .attribute("subjects", List.of(subject(stream)))
                                .attribute("maxAckPending", maxAckPending))
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
        return s.get(s.size() / 2);
    }
}
