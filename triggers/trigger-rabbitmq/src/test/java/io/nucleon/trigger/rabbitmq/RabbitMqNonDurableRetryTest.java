package io.nucleon.trigger.rabbitmq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.nucleon.api.Processor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A trigger with {@code durable: false} sends a failed message to its retry queue with the delivery
 * mode the message came with, which a publisher may leave unset. Against the real broker.
 */
class RabbitMqNonDurableRetryTest {
    private static final String URL = "amqp://guest:guest@127.0.0.1:5672/%2f";

    private final String queue = "nucleon-non-durable-" + UUID.randomUUID().toString().substring(0, 8);
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
    void aMessageWithoutADeliveryModeIsRetried() throws Exception {
        List<Object> attempts = new CopyOnWriteArrayList<>();
        processor = Processor.builder().name("non-durable").withoutControlServer()
                .handler((ctx, e) -> {
                    attempts.add(e.field("attempt"));
                    if (attempts.size() == 1) {
                        throw new IllegalStateException("the first attempt fails");
                    }
                    return null;
                })
                .trigger("orders", "rabbitmq", t -> t.numWorkers(1).attribute("url", URL).attribute("queueName", queue)
                        .attribute("durable", false).attribute("maxRetries", 1).attribute("retryDelay", "50ms"))
                .build().start();
        await().atMost(Duration.ofSeconds(30)).until(processor::isReady);

        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        admin = f.newConnection("nucleon-test-admin");
        try (Channel ch = admin.createChannel()) {
            AMQP.BasicProperties noDeliveryMode = new AMQP.BasicProperties.Builder().messageId("m-1").build();
            ch.basicPublish("", queue, noDeliveryMode, "m-1".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() == 2);
        assertEquals(List.of(1, 2), attempts, "retried through the retry queue, not given back to the queue");
    }
}
