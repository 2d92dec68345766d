package io.nucleon.client.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.checks.brokers.Mosquitto;
import io.nucleon.checks.brokers.TestCa;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link MqttConnectFailure} on the failures a real client meets against a real Mosquitto (TLS with a
 * password): the certificate of another CA, a certificate for another host, refused credentials on MQTT 5
 * and 3.1.1, nothing listening; and what it says of an exception without a message.
 */
class MqttConnectFailureTest {
    private static final String USER = "failure";
    private static final String PASSWORD = "f4il-Pa55-" + UUID.randomUUID();
    private static final String WRONG_PASSWORD = "wr0ng-Pa55-" + UUID.randomUUID();

    private static Mosquitto broker;
    private static TestCa otherCa;

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

    /** Connects once (no reconnection) and returns why it failed. */
    private static Throwable failure(String url, Path caFile, String password, int version) throws Exception {
        MqttClientSetup s = new MqttClientSetup(
                MqttBroker.parse(url), "failure-" + UUID.randomUUID(), caFile.toString(), USER, password, null, null);
        ExecutionException e = assertThrows(ExecutionException.class, () -> {
            if (version == 3) {
                s.mqtt3().buildAsync().connect().get(10, TimeUnit.SECONDS);
            } else {
                s.mqtt5().buildAsync().connect().get(10, TimeUnit.SECONDS);
            }
        });
        return e.getCause();
    }

    @Test
    void aCertificateFromAnotherCaIsNotSignedByACaInCaFile() throws Exception {
        Throwable f = failure(broker.tlsUrl(), otherCa.certificate(), PASSWORD, 5);
        String d = MqttConnectFailure.describe(f);
        assertTrue(d.startsWith("TLS handshake failed: the broker's certificate is not signed by a CA in caFile"), d);
        assertTrue(d.contains("certification path"), "keeps the JDK's words: " + d);
        assertTrue(MqttConnectFailure.isLasting(f));
        assertEquals(d, MqttConnectFailure.describe(new CompletionException(f)), "unwraps a CompletionException");
    }

    @Test
    void aCertificateForAnotherHostDoesNotNameTheHost() throws Exception {
        try (Mosquitto misnamed =
                Mosquitto.start(Mosquitto.options().certificateFor(List.of("mqtt.example.invalid"), List.of()))) {
            Throwable f = failure(misnamed.tlsUrl(), misnamed.caFile(), "", 5);
            String d = MqttConnectFailure.describe(f);
            assertTrue(
                    d.startsWith("TLS handshake failed: the broker's certificate does not name host 127.0.0.1 ("), d);
            assertTrue(MqttConnectFailure.isLasting(f));
        }
    }

    @Test
    void aWrongPasswordIsRefusedCredentialsOnMqtt5AndMqtt311WithoutThePassword() throws Exception {
        for (int version : new int[] {5, 3}) {
            Throwable f =
                    failure(version == 5 ? broker.tlsUrl() : broker.wssUrl(), broker.caFile(), WRONG_PASSWORD, version);
            String d = MqttConnectFailure.describe(f);
            assertTrue(
                    d.equals("the broker refused the credentials (NOT_AUTHORIZED)")
                            || d.equals("the broker refused the credentials (BAD_USER_NAME_OR_PASSWORD)"),
                    "MQTT " + version + ": " + d);
            assertFalse(d.contains(WRONG_PASSWORD) || d.contains(PASSWORD), d);
            assertTrue(MqttConnectFailure.isLasting(f));
        }
    }

    @Test
    void nothingListeningIsConnectionRefusedAndMayFixItself() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Throwable f = failure("tcp://127.0.0.1:" + port, broker.caFile(), PASSWORD, 5);
        assertEquals("connection refused", MqttConnectFailure.describe(f));
        assertFalse(MqttConnectFailure.isLasting(f), "the broker may be starting");
    }

    @Test
    void anyOtherFailureGivesItsMessageOrItsClassNeverNull() {
        assertEquals("closed", MqttConnectFailure.describe(null));
        assertEquals("TimeoutException", MqttConnectFailure.describe(new TimeoutException()));
        assertEquals(
                "boom",
                MqttConnectFailure.describe(new Exception(null, new RuntimeException("boom"))),
                "a cause's message when it has none");
        assertEquals("it broke", MqttConnectFailure.describe(new ExecutionException(new RuntimeException("it broke"))));
        assertFalse(MqttConnectFailure.isLasting(null));
        assertFalse(MqttConnectFailure.isLasting(new TimeoutException()));
    }
}
