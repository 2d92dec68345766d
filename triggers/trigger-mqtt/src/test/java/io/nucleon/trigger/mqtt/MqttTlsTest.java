package io.nucleon.trigger.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.Mosquitto;
import io.nucleon.checks.brokers.TestCa;
import io.nucleon.spi.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The mqtt trigger over TLS ({@code ssl://} and {@code wss://}) against a Mosquitto of its own that
 * serves a certificate from a throwaway CA and requires a user name and password.
 */
class MqttTlsTest {
    private static final String USER = "nucleon";
    private static final String PASSWORD = "s3cret-Pa55-" + UUID.randomUUID();
    private static final String WRONG_PASSWORD = "wr0ng-Pa55-" + UUID.randomUUID();

    private static Mosquitto broker;
    /** A second CA, unrelated to the broker's certificate. */
    private static TestCa otherCa;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String function = "mqtt-tls-" + id;
    private final String topic = "nucleon-tls/" + id;
    private final List<Processor> processors = new ArrayList<>();
    private final List<Runnable> cleanUps = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Mosquitto.start(Mosquitto.options().tls().user(USER, PASSWORD));
        otherCa = TestCa.temporary("other");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
        otherCa.close();
    }

    @AfterEach
    void cleanUp() {
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        cleanUps.forEach(Runnable::run);
    }

    /** Starts a processor with a control server on a free port, without waiting for readiness. */
    private Processor startProcessor(Handler handler, Consumer<Processor.TriggerBuilder> attributes) throws Exception {
        Processor p = Processor.builder()
                .name(function)
                .controlServer("127.0.0.1", 0)
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(5))
                .drainTimeout(Duration.ofSeconds(5))
                .trigger("secure", "mqtt", t -> {
                    t.numWorkers(2)
                            .attribute("url", broker.tlsUrl())
                            .attribute("caFile", broker.caFile().toString())
                            .attribute("username", USER)
                            .attribute("password", PASSWORD)
                            .attribute("connectRetryDelay", "50ms")
                            .attribute("maxConnectRetryDelay", "200ms")
                            .attribute("subscriptions", List.of(Map.of("topic", topic + "/#", "qos", 1)));
                    attributes.accept(t);
                })
                .build()
                .start();
        processors.add(p);
        return p;
    }

    static void await(String what, long seconds, java.util.concurrent.Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(10))
                .until(done);
    }

    /** A publisher over TLS that trusts the test CA and logs in. */
    private Mqtt5BlockingClient publisher() throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier("tls-publisher-" + id)
                .serverHost("127.0.0.1")
                .serverPort(broker.tlsPort())
                .sslConfig()
                .trustManagerFactory(TestCa.trust(broker.caFile()))
                .applySslConfig()
                .simpleAuth()
                .username(USER)
                .password(PASSWORD.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        c.connect();
        cleanUps.add(c::disconnect);
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> triggerStatus(Processor p) {
        return ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
    }

    private HttpResponse<String> get(Processor p, String path) throws Exception {
        InetSocketAddress a = p.controlAddress();
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Publishes {@code count} QoS 1 messages and checks each is handled once and acknowledged. */
    private void deliversAndAcks(Processor p, Map<String, Integer> seen, int count) throws Exception {
        await("the trigger connected over TLS and subscribed", 30, p::isReady);
        Mqtt5BlockingClient c = publisher();
        for (int i = 0; i < count; i++) {
            c.publishWith()
                    .topic(topic + "/device-" + (i % 3))
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("reading " + i).getBytes(StandardCharsets.UTF_8))
                    .send();
        }
        await(count + " messages handled", 30, () -> seen.size() == count);
        await(
                count + " messages acknowledged",
                10,
                () -> ((Number) triggerStatus(p).get("acked")).longValue() == count);
        assertEquals(count, seen.values().stream().mapToInt(Integer::intValue).sum(), "each handled once");
        assertEquals(true, triggerStatus(p).get("connected"));
    }

    /** The broker's log line for a client that connected and logged in as {@link #USER}. */
    private static boolean brokerSawLogin(String clientId) throws Exception {
        return broker.log()
                .lines()
                .anyMatch(l -> l.contains("New client connected")
                        && l.contains(" as " + clientId + " ")
                        && l.contains("u'" + USER + "'"));
    }

    @Test
    void messagesOverSslWithTheTestCaAndAPasswordAreHandledAndAcknowledged() throws Exception {
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Processor p = startProcessor(
                (ctx, e) -> {
                    seen.merge(e.bodyAsString(), 1, Integer::sum);
                    return null;
                },
                t -> {});
        deliversAndAcks(p, seen, 200);
        assertEquals(broker.tlsUrl(), triggerStatus(p).get("broker"));
        assertTrue(brokerSawLogin("nucleon-" + function + "-secure"), broker.log());
    }

    @Test
    void messagesOverSslWithMqtt311AreHandledAndAcknowledged() throws Exception {
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Processor p = startProcessor(
                (ctx, e) -> {
                    seen.merge(e.bodyAsString(), 1, Integer::sum);
                    return null;
                },
                t -> t.attribute("mqttVersion", 3));
        deliversAndAcks(p, seen, 50);
    }

    @Test
    void messagesOverSecureWebSocketAreHandledAndAcknowledged() throws Exception {
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Processor p = startProcessor(
                (ctx, e) -> {
                    seen.merge(e.bodyAsString(), 1, Integer::sum);
                    return null;
                },
                t -> t.attribute("url", broker.wssUrl()));
        deliversAndAcks(p, seen, 200);
        assertEquals(broker.wssUrl(), triggerStatus(p).get("broker"));
        assertTrue(brokerSawLogin("nucleon-" + function + "-secure"), broker.log());
    }

    @Test
    void aBrokerCertificateFromAnotherCaLeavesTheTriggerNotReadyWithACertificateReason() throws Exception {
        String clientId = "tls-wrong-ca-" + id;
        long started = System.nanoTime();
        Processor p = startProcessor(
                (ctx, e) -> null,
                t -> t.attribute("caFile", otherCa.certificate().toString()).attribute("clientId", clientId));
        assertTrue(
                Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(15)) < 0,
                "start does not wait for the broker");
        // several failed handshakes: the failure is lasting, not a first attempt still under way
        await("three failed attempts", 20, () -> ((Number) triggerStatus(p).get("disconnects")).longValue() >= 3);
        assertFalse(p.isReady());

        HttpResponse<String> ready = get(p, "/ready");
        assertEquals(503, ready.statusCode(), ready.body());
        HttpResponse<String> status = get(p, "/status");
        assertEquals(200, status.statusCode());
        JsonNode s = Json.mapper().readTree(status.body());
        assertFalse(s.get("ready").asBoolean());
        JsonNode trigger = s.get("triggers").get(0);
        assertFalse(trigger.get("ready").asBoolean());
        assertFalse(trigger.get("connected").asBoolean());
        String reason = trigger.get("notReadyReason").asText();
        assertTrue(reason.startsWith("cannot connect to " + broker.tlsUrl() + ": "), reason);
        String lower = reason.toLowerCase(java.util.Locale.ROOT);
        assertTrue(
                lower.contains("certification path") || lower.contains("certificate") || lower.contains("pkix"),
                "names the certificate failure: " + reason);
        assertTrue(
                s.get("notReady").toString().contains("certification path"),
                s.get("notReady").toString());

        assertEquals(0L, trigger.get("received").asLong());
        assertFalse(broker.log().contains(" as " + clientId + " "), "the broker never saw the MQTT CONNECT");
        long stopping = System.nanoTime();
        p.stop(Duration.ofSeconds(5));
        assertTrue(
                Duration.ofNanos(System.nanoTime() - stopping).compareTo(Duration.ofSeconds(10)) < 0,
                "stops without hanging on the failing handshakes");
    }

    @Test
    void aCertificateThatDoesNotNameTheHostIsRefusedEvenFromTheTrustedCa() throws Exception {
        try (Mosquitto misnamed =
                Mosquitto.start(Mosquitto.options().certificateFor(List.of("mqtt.example.invalid"), List.of()))) {
            String clientId = "tls-misnamed-" + id;
            Processor p = startProcessor(
                    (ctx, e) -> null,
                    t -> t.attribute("url", misnamed.tlsUrl())
                            .attribute("caFile", misnamed.caFile().toString())
                            .attribute("username", "")
                            .attribute("password", "")
                            .attribute("clientId", clientId));
            await(
                    "three refused handshakes",
                    20,
                    () -> ((Number) triggerStatus(p).get("disconnects")).longValue() >= 3);
            assertFalse(p.isReady());
            String reason = (String) triggerStatus(p).get("notReadyReason");
            assertTrue(reason.startsWith("cannot connect to " + misnamed.tlsUrl() + ": "), reason);
            assertTrue(reason.contains("No subject alternative names matching IP address 127.0.0.1"), reason);
            assertFalse(misnamed.log().contains(" as " + clientId + " "), "the broker never saw the CONNECT");
            p.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void aCaFileWithoutACertificateFailsTheStartNamingTheFile() throws Exception {
        Path empty = Files.createTempFile(otherCa.directory(), "empty-", ".pem");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                Exception.class, () -> startProcessor((ctx, ev) -> null, t -> t.attribute("caFile", empty.toString())));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t).append('\n');
        }
        assertTrue(messages.toString().contains(empty + " holds no PEM certificate"), messages.toString());
    }

    @Test
    void aWrongPasswordLeavesTheTriggerNotReadyNamingTheRefusalWithoutThePassword() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger nucleon = (Logger) LoggerFactory.getLogger("io.nucleon");
        Logger hivemq = (Logger) LoggerFactory.getLogger("com.hivemq");
        Level nucleonLevel = nucleon.getLevel();
        Level hivemqLevel = hivemq.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        nucleon.setLevel(Level.DEBUG);
        hivemq.setLevel(Level.DEBUG);
        try {
            String clientId = "tls-wrong-password-" + id;
            Processor p = startProcessor(
                    (ctx, e) -> null,
                    t -> t.attribute("password", WRONG_PASSWORD).attribute("clientId", clientId));
            await("three refused attempts", 20, () -> ((Number) triggerStatus(p).get("disconnects")).longValue() >= 3);
            assertFalse(p.isReady());
            HttpResponse<String> status = get(p, "/status");
            JsonNode trigger =
                    Json.mapper().readTree(status.body()).get("triggers").get(0);
            String reason = trigger.get("notReadyReason").asText();
            assertTrue(reason.startsWith("cannot connect to " + broker.tlsUrl() + ": "), reason);
            assertTrue(namesTheRefusal(reason), "names the broker's refusal: " + reason);
            // Mosquitto 2.0.11 logs the refusal without the client id ("Client <unknown> disconnected, not
            // authorised."), and no "New client connected ... as <id>" line for a refused client
            assertTrue(broker.log().contains("disconnected, not authorised."), broker.log());
            assertFalse(broker.log().contains(" as " + clientId + " "), broker.log());
            assertNoPassword(status.body(), "/status");
            assertNoPassword(p.status().toString(), "status()");
            assertNoPassword(get(p, "/metrics").body(), "/metrics");
            p.stop(Duration.ofSeconds(5)); // its log lines too

            assertFalse(logs.list.isEmpty(), "the refusals were logged");
            assertTrue(
                    logs.list.stream().anyMatch(e -> namesTheRefusal(e.getFormattedMessage())),
                    "a log line names the refusal");
            for (ILoggingEvent e : logs.list) {
                assertNoPassword(render(e), "a log line");
            }
        } finally {
            root.detachAppender(logs);
            nucleon.setLevel(nucleonLevel);
            hivemq.setLevel(hivemqLevel);
        }
    }

    @Test
    void aWrongPasswordInTheUrlOnMqtt311IsRefusedWithoutShowingIt() throws Exception {
        String url = broker.tlsUrl().replace("ssl://", "ssl://" + USER + ":" + WRONG_PASSWORD + "@");
        Processor p = startProcessor(
                (ctx, e) -> null,
                t -> t.attribute("url", url)
                        .attribute("username", "")
                        .attribute("password", "")
                        .attribute("mqttVersion", 3));
        await("two refused attempts", 20, () -> ((Number) triggerStatus(p).get("disconnects")).longValue() >= 2);
        assertFalse(p.isReady());
        String body = get(p, "/status").body();
        String reason = Json.mapper()
                .readTree(body)
                .get("triggers")
                .get(0)
                .get("notReadyReason")
                .asText();
        assertTrue(reason.startsWith("cannot connect to " + broker.tlsUrl() + ": "), reason);
        assertTrue(namesTheRefusal(reason), reason);
        assertNoPassword(body, "/status");
    }

    /**
     * Whether {@code text} carries the broker's CONNACK refusal. Mosquitto 2.0.11 answers a wrong
     * password with NOT_AUTHORIZED (0x87 on MQTT 5, 5 on 3.1.1); MQTT 5 also has
     * BAD_USER_NAME_OR_PASSWORD (0x86), which other brokers send. Either in HiveMQ's words (the log)
     * or in MqttConnectFailure's (a reason built with describe).
     */
    private static boolean namesTheRefusal(String text) {
        return text.contains("CONNACK contained an Error Code: NOT_AUTHORIZED")
                || text.contains("CONNACK contained an Error Code: BAD_USER_NAME_OR_PASSWORD")
                || text.contains("the broker refused the credentials (NOT_AUTHORIZED)")
                || text.contains("the broker refused the credentials (BAD_USER_NAME_OR_PASSWORD)");
    }

    private static String render(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(e.getFormattedMessage());
        if (e.getKeyValuePairs() != null) {
            b.append(' ').append(e.getKeyValuePairs());
        }
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            b.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return b.toString();
    }

    private static void assertNoPassword(String text, String where) {
        for (String secret : Set.of(PASSWORD, WRONG_PASSWORD)) {
            assertFalse(text.contains(secret), "a password in " + where + ": " + text);
        }
    }
}
