package io.nucleon.trigger.rabbitmq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.nucleon.api.Processor;
import io.nucleon.spi.FailureHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attempt count a message carries, read the way every message trigger writes it
 * ({@link FailureHeaders#ATTEMPTS}: attempts made so far), and the way builds before wrote it
 * ({@code x-nucleon-attempt}: the attempt the message is on), so retries waiting in a retry queue
 * across an upgrade keep their count. Against the real broker.
 */
class RabbitMqAttemptHeadersTest {
    private static final String URL = "amqp://guest:guest@127.0.0.1:5672/%2f";

    private final String queue =
            "nucleon-attempts-" + UUID.randomUUID().toString().substring(0, 8);
    private Processor processor;
    private Connection admin;

    @AfterEach
    void cleanUp() throws Exception {
        if (processor != null) {
            processor.stop(Duration.ofSeconds(5));
        }
        if (admin != null) {
            try (Channel ch = admin.createChannel()) {
                for (String q : new String[] {queue, queue + ".retry", queue + ".dlq"}) {
                    ch.queueDelete(q);
                }
            }
            admin.close();
        }
    }

    @Test
    void theAttemptIsReadFromTheSharedHeaderAndFromTheOneEarlierBuildsWrote() throws Exception {
        Map<String, Object> attempts = new ConcurrentHashMap<>();
        processor = Processor.builder()
                .name("attempts")
                .withoutControlServer()
                .handler((ctx, e) -> {
                    attempts.put(e.id(), e.field("attempt"));
                    return null;
                })
                .trigger(
                        "orders",
                        "rabbitmq",
                        t -> t.numWorkers(1).attribute("url", URL).attribute("queueName", queue))
                .build()
                .start();
        await().atMost(Duration.ofSeconds(30)).until(processor::isReady);

        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        admin = f.newConnection("nucleon-test-admin");
        try (Channel ch = admin.createChannel()) {
            publish(ch, "first", Map.of());
            publish(ch, "legacy", Map.of(RabbitMqTrigger.LEGACY_ATTEMPT_HEADER, 2));
            publish(ch, "shared", Map.of(FailureHeaders.ATTEMPTS, 2));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() == 3);
        assertEquals(1, attempts.get("first"), "a first delivery");
        assertEquals(2, attempts.get("legacy"), "x-nucleon-attempt named the attempt the message is on");
        assertEquals(3, attempts.get("shared"), "x-nucleon-attempts counts the attempts made");
    }

    @Test
    void aMessageWithoutADeliveryModeIsRetriedByANonDurableTrigger() throws Exception {
        // durable: false keeps the delivery mode the message came with, which a publisher may leave unset
        List<Object> attempts = new CopyOnWriteArrayList<>();
        processor = Processor.builder()
                .name("non-durable")
                .withoutControlServer()
                .handler((ctx, e) -> {
                    attempts.add(e.field("attempt"));
                    if (attempts.size() == 1) {
                        throw new IllegalStateException("the first attempt fails");
                    }
                    return null;
                })
                .trigger(
                        "orders",
                        "rabbitmq",
                        t -> t.numWorkers(1)
                                .attribute("url", URL)
                                .attribute("queueName", queue)
                                .attribute("durable", false)
                                .attribute("maxRetries", 1)
                                .attribute("retryDelay", "50ms"))
                .build()
                .start();
        await().atMost(Duration.ofSeconds(30)).until(processor::isReady);

        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        admin = f.newConnection("nucleon-test-admin");
        try (Channel ch = admin.createChannel()) {
            publish(ch, "no-delivery-mode", Map.of());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() == 2);
        assertEquals(List.of(1, 2), attempts, "retried through the retry queue, not given back to the queue");
    }

    private void publish(Channel ch, String id, Map<String, Object> headers) throws Exception {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .messageId(id)
                .headers(headers)
                .build();
        ch.basicPublish("", queue, props, id.getBytes(StandardCharsets.UTF_8));
    }
}
