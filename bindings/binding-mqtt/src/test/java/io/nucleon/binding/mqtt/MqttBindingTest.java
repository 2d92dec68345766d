package io.nucleon.binding.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.Mosquitto;
import io.nucleon.client.mqtt.MqttBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mqtt data binding against a Mosquitto broker of its own. */
class MqttBindingTest {
    private static Mosquitto broker;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Mosquitto.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private MqttBinding open(int version) throws Exception {
        MqttBindingConfig c = new MqttBindingConfig();
        c.url = broker.url();
        c.mqttVersion = version;
        c.publishTimeout = Duration.ofSeconds(2);
        c.connectRetryDelay = Duration.ofMillis(50);
        c.maxConnectRetryDelay = Duration.ofMillis(200);
        MqttBinding b = new MqttBinding("out", c, MqttBroker.parse(c.url), "binding-test-" + id + "-" + version);
        b.open();
        closing.add(b);
        return b;
    }

    private List<Mqtt5Publish> subscribe(String filter) {
        List<Mqtt5Publish> out = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier("sub-" + UUID.randomUUID())
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildAsync();
        c.connect().join();
        closing.add(() -> c.disconnect().join());
        c.subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(out::add)
                .send()
                .join();
        return out;
    }

    @Test
    void aPublishCompletesOnThePubackAndArrivesWithItsProperties() throws Exception {
        List<Mqtt5Publish> got = subscribe("out/" + id + "/#");
        MqttBinding b = open(5);
        assertTrue(b.isReady());
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            sends.add(b.publish("out/" + id + "/n", "m" + i).toCompletableFuture());
        }
        b.publish(
                        "out/" + id + "/rich",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        1,
                        false,
                        "application/json",
                        Map.of("tenant", "acme"))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1001);
        Mqtt5Publish rich = got.stream()
                .filter(p -> p.getTopic().toString().endsWith("/rich"))
                .findFirst()
                .orElseThrow();
        assertEquals("application/json", rich.getContentType().orElseThrow().toString());
        Map<String, String> props = new HashMap<>();
        rich.getUserProperties()
                .asList()
                .forEach(p -> props.put(p.getName().toString(), p.getValue().toString()));
        assertEquals(Map.of("tenant", "acme"), props);
        assertEquals(1001L, b.status().get("acknowledged"));
    }

    @Test
    void mqtt311PublishesToo() throws Exception {
        List<Mqtt5Publish> got = subscribe("old/" + id);
        MqttBinding b = open(3);
        b.publish("old/" + id, "hello").toCompletableFuture().get(10, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
        assertEquals("hello", new String(got.get(0).getPayloadAsBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aPublishFailsAfterItsTimeoutWhileTheBrokerIsDownAndTheBindingRecoversAfter() throws Exception {
        MqttBinding b = open(5);
        broker.stop();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !b.isReady());
            ExecutionException e = assertThrows(
                    ExecutionException.class,
                    () -> b.publish("x/" + id, "lost?").toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertTrue(
                    e.getCause().getMessage().contains("no acknowledgement"),
                    e.getCause().toString());
        } finally {
            broker.restart();
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(b::isReady);
        List<Mqtt5Publish> got = subscribe("y/" + id);
        b.publish("y/" + id, "after").toCompletableFuture().get(10, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 1);
    }

    @Test
    void wrongAttributesAreReportedAllAtOnce() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("binding-test-" + id)
                        .withoutControlServer()
                        .handler((ctx, ev) -> null)
                        .dataBinding("out", "mqtt", Map.of("url", "amqp://x", "mqttVersion", 4, "publishTimeout", "0s"))
                        .build()
                        .start());
        for (String attribute : List.of("url", "mqttVersion", "publishTimeout")) {
            assertTrue(e.getMessage().contains(attribute), attribute + " in " + e.getMessage());
        }
    }
}
