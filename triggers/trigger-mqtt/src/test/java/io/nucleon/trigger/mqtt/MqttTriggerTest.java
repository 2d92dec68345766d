package io.nucleon.trigger.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.nucleon.api.Event;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.Mosquitto;
import io.nucleon.spi.FailureHeaders;
import io.nucleon.spi.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mqtt trigger against a Mosquitto broker of its own. */
class MqttTriggerTest {
    private static Mosquitto broker;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String function = "mqtt-test-" + id;
    private final String topic = "nucleon-test/" + id;
    private final List<Processor> processors = new ArrayList<>();
    private final List<Runnable> cleanUps = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Mosquitto.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void cleanUp() {
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        cleanUps.forEach(Runnable::run);
    }

    private Processor start(Handler handler, int workers, Consumer<Processor.TriggerBuilder> attributes)
            throws Exception {
        Processor p = Processor.builder()
                .name(function)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(5))
                .drainTimeout(Duration.ofSeconds(5))
                .trigger("telemetry", "mqtt", t -> {
                    t.numWorkers(workers)
                            .attribute("url", broker.url())
                            .attribute("subscriptions", List.of(Map.of("topic", topic + "/#", "qos", 1)));
                    attributes.accept(t);
                })
                .build()
                .start();
        processors.add(p);
        await("the trigger connected and subscribed", 30, p::isReady);
        return p;
    }

    static void await(String what, long seconds, java.util.concurrent.Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(10))
                .until(done);
    }

    private Mqtt5BlockingClient client() {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier("test-" + UUID.randomUUID())
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        c.connect();
        cleanUps.add(c::disconnect);
        return c;
    }

    private void publish(Mqtt5BlockingClient c, String subTopic, String body) {
        c.publishWith()
                .topic(topic + "/" + subTopic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(body.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    /** Collects what arrives on {@code filter}. */
    private List<Mqtt5Publish> collect(String filter) {
        List<Mqtt5Publish> out = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient c = client().toAsync();
        c.subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(out::add)
                .send()
                .join();
        return out;
    }

    @Test
    void handlesEveryMessageWithItsTopicPropertiesAndFlags() throws Exception {
        Map<String, Event> seen = new ConcurrentHashMap<>();
        start(
                (ctx, e) -> {
                    seen.put(e.bodyAsString(), e);
                    return null;
                },
                4,
                t -> {});
        Mqtt5BlockingClient c = client();
        for (int i = 0; i < 500; i++) {
            publish(c, "device-" + (i % 7), "reading " + i);
        }
        c.publishWith()
                .topic(topic + "/special")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload("special".getBytes(StandardCharsets.UTF_8))
                .contentType("text/plain")
                .userProperties()
                .add("tenant", "acme")
                .applyUserProperties()
                .send();
        c.publishWith().topic("elsewhere/" + id).qos(MqttQos.AT_LEAST_ONCE).send(); // not subscribed
        await("501 messages", 30, () -> seen.size() == 501);

        Event e = seen.get("reading 8");
        assertEquals(topic + "/device-1", e.path());
        assertEquals(topic + "/device-1", e.topic());
        assertEquals("mqtt", e.triggerKind());
        assertEquals("telemetry", e.triggerName());
        assertEquals("1", e.header(MqttEvent.QOS_HEADER));
        assertEquals("false", e.header(MqttEvent.RETAIN_HEADER));
        assertEquals("false", e.header(MqttEvent.DUP_HEADER));
        assertEquals(false, e.field("dup"));
        assertEquals(1, e.field("attempt"));
        // the packet id, read from HiveMQ's internals (PublishPacket): this pins the layout we ship with
        assertNull(PublishPacket.UNAVAILABLE);
        int packetId = Integer.parseInt(e.header(MqttEvent.PACKET_ID_HEADER));
        assertTrue(packetId >= 1 && packetId <= 65535, "packet id " + packetId);
        assertEquals(packetId, e.field("packetId"));
        // event ids: one per message, this run's prefix and a sequence number
        Set<String> ids = new HashSet<>();
        for (Event x : seen.values()) {
            ids.add(x.id());
        }
        assertEquals(501, ids.size());
        assertTrue(e.id().matches("[0-9a-f]{8}-[0-9]+"), e.id());

        Event special = seen.get("special");
        assertEquals("acme", special.header("tenant"));
        assertEquals("text/plain", special.contentType());
        assertEquals("text/plain", special.header("content-type"));
        assertEquals("1", special.header(MqttEvent.QOS_HEADER)); // the subscription's QoS caps it
    }

    /**
     * HiveMQ's client was built against Netty 4.1; the tree runs it on Netty 4.2 (the parent's
     * netty-bom), which every test of this class exercises. This one says so, so that a change of
     * alignment shows here.
     */
    @Test
    void hiveMqsClientRunsOnTheTreesNetty42() {
        String version = io.netty.util.Version.identify().get("netty-common").artifactVersion();
        assertTrue(version.startsWith("4.2."), version);
    }

    @Test
    void qos0MessagesAndAWebSocketConnectionWork() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        start(
                (ctx, e) -> {
                    seen.add(e.bodyAsString() + " " + e.header(MqttEvent.QOS_HEADER) + " "
                            + e.header(MqttEvent.PACKET_ID_HEADER) + " " + e.header(MqttEvent.DUP_HEADER));
                    return null;
                },
                2,
                t -> t.attribute("url", broker.webSocketUrl())
                        .attribute("subscriptions", List.of(Map.of("topic", topic + "/#", "qos", 0))));
        Mqtt5BlockingClient c = client();
        for (int i = 0; i < 20; i++) {
            publish(c, "ws", "m" + i);
        }
        await("20 messages over WebSocket with QoS 0", 20, () -> seen.size() == 20);
        assertTrue(seen.contains("m7 0 null false"), seen.toString()); // QoS 0: no packet id
    }

    /**
     * A message the processor took but did not acknowledge (its handler still ran when the processor
     * stopped) comes again on the next connection, flagged DUP, with its packet id.
     */
    @Test
    void aMessageSentAgainAfterAReconnectionCarriesTheDupFlag() throws Exception {
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Processor first = start(
                (ctx, e) -> {
                    holding.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return null;
                },
                1,
                t -> {});
        Mqtt5BlockingClient c = client();
        publish(c, "held", "held");
        assertTrue(holding.await(10, TimeUnit.SECONDS), "the handler got the message");
        first.stop(Duration.ofMillis(200)); // the handler is still running: no acknowledgement
        processors.remove(first);
        release.countDown();

        List<Event> seen = new CopyOnWriteArrayList<>();
        start(
                (ctx, e) -> {
                    seen.add(e);
                    return null;
                },
                1,
                t -> {});
        await("the unacknowledged message again", 20, () -> !seen.isEmpty());
        Event again = seen.get(0);
        assertEquals("held", again.bodyAsString());
        assertEquals("true", again.header(MqttEvent.DUP_HEADER));
        assertEquals(true, again.field("dup"));
        assertTrue(Integer.parseInt(again.header(MqttEvent.PACKET_ID_HEADER)) > 0);
    }

    @Test
    void aMessagePublishedWhileTheProcessorIsAwayIsHandledWhenItComesBack() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Processor first = start(
                (ctx, e) -> {
                    seen.add(e.bodyAsString());
                    return null;
                },
                1,
                t -> {});
        Mqtt5BlockingClient c = client();
        publish(c, "a", "before");
        await("the first message", 10, () -> seen.size() == 1);
        first.stop(Duration.ofSeconds(5));
        processors.remove(first);

        for (int i = 0; i < 50; i++) {
            publish(c, "a", "while away " + i);
        }
        start(
                (ctx, e) -> {
                    seen.add(e.bodyAsString());
                    return null;
                },
                1,
                t -> {});
        await("the 50 messages published meanwhile", 20, () -> seen.size() == 51);
        // the first was acknowledged before the stop: not handed out again
        assertEquals(1, seen.stream().filter("before"::equals).count());
        for (int i = 0; i < 50; i++) {
            assertEquals("while away " + i, seen.get(i + 1), "in order with one worker");
        }
    }

    @Test
    void aFailingMessageIsRetriedWithBackoffThenDeadLetteredWithItsAttemptsAndError() throws Exception {
        List<Mqtt5Publish> dead = collect("dead/" + id);
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        List<String> handled = new CopyOnWriteArrayList<>();
        start(
                (ctx, e) -> {
                    attempts.computeIfAbsent(e.bodyAsString(), k -> new AtomicInteger())
                            .incrementAndGet();
                    if (e.bodyAsString().startsWith("poison")) {
                        throw new IllegalStateException("cannot read " + e.bodyAsString());
                    }
                    handled.add(e.bodyAsString());
                    return null;
                },
                2,
                t -> t.attribute("maxRetries", 2)
                        .attribute("retryDelay", "20ms")
                        .attribute("deadLetterTopic", "dead/" + id));
        Mqtt5BlockingClient c = client();
        c.publishWith()
                .topic(topic + "/x")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("poison 1".getBytes(StandardCharsets.UTF_8))
                .contentType("text/plain")
                .userProperties()
                .add("tenant", "acme")
                .applyUserProperties()
                .send();
        publish(c, "x", "fine");
        await("the dead letter", 20, () -> dead.size() == 1);
        await("the good message", 20, () -> handled.size() == 1);
        assertEquals(3, attempts.get("poison 1").get(), "the first attempt and 2 retries");
        assertEquals(1, attempts.get("fine").get());

        Mqtt5Publish d = dead.get(0);
        assertEquals("poison 1", new String(d.getPayloadAsBytes(), StandardCharsets.UTF_8));
        Map<String, String> props = new java.util.HashMap<>();
        d.getUserProperties()
                .asList()
                .forEach(p -> props.put(p.getName().toString(), p.getValue().toString()));
        assertEquals("3", props.get(FailureHeaders.ATTEMPTS));
        assertTrue(props.get(FailureHeaders.ERROR).contains("cannot read poison 1"), props.toString());
        assertTrue(props.containsKey(FailureHeaders.FAILED_AT));
        assertEquals(topic + "/x", props.get(MqttTrigger.TOPIC_HEADER));
        assertEquals("acme", props.get("tenant"));
        assertEquals("text/plain", d.getContentType().map(Object::toString).orElse(null));
    }

    @Test
    void onMqtt311TheDeadLetterIsAJsonEnvelope() throws Exception {
        List<Mqtt5Publish> dead = collect("dead3/" + id);
        start(
                (ctx, e) -> {
                    throw new IllegalArgumentException("bad reading");
                },
                1,
                t -> t.attribute("mqttVersion", 3)
                        .attribute("maxRetries", 1)
                        .attribute("retryDelay", "10ms")
                        .attribute("deadLetterTopic", "dead3/" + id));
        Mqtt3BlockingClient c3 = MqttClient.builder()
                .useMqttVersion3()
                .identifier("test3-" + id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        c3.connect();
        cleanUps.add(c3::disconnect);
        c3.publishWith()
                .topic(topic + "/old")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(new byte[] {1, 2, 3})
                .send();
        await("the dead letter", 20, () -> dead.size() == 1);
        JsonNode envelope = Json.mapper().readTree(dead.get(0).getPayloadAsBytes());
        assertEquals(topic + "/old", envelope.get("topic").asText());
        assertEquals(2, envelope.get("attempts").asInt());
        assertTrue(envelope.get("error").asText().contains("bad reading"));
        assertEquals(1, envelope.get("qos").asInt());
        assertTrue(envelope.has("failedAt"));
        assertEquals(
                Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}),
                envelope.get("payload").asText());
    }

    @Test
    void aFullPoolHoldsMessagesUnacknowledgedAndHandsThemOutLater() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        start(
                (ctx, e) -> {
                    seen.add(e.bodyAsString());
                    return null;
                },
                1,
                t -> t.workerQueueSize(1).whenQueueFull("reject").workerAvailabilityTimeout(Duration.ofMillis(1)));
        Mqtt5BlockingClient c = client();
        for (int i = 0; i < 300; i++) {
            publish(c, "burst", "m" + i);
        }
        await("every message, none lost to a rejection", 30, () -> seen.size() >= 300);
        assertEquals(300, seen.stream().distinct().count());
    }

    @Test
    void invalidAttributesAreReportedAllAtOnce() throws Exception {
        FunctionConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name(function)
                        .withoutControlServer()
                        .handler((ctx, ev) -> null)
                        .trigger(
                                "telemetry",
                                "mqtt",
                                t -> t.attribute("url", "http://x")
                                        .attribute("mqttVersion", 4)
                                        .attribute("subscriptions", List.of(Map.of("topic", "a/#/b", "qos", 3)))
                                        .attribute("receiveMaximum", 0)
                                        .attribute("sharedGroup", "a/b"))
                        .build()
                        .start());
        String m = e.getMessage();
        for (String attribute : List.of(
                "url",
                "mqttVersion",
                "subscriptions[0].topic",
                "subscriptions[0].qos",
                "receiveMaximum",
                "sharedGroup")) {
            assertTrue(m.contains(attribute), attribute + " in " + m);
        }
    }

    @Test
    void readinessFollowsTheConnectionAndMessagesFlowAfterTheBrokerRestarts() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Processor p = start(
                (ctx, e) -> {
                    seen.add(e.bodyAsString());
                    return null;
                },
                2,
                t -> t.attribute("connectRetryDelay", "50ms").attribute("maxConnectRetryDelay", "200ms"));
        broker.stop();
        await("not ready while the broker is down", 20, () -> !p.isReady());
        assertFalse(p.isReady());
        broker.restart();
        await("ready again", 30, p::isReady);
        Mqtt5BlockingClient c = client();
        publish(c, "after", "after the restart");
        await("a message after the restart", 20, () -> seen.contains("after the restart"));
    }
}
