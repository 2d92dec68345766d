package io.nucleon.client.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link MqttBroker#parse}: schemes, default ports, WebSocket paths, user info, and what it refuses. */
class MqttBrokerTest {

    @Test
    void readsEverySchemeWithItsDefaultPort() {
        assertEquals(
                new MqttBroker("h", 1883, false, false, "", null, null, "tcp://h:1883"), MqttBroker.parse("tcp://h"));
        assertEquals(1883, MqttBroker.parse("mqtt://h").port());
        for (String tls : new String[] {"ssl", "tls", "mqtts"}) {
            MqttBroker b = MqttBroker.parse(tls + "://h");
            assertTrue(b.tls(), tls);
            assertFalse(b.webSocket(), tls);
            assertEquals(8883, b.port(), tls);
        }
        MqttBroker ws = MqttBroker.parse("ws://h/mqtt");
        assertEquals(80, ws.port());
        assertTrue(ws.webSocket());
        assertFalse(ws.tls());
        assertEquals("mqtt", ws.path());
        MqttBroker wss = MqttBroker.parse("wss://h:9443/a/b");
        assertEquals(9443, wss.port());
        assertTrue(wss.tls() && wss.webSocket());
        assertEquals("a/b", wss.path());
        assertEquals("wss://h:9443/a/b", wss.safeUrl());
        assertEquals("", MqttBroker.parse("ws://h").path());
    }

    @Test
    void takesUserAndPasswordFromTheUrlAndKeepsThemOutOfSafeUrlAndToString() {
        MqttBroker b = MqttBroker.parse("ssl://al%40ce:p%3Ass+w0rd@broker.example:8884");
        assertEquals("al@ce", b.user());
        assertEquals("p:ss+w0rd", b.password(), "a + stays a plus, percent-escapes are decoded");
        assertEquals("ssl://broker.example:8884", b.safeUrl());
        assertEquals("ssl://broker.example:8884", b.toString());
        assertFalse(b.toString().contains("w0rd"));

        MqttBroker userOnly = MqttBroker.parse("tcp://bob@h:1");
        assertEquals("bob", userOnly.user());
        assertNull(userOnly.password());
        assertNull(MqttBroker.parse("tcp://h:1").user());
    }

    @Test
    void refusesWhatIsNotABrokerUrlSayingWhy() {
        assertEquals(
                "is not a URI (such as tcp://host:1883, ssl://host:8883 or ws://host/mqtt)", refused("tcp://h:1/a b"));
        assertEquals("is not a URI (such as tcp://host:1883, ssl://host:8883 or ws://host/mqtt)", refused(null));
        assertEquals(
                "must be a tcp://, mqtt://, ssl://, mqtts://, ws:// or wss:// URI, got \"http\"", refused("http://h"));
        assertEquals("must be a tcp://, mqtt://, ssl://, mqtts://, ws:// or wss:// URI, got \"\"", refused("//h:1883"));
        assertEquals("has no host (such as tcp://127.0.0.1:1883)", refused("tcp:///x"));
        assertEquals("has a path, which only a ws:// or wss:// URI may have", refused("tcp://h/topic"));
    }

    private static String refused(String url) {
        return assertThrows(IllegalArgumentException.class, () -> MqttBroker.parse(url))
                .getMessage();
    }
}
