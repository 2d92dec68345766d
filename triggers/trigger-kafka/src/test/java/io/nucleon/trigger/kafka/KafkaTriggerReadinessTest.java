package io.nucleon.trigger.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Processor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Readiness tells the truth when the broker is not there at start: a processor pointed at a port
 * where no broker listens starts, is not ready and says why; once Kafka's own broker is started on
 * that port, the trigger joins its group, becomes ready and handles every record.
 */
class KafkaTriggerReadinessTest {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aBrokerThatComesUpAfterTheProcessorMakesItReadyAndNothingIsLost() throws Exception {
        int port = freePort();
        String brokers = "127.0.0.1:" + port;
        String topic = "late-" + UUID.randomUUID().toString().substring(0, 8);
        int partitions = 4;
        int total = 2_000;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Processor p = Processor.builder()
                .name("late-broker")
                .controlServer("127.0.0.1", 0)
                .handler((ctx, e) -> {
                    handled.add(e.id());
                    return null;
                })
                .trigger(
                        "orders",
                        "kafka",
                        t -> t.numWorkers(4)
                                .attribute("brokers", List.of(brokers))
                                .attribute("topics", List.of(topic))
                                // the topic is created once the broker is up, possibly after the consumer joined its
                                // group; a short metadata age lets the consumer see it within a second
                                .attribute("consumerProperties", Map.of("metadata.max.age.ms", "500")))
                .build()
                .start();
        KafkaTestBroker broker = null;
        try {
            String expectedReason =
                    "trigger orders: not yet joined consumer group 'late-broker' (brokers " + brokers + ") after ";
            await("the reason on /ready").atMost(Duration.ofSeconds(30)).until(() -> {
                HttpResponse<String> r = get(p, "/ready");
                return r.statusCode() == 503
                        && r.body().contains(expectedReason)
                        && r.body().contains("no broker connection is open");
            });
            assertFalse(p.isReady());
            String reason = (String) trigger(p).get("notReadyReason");
            assertTrue(
                    reason.startsWith("not yet joined consumer group 'late-broker' (brokers " + brokers + ") after "),
                    reason);
            assertEquals("joining", trigger(p).get("membership"));

            broker = KafkaTestBroker.start(port, Map.of());
            assertEquals(brokers, broker.bootstrapServers());
            broker.createTopic(topic, partitions);
            produce(broker, topic, partitions, total);

            await("ready once joined").atMost(Duration.ofSeconds(60)).until(p::isReady);
            assertEquals(200, get(p, "/ready").statusCode());
            await("every record handled").atMost(Duration.ofSeconds(120)).until(() -> handled.size() == total);
            Set<String> expected = new HashSet<>();
            for (int part = 0; part < partitions; part++) {
                for (int off = 0; off < total / partitions; off++) {
                    expected.add(topic + "-" + part + "-" + off);
                }
            }
            assertEquals(expected, handled, "each record handled (at least once), none lost");
            assertEquals("assigned", trigger(p).get("membership"));
        } finally {
            p.stop();
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void aBrokerThatGoesAwayMakesTheTriggerNotReadyOnceTheSessionHasTimedOut() throws Exception {
        String topic = "gone-" + UUID.randomUUID().toString().substring(0, 8);
        KafkaTestBroker broker = KafkaTestBroker.start();
        Processor p = null;
        try {
            broker.createTopic(topic, 2);
            String brokers = broker.bootstrapServers();
            p = Processor.builder()
                    .name("broker-gone")
                    .withoutControlServer()
                    .handler((ctx, e) -> null)
                    .trigger(
                            "orders",
                            "kafka",
                            t -> t.attribute("brokers", List.of(brokers))
                                    .attribute("topics", List.of(topic))
                                    .attribute("sessionTimeout", "2s")
                                    .attribute("heartbeatInterval", "500ms"))
                    .build()
                    .start();
            Processor processor = p;
            await("ready").atMost(Duration.ofSeconds(60)).until(processor::isReady);

            broker.close();
            await("not ready once no heartbeat went out for a session")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !processor.isReady());
            String reason = (String) trigger(p).get("notReadyReason");
            assertTrue(
                    reason.matches(
                            "no broker connection open and no heartbeat sent (for \\d+ s|since the assignment), longer than the session timeout"
                                    + " \\(2s\\): consumer group 'broker-gone' \\(brokers "
                                    + java.util.regex.Pattern.quote(brokers)
                                    + "\\) has likely handed this member's partitions to others"),
                    reason);
        } finally {
            broker.close();
            if (p != null) {
                p.stop(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void aConsumerThatNeverReachesABrokerStaysNotReadyWithTheReason() throws Exception {
        int port = freePort();
        Processor p = Processor.builder()
                .name("no-broker")
                .withoutControlServer()
                .handler((ctx, e) -> null)
                .trigger(
                        "orders",
                        "kafka",
                        t -> t.attribute("brokers", List.of("127.0.0.1:" + port))
                                .attribute("topics", List.of("nowhere"))
                                .attribute("consumerGroup", "g"))
                .build()
                .start();
        try {
            await("a few polls against no broker")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> String.valueOf(trigger(p).get("notReadyReason"))
                            .matches(".* after ([2-9]|[1-9][0-9]+) s; .*"));
            assertFalse(p.isReady(), "polls that return nothing are not a membership");
            assertEquals(
                    "not yet joined consumer group 'g' (brokers 127.0.0.1:" + port + ") after ",
                    String.valueOf(trigger(p).get("notReadyReason")).replaceAll("after \\d+ s.*", "after "));
        } finally {
            p.stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> trigger(Processor p) {
        return ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
    }

    private HttpResponse<String> get(Processor p, String path) throws Exception {
        InetSocketAddress a = p.controlAddress();
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void produce(KafkaTestBroker broker, String topic, int partitions, int n) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                "1"); // a retried send can neither reorder nor duplicate
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<Future<?>> sent = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, null, Integer.toString(i))));
            }
            producer.flush();
            for (Future<?> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
