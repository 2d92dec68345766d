package io.nucleon.trigger.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.Mosquitto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trigger's promise under load and failures, against a Mosquitto of each test's own: every
 * message is handled or dead-lettered, after a crash of the processor, a restart of the broker, and
 * with two processors sharing a subscription.
 */
class MqttDurabilityTest {
    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String topic = "load/" + id;
    private final List<Processor> processors = new ArrayList<>();
    private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
    private Mosquitto broker;

    @TempDir
    Path dir;

    @BeforeEach
    void startBroker() throws IOException {
        broker = Mosquitto.start();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        for (Mqtt5AsyncClient c : clients) {
            c.disconnect();
        }
        broker.close();
    }

    private Mqtt5AsyncClient client() {
        Mqtt5AsyncClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier("load-" + UUID.randomUUID())
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildAsync();
        c.connect().join();
        clients.add(c);
        return c;
    }

    /** Publishes {@code m0} … {@code m<n-1>} with QoS 1 and waits for every PUBACK. */
    private void publish(int from, int to) {
        Mqtt5AsyncClient c = client();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            acks.add(c.publishWith()
                    .topic(topic + "/d" + (i % 16))
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("m" + i).getBytes(StandardCharsets.UTF_8))
                    .send());
            if (acks.size() == 5000) {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
                acks.clear();
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
    }

    private Processor start(String clientId, io.nucleon.api.Handler handler, Map<String, Object> attributes)
            throws Exception {
        Processor p = Processor.builder()
                .name("durable-" + id)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(10))
                .drainTimeout(Duration.ofSeconds(5))
                .trigger("telemetry", "mqtt", t -> {
                    t.numWorkers(4)
                            .attribute("url", broker.url())
                            .attribute("clientId", clientId)
                            .attribute("subscriptions", List.of(Map.of("topic", topic + "/#", "qos", 1)))
                            .attribute("connectRetryDelay", "50ms")
                            .attribute("maxConnectRetryDelay", "500ms");
                    attributes.forEach(t::attribute);
                })
                .build()
                .start();
        processors.add(p);
        MqttTriggerTest.await("the trigger subscribed", 30, p::isReady);
        return p;
    }

    private static Set<String> expected(int n) {
        Set<String> all = new HashSet<>();
        for (int i = 0; i < n; i++) {
            all.add("m" + i);
        }
        return all;
    }

    @Test
    void aHundredThousandMessagesWithOnePercentPoisonAreEachHandledOrDeadLetteredNeverBoth() throws Exception {
        int n = 100_000;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Set<String> dead = ConcurrentHashMap.newKeySet();
        AtomicInteger handledTwice = new AtomicInteger();
        client().subscribeWith()
                .topicFilter("dlq/" + id)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback((Mqtt5Publish p) -> dead.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                .send()
                .join();
        start(
                "load-" + id,
                (ctx, e) -> {
                    String body = e.bodyAsString();
                    if (Integer.parseInt(body.substring(1)) % 100 == 42) {
                        throw new IllegalArgumentException("poison " + body);
                    }
                    if (!handled.add(body)) {
                        handledTwice.incrementAndGet();
                    }
                    return null;
                },
                Map.of("maxRetries", 1, "retryDelay", "1ms", "deadLetterTopic", "dlq/" + id));
        publish(0, n);
        MqttTriggerTest.await("every message handled or dead-lettered", 180, () -> handled.size() + dead.size() >= n);
        Set<String> both = new HashSet<>(handled);
        both.retainAll(dead);
        assertEquals(Set.of(), both, "handled and dead-lettered");
        Set<String> all = new HashSet<>(handled);
        all.addAll(dead);
        assertEquals(expected(n), all);
        assertEquals(n / 100, dead.size());
        assertEquals(0, handledTwice.get(), "no redelivery without a failure");
    }

    /**
     * The in-flight window: the QoS 1 messages the broker may send the client without having seen their
     * acknowledgement. The trigger leaves {@code receiveMaximum} at 65535 (Mosquitto 2.0.11 does not keep
     * to a lower one once acknowledgements flow, see docs/configuration.md), so the broker's own
     * {@code max_inflight_messages} sets it ({@link Mosquitto#MAX_INFLIGHT_MESSAGES}).
     */
    private static final int WINDOW = Mosquitto.MAX_INFLIGHT_MESSAGES;

    @Test
    void aProcessorKilledMidStreamLosesNothingOnceRestarted() throws Exception {
        int n = 50_000;
        Path handledFile = dir.resolve("handled.txt");
        String clientId = "crashable-" + id;
        // the session is made (and subscribed) before anything is published
        Process first = child(clientId, handledFile, "first");
        CompletableFuture<Void> publishing;
        try {
            awaitSubscribed(first, handledFile);
            publishing = CompletableFuture.runAsync(() -> publish(0, n)); // killed while messages stream in
            MqttTriggerTest.await(
                    "the child handles a share", 60, () -> lines(handledFile).size() > 3000);
        } finally {
            first.destroyForcibly(); // SIGKILL: no drain, no acknowledgement of what was in flight
            first.waitFor(20, TimeUnit.SECONDS);
        }
        int beforeRestart = lines(handledFile).size();
        assertTrue(beforeRestart < n, "killed mid-stream, after " + beforeRestart);
        Process second = child(clientId, handledFile, "second");
        try {
            publishing.get(60, TimeUnit.SECONDS);
            MqttTriggerTest.await(
                    "every message, after the restart",
                    120,
                    () -> new HashSet<>(lines(handledFile)).containsAll(expected(n)));
        } finally {
            second.destroyForcibly();
            second.waitFor(20, TimeUnit.SECONDS);
        }
        List<String> lines = lines(handledFile);
        int duplicates = lines.size() - new HashSet<>(lines).size();
        System.out.println("kill -9 after " + beforeRestart + " of " + n + ": " + duplicates + " handled twice"
                + " (in-flight window " + WINDOW + ")");
        // What is handled twice is what the broker had sent and not yet seen acknowledged when the
        // process died, which a broker keeping to its window bounds by WINDOW. Mosquitto 2.0.11 does not
        // keep to it once acknowledgements flow (measured: 40 handled twice with a window of 20; EMQX's
        // issue 12922 shows the same of Mosquitto). A window kept by the client cannot stand in for it:
        // acknowledgements the client had sent and the broker had not read yet are lost with the reset
        // connection (a client-side window of 50 still let 805 through on a loaded machine). So the
        // figure is reported, not asserted: what this test holds is that none is lost. The bound itself
        // is asserted against a broker that keeps its window, in MqttInFlightWindowTest.
    }

    private Process child(String clientId, Path handledFile, String name) throws IOException {
        return new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashableMqttFunction.class.getName(),
                        broker.url(),
                        topic + "/#",
                        clientId,
                        handledFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
    }

    /** Publishes a probe until the child handled one: it is connected and subscribed. */
    private void awaitSubscribed(Process child, Path handledFile) {
        Mqtt5AsyncClient c = client();
        MqttTriggerTest.await("the child subscribed", 60, () -> {
            assertTrue(child.isAlive(), "the child exited");
            c.publishWith()
                    .topic(topic + "/probe")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .payload("probe".getBytes(StandardCharsets.UTF_8))
                    .send();
            return Files.exists(handledFile) && Files.readAllLines(handledFile).contains("probe");
        });
    }

    private static List<String> lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isEmpty() && !line.equals("probe")) {
                out.add(line);
            }
        }
        return out;
    }

    @Test
    void theBrokerRestartedMidStreamLosesNothingAndReadinessFollows() throws Exception {
        int n = 20_000;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        CountDownLatch slowStart = new CountDownLatch(1);
        AtomicBoolean sawNotReady = new AtomicBoolean();
        Processor p = start(
                "restart-" + id,
                (ctx, e) -> {
                    if (handled.size() > 2000) {
                        slowStart.await(30, TimeUnit.SECONDS); // holds the stream until the broker restarted
                    }
                    handled.add(e.bodyAsString());
                    return null;
                },
                Map.of());
        publish(0, n);
        MqttTriggerTest.await("mid-stream", 60, () -> handled.size() > 2000);
        broker.stop(); // SIGTERM: Mosquitto saves its sessions and their queued messages
        MqttTriggerTest.await("not ready while the broker is down", 20, () -> !p.isReady());
        sawNotReady.set(true);
        broker.restart();
        slowStart.countDown();
        MqttTriggerTest.await("ready again", 30, p::isReady);
        MqttTriggerTest.await("every message after the restart", 120, () -> handled.containsAll(expected(n)));
        assertTrue(sawNotReady.get());
    }

    @Test
    void twoProcessorsOnOneSharedSubscriptionSplitTheWorkAndLoseNothing() throws Exception {
        int n = 20_000;
        Map<String, AtomicInteger> times = new ConcurrentHashMap<>();
        AtomicInteger byFirst = new AtomicInteger();
        AtomicInteger bySecond = new AtomicInteger();
        Map<String, Object> shared = Map.of("sharedGroup", "workers");
        start(
                "shared-a-" + id,
                (ctx, e) -> {
                    times.computeIfAbsent(e.bodyAsString(), k -> new AtomicInteger())
                            .incrementAndGet();
                    byFirst.incrementAndGet();
                    return null;
                },
                shared);
        start(
                "shared-b-" + id,
                (ctx, e) -> {
                    times.computeIfAbsent(e.bodyAsString(), k -> new AtomicInteger())
                            .incrementAndGet();
                    bySecond.incrementAndGet();
                    return null;
                },
                shared);
        publish(0, n);
        MqttTriggerTest.await("every message", 120, () -> times.keySet().containsAll(expected(n)));
        assertEquals(n, times.size());
        assertTrue(byFirst.get() > n / 10 && bySecond.get() > n / 10, byFirst + " / " + bySecond);
        assertEquals(0, times.values().stream().filter(t -> t.get() > 1).count(), "each once");
    }
}
