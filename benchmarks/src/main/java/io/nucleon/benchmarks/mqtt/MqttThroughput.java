package io.nucleon.benchmarks.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.benchmarks.HandlerResult;
import io.nucleon.binding.mqtt.MqttBinding;
import io.nucleon.binding.mqtt.MqttBindingFactory;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Messages per second through the {@code mqtt} trigger (empty handler, manual acknowledgement after
 * the handler) against a raw HiveMQ client doing the same (manual acknowledgement in its callback),
 * and publishes per second through the {@code mqtt} binding against the raw client, QoS 1 everywhere,
 * in one run, alternating rounds.
 *
 * <p>Each consuming round first makes a persistent session (subscribed, then disconnected), fills it
 * with {@code messages} QoS 1 messages of 64 bytes, then times from the consumer's start (connection
 * included, for both) until the last acknowledgement. Each publishing round sends {@code messages}
 * QoS 1 publishes without waiting, then waits for every PUBACK. Medians are compared.
 *
 * <p>The broker is a Mosquitto of the benchmark's own ({@code /usr/sbin/mosquitto} on a free port,
 * with no limit on the messages queued for a session, which the default 1000 would drop), or the one
 * at {@code NUCLEON_MQTT_URL} (its {@code max_queued_messages} must exceed {@code messages}).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.mqtt.MqttThroughput [messages] [rounds] [workers]</pre>
 * Defaults: 100000 messages, 3 rounds, 1 worker.
 */
public final class MqttThroughput {
    private static String host = "127.0.0.1";
    private static int port;

    private MqttThroughput() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Process broker = null;
        int exitCode = 0;
        String url = System.getenv("NUCLEON_MQTT_URL");
        if (url == null) {
            broker = startMosquitto();
        } else {
            java.net.URI u = java.net.URI.create(url);
            host = u.getHost();
            port = u.getPort() < 0 ? 1883 : u.getPort();
        }
        try {
            List<Double> raw = new ArrayList<>();
            List<Double> trigger = new ArrayList<>();
            List<Double> rawSend = new ArrayList<>();
            List<Double> binding = new ArrayList<>();
            // a warm-up round of each, not counted
            rawConsumer(messages / 5);
            triggerConsumer(messages / 5, workers);
            rawPublisher(messages / 5);
            bindingPublisher(messages / 5);
            for (int round = 1; round <= rounds; round++) {
                raw.add(rawConsumer(messages));
                trigger.add(triggerConsumer(messages, workers));
                rawSend.add(rawPublisher(messages));
                binding.add(bindingPublisher(messages));
                System.out.printf(
                        "round %d: raw consumer %,.0f, trigger %,.0f, raw publisher %,.0f, binding %,.0f msg/s%n",
                        round, last(raw), last(trigger), last(rawSend), last(binding));
            }
            System.out.printf(
                    "%nmessages %d, workers %d, %d rounds (medians), QoS 1, handler result %s%n",
                    messages, workers, rounds, HandlerResult.KIND);
            System.out.printf("raw HiveMQ consumer    %,10.0f msg/s   %s%n", median(raw), raw);
            System.out.printf("nucleon mqtt trigger   %,10.0f msg/s   %s%n", median(trigger), trigger);
            System.out.printf("trigger / raw = %.2f%n", median(trigger) / median(raw));
            System.out.printf("raw HiveMQ publisher   %,10.0f msg/s   %s%n", median(rawSend), rawSend);
            System.out.printf("nucleon mqtt binding   %,10.0f msg/s   %s%n", median(binding), binding);
            System.out.printf("binding / raw = %.2f%n", median(binding) / median(rawSend));
        } catch (Throwable t) {
            t.printStackTrace();
            exitCode = 1;
        } finally {
            if (broker != null) {
                broker.destroy();
                broker.waitFor(10, TimeUnit.SECONDS);
            }
        }
        // HiveMQ's client threads are not daemons and linger after the last disconnect
        System.exit(exitCode);
    }

    private static Process startMosquitto() throws Exception {
        Path dir = Files.createTempDirectory("bench-mosquitto-");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(
                dir.resolve("mosquitto.conf"),
                "listener " + port + " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
                        + ("root".equals(System.getProperty("user.name")) ? "user root\n" : ""));
        Process p = new ProcessBuilder(
                        "/usr/sbin/mosquitto",
                        "-c",
                        dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 200);
                return p;
            } catch (IOException e) {
                if (System.nanoTime() > until || !p.isAlive()) {
                    throw new IllegalStateException("mosquitto did not start; see " + dir, e);
                }
                Thread.sleep(20);
            }
        }
    }

    private static Mqtt5AsyncClient client(String id) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost(host)
                .serverPort(port)
                .buildAsync();
    }

    /** Makes the session of {@code clientId} subscribed to {@code topic}, and fills it. */
    private static void fill(String clientId, String topic, int messages) {
        Mqtt5AsyncClient c = client(clientId);
        c.connectWith().cleanStart(true).sessionExpiryInterval(600).send().join();
        c.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send().join();
        c.disconnect().join();
        publishAll(client("bench-filler-" + UUID.randomUUID()), topic, messages);
    }

    private static double publishAll(Mqtt5AsyncClient c, String topic, int messages) {
        c.connect().join();
        byte[] body = new byte[64];
        long start = System.nanoTime();
        List<CompletableFuture<?>> acks = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            acks.add(c.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(body)
                    .send());
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        double rate = messages / ((System.nanoTime() - start) / 1e9);
        c.disconnect().join();
        return rate;
    }

    private static double rawConsumer(int messages) throws Exception {
        String id = "bench-raw-" + UUID.randomUUID();
        String topic = "bench/" + id;
        fill(id, topic, messages);
        CountDownLatch done = new CountDownLatch(messages);
        long start = System.nanoTime();
        Mqtt5AsyncClient c = client(id);
        c.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> {
                    p.acknowledge();
                    done.countDown();
                },
                true);
        c.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(600)
                .restrictions()
                .receiveMaximum(65535)
                .applyRestrictions()
                .send()
                .join();
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("the raw consumer did not finish");
        }
        double rate = messages / ((System.nanoTime() - start) / 1e9);
        c.disconnect().join();
        return rate;
    }

    @SuppressWarnings("unchecked")
    private static double triggerConsumer(int messages, int workers) throws Exception {
        String id = "bench-trigger-" + UUID.randomUUID();
        String topic = "bench/" + id;
        fill(id, topic, messages);
        long start = System.nanoTime();
        Processor p = Processor.builder()
                .name("mqtt-throughput")
                .withoutControlServer()
                .handler(HandlerResult.counting(() -> {}))
                .trigger(
                        "bench",
                        "mqtt",
                        t -> t.numWorkers(workers)
                                .attribute("url", "tcp://" + host + ":" + port)
                                .attribute("clientId", id)
                                .attribute("sessionExpiry", "10m")
                                .attribute("subscriptions", List.of(Map.of("topic", topic, "qos", 1))))
                .build()
                .start();
        try {
            while (true) {
                Map<String, Object> trigger =
                        ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
                if (trigger.get("acked") instanceof Number n && n.longValue() >= messages) {
                    return messages / ((System.nanoTime() - start) / 1e9);
                }
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) {
                    throw new IllegalStateException("the trigger did not finish: " + trigger);
                }
                Thread.sleep(10); // a status snapshot costs a little: poll rarely
            }
        } finally {
            p.stop(Duration.ofSeconds(10));
        }
    }

    private static double rawPublisher(int messages) {
        return publishAll(client("bench-rawpub-" + UUID.randomUUID()), "bench/sink", messages);
    }

    private static double bindingPublisher(int messages) throws Exception {
        MqttBinding b =
                (MqttBinding) new MqttBindingFactory().create(context(Map.of("url", "tcp://" + host + ":" + port)));
        b.open();
        try {
            byte[] body = new byte[64];
            long start = System.nanoTime();
            List<CompletableFuture<Void>> acks = new ArrayList<>(messages);
            for (int i = 0; i < messages; i++) {
                acks.add(b.publish("bench/sink", body).toCompletableFuture());
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
            return messages / ((System.nanoTime() - start) / 1e9);
        } finally {
            b.close();
        }
    }

    /** A binding context as the engine gives one, for a binding made outside a processor. */
    private static BindingContext context(Map<String, Object> attributes) {
        MeterRegistry registry = new SimpleMeterRegistry();
        return new BindingContext() {
            @Override
            public String functionName() {
                return "mqtt-throughput";
            }

            @Override
            public String name() {
                return "out";
            }

            @Override
            public String kind() {
                return MqttBindingFactory.KIND;
            }

            @Override
            public int totalWorkers() {
                return 1;
            }

            @Override
            public <T> T attributes(Class<T> type) {
                T out = Json.mapper().convertValue(attributes, type);
                if (out instanceof io.nucleon.binding.mqtt.MqttBindingConfig c) {
                    c.publishTimeout = Duration.ofMinutes(5); // every publish is in flight at once
                }
                return out;
            }

            @Override
            public FunctionConfigException attributeError(String attribute, String message) {
                return new FunctionConfigException("attributes." + attribute, message);
            }

            @Override
            public MeterRegistry meterRegistry() {
                return registry;
            }
        };
    }

    private static double last(List<Double> xs) {
        return xs.get(xs.size() - 1);
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
