package io.nucleon.client.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.nucleon.checks.brokers.Mosquitto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link MqttClientSetup} against a Mosquitto of its own with TLS, WebSocket and a password: the clients it
 * builds connect over every transport with either protocol version, the password attribute wins over the
 * url's, and {@link MqttClientSetup#trust} refuses a caFile it cannot use, naming the file.
 */
class MqttClientSetupTest {
    private static final String USER = "setup";
    private static final String PASSWORD = "s3tup-Pa55-" + UUID.randomUUID();

    private static Mosquitto broker;
    private static Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Mosquitto.start(Mosquitto.options().tls().user(USER, PASSWORD));
        dir = Files.createTempDirectory("nucleon-mqtt-client-");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static MqttClientSetup setup(String url, String username, String password) {
        return new MqttClientSetup(
                MqttBroker.parse(url),
                "setup-" + UUID.randomUUID(),
                broker.caFile().toString(),
                username,
                password,
                null,
                null);
    }

    @Test
    void mqtt5OverSslWithTheCaFileAndAttributeCredentialsPublishesAndGetsAPuback() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        String clientId = "setup-" + UUID.randomUUID();
        MqttClientSetup s = new MqttClientSetup(
                MqttBroker.parse(broker.tlsUrl()),
                clientId,
                broker.caFile().toString(),
                USER,
                PASSWORD,
                context -> connected.countDown(),
                null);
        Mqtt5AsyncClient c = s.mqtt5().buildAsync();
        c.connect().get(10, TimeUnit.SECONDS);
        try {
            assertTrue(connected.await(10, TimeUnit.SECONDS), "the connected listener ran");
            var ack = c.publishWith()
                    .topic("setup/v5")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("x".getBytes(StandardCharsets.UTF_8))
                    .send()
                    .get(10, TimeUnit.SECONDS);
            assertFalse(ack.getError().isPresent());
        } finally {
            c.disconnect().get(10, TimeUnit.SECONDS);
        }
        assertTrue(broker.log().contains(" as " + clientId + " "), "the broker saw it log in");
    }

    @Test
    void mqtt311OverSecureWebSocketWithTheUrlsCredentials() throws Exception {
        String url = broker.wssUrl().replace("wss://", "wss://" + USER + ":" + PASSWORD + "@");
        Mqtt3AsyncClient c = setup(url, "", "").mqtt3().buildAsync();
        c.connect().get(10, TimeUnit.SECONDS);
        c.disconnect().get(10, TimeUnit.SECONDS);
    }

    @Test
    void thePasswordAttributeWinsOverTheUrls() throws Exception {
        String url = broker.tlsUrl().replace("ssl://", "ssl://" + USER + ":" + PASSWORD + "@");
        Mqtt5AsyncClient c =
                setup(url, "", "wr0ng-" + UUID.randomUUID()).mqtt5().buildAsync();
        ExecutionException e =
                assertThrows(ExecutionException.class, () -> c.connect().get(10, TimeUnit.SECONDS));
        assertTrue(MqttConnectFailure.describe(e).startsWith("the broker refused the credentials ("), e.toString());
        assertEquals(USER, setup(url, "", "x").user(), "the url's user when the attribute is empty");
        assertEquals("other", setup(url, "other", "").user(), "the attribute's user wins");
    }

    @Test
    void toStringShowsNoPassword() {
        String s = setup(broker.tlsUrl().replace("ssl://", "ssl://u:urlSecret@"), "", "attributeSecret")
                .toString();
        assertFalse(s.contains("urlSecret") || s.contains("attributeSecret"), s);
        assertTrue(s.contains(broker.tlsUrl()), s);
    }

    @Test
    void trustReadsTheCaFile() throws Exception {
        assertNotNull(MqttClientSetup.trust(broker.caFile().toString()).getTrustManagers()[0]);
    }

    @Test
    void trustRefusesAnEmptyCaFileNamingIt() throws Exception {
        Path empty = Files.createTempFile(dir, "empty-", ".pem");
        GeneralSecurityException e =
                assertThrows(GeneralSecurityException.class, () -> MqttClientSetup.trust(empty.toString()));
        assertEquals(empty + " holds no PEM certificate", e.getMessage());
        // and so does building a client with it: the caller's start fails
        MqttClientSetup s = new MqttClientSetup(
                MqttBroker.parse(broker.tlsUrl()), "setup-empty", empty.toString(), "", "", null, null);
        assertEquals(
                empty + " holds no PEM certificate",
                assertThrows(GeneralSecurityException.class, s::mqtt5).getMessage());
    }

    @Test
    void trustRefusesAFileThatIsNotPemNamingIt() throws Exception {
        Path text = Files.writeString(dir.resolve("text.pem"), "not a certificate\n");
        GeneralSecurityException e =
                assertThrows(GeneralSecurityException.class, () -> MqttClientSetup.trust(text.toString()));
        assertTrue(e.getMessage().startsWith(text + " holds no PEM certificate"), e.getMessage());
    }

    @Test
    void trustNamesAMissingFile() {
        String missing = dir.resolve("missing.pem").toString();
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> MqttClientSetup.trust(missing));
        assertEquals("cannot read caFile " + missing + ": no such file", e.getMessage());
    }
}
