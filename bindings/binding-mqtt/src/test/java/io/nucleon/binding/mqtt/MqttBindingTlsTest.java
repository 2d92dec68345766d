package io.nucleon.binding.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.Mosquitto;
import io.nucleon.checks.brokers.TestCa;
import io.nucleon.client.mqtt.MqttBroker;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The mqtt data binding over TLS ({@code ssl://}, {@code wss://}) against a Mosquitto of its own that
 * serves a certificate from a throwaway CA and requires a user name and password.
 */
class MqttBindingTlsTest {
    private static final String USER = "publisher";
    private static final String PASSWORD = "b1nd-Pa55-" + UUID.randomUUID();
    private static final String WRONG_PASSWORD = "wr0ng-Pa55-" + UUID.randomUUID();

    private static Mosquitto broker;
    private static TestCa otherCa;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> closing = new ArrayList<>();

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
    void cleanUp() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private MqttBindingConfig config(Consumer<MqttBindingConfig> changes) {
        MqttBindingConfig c = new MqttBindingConfig();
        c.url = broker.tlsUrl();
        c.caFile = broker.caFile().toString();
        c.username = USER;
        c.password = PASSWORD;
        c.connectTimeout = Duration.ofSeconds(3);
        c.publishTimeout = Duration.ofSeconds(5);
        c.connectRetryDelay = Duration.ofMillis(50);
        c.maxConnectRetryDelay = Duration.ofMillis(200);
        changes.accept(c);
        return c;
    }

    private MqttBinding binding(MqttBindingConfig c) {
        MqttBinding b = new MqttBinding("out", c, MqttBroker.parse(c.url), "binding-tls-" + id);
        closing.add(b);
        return b;
    }

    /** Starts a processor with an idle trigger and the binding {@code out} over TLS, from its attributes. */
    private Processor startProcessor(Path caFile) throws Exception {
        Map<String, Object> attributes =
                Map.of("url", broker.tlsUrl(), "caFile", caFile.toString(), "username", USER, "password", PASSWORD);
        return Processor.builder()
                .name("binding-tls-" + id)
                .withoutControlServer()
                .handler((ctx, ev) -> null)
                .trigger("idle", "test-idle", t -> {})
                .dataBinding("out", "mqtt", attributes)
                .build()
                .start();
    }

    /** A subscriber over TLS that trusts the test CA and logs in. */
    private List<Mqtt5Publish> subscribe(String filter) throws Exception {
        List<Mqtt5Publish> out = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier("tls-sub-" + UUID.randomUUID())
                .serverHost("127.0.0.1")
                .serverPort(broker.tlsPort())
                .sslConfig()
                .trustManagerFactory(TestCa.trust(broker.caFile()))
                .applySslConfig()
                .simpleAuth()
                .username(USER)
                .password(PASSWORD.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildAsync();
        c.connect().get(10, TimeUnit.SECONDS);
        closing.add(() -> c.disconnect().get(10, TimeUnit.SECONDS));
        c.subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(out::add)
                .send()
                .get(10, TimeUnit.SECONDS);
        return out;
    }

    /** Publishes {@code count} messages, each stage completed on its PUBACK, and checks they all arrived. */
    private void publishesAndGetsPubacks(MqttBinding b, int count) throws Exception {
        List<Mqtt5Publish> got = subscribe("tls/" + id + "/#");
        b.open();
        assertTrue(b.isReady());
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sends.add(b.publish("tls/" + id + "/n", "m" + i).toCompletableFuture());
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertEquals((long) count, b.status().get("acknowledged"), "every stage completed on a PUBACK");
        assertEquals(0L, b.status().get("failed"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == count);
        Set<String> bodies = new HashSet<>();
        got.forEach(p -> bodies.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        assertEquals(count, bodies.size());
    }

    @Test
    void publishesOverSslWithTheTestCaAndAPasswordAndGetsPubacks() throws Exception {
        publishesAndGetsPubacks(binding(config(c -> {})), 300);
        assertTrue(broker.log().contains(" as binding-tls-" + id + " "), "the broker saw it log in");
    }

    @Test
    void publishesOverSslWithMqtt311() throws Exception {
        publishesAndGetsPubacks(binding(config(c -> c.mqttVersion = 3)), 50);
    }

    @Test
    void publishesOverSecureWebSocket() throws Exception {
        publishesAndGetsPubacks(binding(config(c -> c.url = broker.wssUrl())), 100);
    }

    @Test
    void aProcessorOpensTheBindingFromItsAttributesAndShowsNoPassword() throws Exception {
        Processor p = startProcessor(broker.caFile());
        closing.add(p::close);
        assertTrue(p.isReady(), p.status().toString());
        String status = p.status().toString();
        assertTrue(status.contains("connected=true"), status);
        assertFalse(status.contains(PASSWORD), status);
    }

    /**
     * Runs {@code open} against a broker that refuses it, with the binding's log lines captured (DEBUG
     * for Nucleon and HiveMQ): it must fail within {@code within}, leave the binding not ready, and show
     * the secrets nowhere (exception, status, log).
     *
     * @return the exception's message
     */
    private String openFails(MqttBinding b, Duration within, String... secrets) {
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
            long started = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class, b::open);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(took.compareTo(within) < 0, "fails within " + within + ": took " + took);
            assertTrue(
                    e.getMessage()
                            .startsWith("data binding 'out' cannot connect to "
                                    + b.status().get("broker") + ": "),
                    e.getMessage());
            assertFalse(b.isReady());
            for (String secret : secrets) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    assertFalse(String.valueOf(t.getMessage()).contains(secret), t.toString());
                }
                assertFalse(b.status().toString().contains(secret));
                for (ILoggingEvent l : logs.list) {
                    String line = l.getLevel() + " " + l.getFormattedMessage() + " " + l.getKeyValuePairs();
                    assertFalse(line.contains(secret), line);
                }
            }
            return e.getMessage();
        } finally {
            root.detachAppender(logs);
            nucleon.setLevel(nucleonLevel);
            hivemq.setLevel(hivemqLevel);
        }
    }

    // A failure that cannot fix itself fails open() at once with its reason, well before a long
    // connectTimeout (30 s here): the binding does not keep reconnecting until the first connection.

    @Test
    void aBrokerCertificateFromAnotherCaFailsTheOpenAtOnceNamingTheCertificate() throws Exception {
        MqttBinding b = binding(config(c -> {
            c.caFile = otherCa.certificate().toString();
            c.connectTimeout = Duration.ofSeconds(30);
        }));
        String message = openFails(b, Duration.ofSeconds(10), PASSWORD);
        assertTrue(
                message.contains(": TLS handshake failed: the broker's certificate is not signed by a CA in caFile"),
                message);
        assertTrue(message.contains("certification path"), message);
        assertFalse(broker.log().contains(" as binding-tls-" + id + " "), "the broker never saw the CONNECT");
    }

    @Test
    void aWrongPasswordFailsTheOpenAtOnceNamingTheRefusalWithoutThePassword() throws Exception {
        MqttBinding b = binding(config(c -> {
            c.password = WRONG_PASSWORD;
            c.connectTimeout = Duration.ofSeconds(30);
        }));
        String message = openFails(b, Duration.ofSeconds(10), WRONG_PASSWORD, PASSWORD);
        assertTrue(
                message.endsWith(": the broker refused the credentials (NOT_AUTHORIZED)")
                        || message.endsWith(": the broker refused the credentials (BAD_USER_NAME_OR_PASSWORD)"),
                message);
    }

    @Test
    void aWrongPasswordOnMqtt311FailsTheOpenAtOnceToo() throws Exception {
        MqttBinding b = binding(config(c -> {
            c.mqttVersion = 3;
            c.password = WRONG_PASSWORD;
            c.connectTimeout = Duration.ofSeconds(30);
        }));
        String message = openFails(b, Duration.ofSeconds(10), WRONG_PASSWORD, PASSWORD);
        assertTrue(message.contains(": the broker refused the credentials ("), message);
    }

    @Test
    void aBrokerThatIsDownFailsTheOpenAfterConnectTimeoutWithTheLastReason() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "ssl://127.0.0.1:" + port;
        MqttBinding b = binding(config(c -> {
            c.url = url;
            c.connectTimeout = Duration.ofSeconds(2);
        }));
        long started = System.nanoTime();
        String message = openFails(b, Duration.ofSeconds(8), PASSWORD);
        assertTrue(
                Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofMillis(1900)) >= 0,
                "retried until connectTimeout: the broker may be starting");
        assertEquals(
                "data binding 'out' cannot connect to " + url + ": connection refused (not connected within 2s)",
                message);
    }

    @Test
    void aCaFileWithoutACertificateIsAConfigurationErrorNamingTheFile() throws Exception {
        Path empty = Files.createTempFile(otherCa.directory(), "empty-", ".pem");
        Exception e = assertThrows(Exception.class, () -> startProcessor(empty));
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t).append('\n');
        }
        assertTrue(messages.toString().contains("caFile"), messages.toString());
        assertTrue(messages.toString().contains(empty + " holds no PEM certificate"), messages.toString());
        assertFalse(messages.toString().contains(PASSWORD), messages.toString());

        // open() of a binding made without the factory says it too, before any connection
        MqttBinding b = binding(config(c -> c.caFile = empty.toString()));
        IllegalStateException opened = assertThrows(IllegalStateException.class, b::open);
        assertEquals("data binding 'out': caFile: " + empty + " holds no PEM certificate", opened.getMessage());
    }
}
