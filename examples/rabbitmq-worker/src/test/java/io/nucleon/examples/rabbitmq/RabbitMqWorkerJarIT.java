package io.nucleon.examples.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged rabbitmq-worker jar as a real process against the real RabbitMQ on
 * 127.0.0.1:5672 (guest/guest), with the packaged function.yaml but a queue and an exchange of its
 * own, so that runs never collide.
 */
class RabbitMqWorkerJarIT {
    private static final String URL = "amqp://guest:guest@127.0.0.1:5672/%2f";
    private static final int GOOD_ORDERS = 200;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String queue = "rabbitmq-worker-it-" + id + ".orders";
    private final String exchange = "orders-it-" + id;
    private Connection admin;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        admin = f.newConnection("rabbitmq-worker-it");
        channel = admin.createChannel();
    }

    @AfterEach
    void cleanUp() throws Exception {
        Channel ch = admin.createChannel();
        for (String q : List.of(queue, queue + ".retry", queue + ".dlq")) {
            ch.queueDelete(q);
        }
        ch.exchangeDelete(exchange);
        admin.close();
    }

    @Test
    void handlesEveryGoodOrderDeadLettersTheBadOnesAndExitsZeroOnSigterm() throws Exception {
        // the packaged function.yaml, with this run's queue and exchange
        try (FunctionProcess fn = FunctionJar.packaged()
                .override("spec.triggers.orders.attributes.exchangeName", exchange)
                .override("spec.triggers.orders.attributes.queueName", queue)
                .start()) {
            channel.confirmSelect();
            for (int i = 0; i < GOOD_ORDERS; i++) {
                publish("order-" + i, "{\"orderId\": \"o-" + i + "\", \"amount\": " + (i + 0.5) + "}");
            }
            publish("negative", "{\"orderId\": \"o-bad\", \"amount\": -3.5}");
            publish("not-json", "this is not an order");
            channel.waitForConfirmsOrDie(10_000);

            fn.await(
                    "every good order handled and both bad ones dead-lettered",
                    Duration.ofSeconds(20),
                    () -> events(fn, "success") == GOOD_ORDERS && messagesIn(queue + ".dlq") == 2);
            assertEquals(2 * 3, events(fn, "error"), "each bad order: the first attempt and maxRetries (2) retries");
            assertDeadLetters();
            assertEquals(0, messagesIn(queue), "every message was acked");
            assertEquals(0, messagesIn(queue + ".retry"), "no retry is pending");

            assertEquals(0, fn.stop(), "SIGTERM: a graceful stop");
            String log = fn.output();
            for (int i = 0; i < GOOD_ORDERS; i++) {
                assertTrue(log.contains("orderId=o-" + i + " amount=" + (i + 0.5) + " "), "logged: order o-" + i);
            }
            assertEquals(
                    GOOD_ORDERS,
                    log.lines().filter(l -> l.contains(" - order processed ")).count(),
                    log);
            assertTrue(log.contains("invalid order o-bad: amount must not be negative"), log);
        }
    }

    private void assertDeadLetters() throws IOException {
        Map<String, GetResponse> dead = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            GetResponse r = channel.basicGet(queue + ".dlq", true);
            assertNotNull(r);
            dead.put(r.getProps().getMessageId(), r);
        }
        GetResponse negative = dead.get("negative");
        assertEquals(
                "{\"orderId\": \"o-bad\", \"amount\": -3.5}", body(negative), "the dead letter is the message as sent");
        assertEquals(
                "java.lang.IllegalArgumentException: invalid order o-bad: amount must not be negative, got -3.5",
                header(negative, "x-nucleon-error"));
        assertEquals("3", header(negative, "x-nucleon-attempts"));
        assertEquals(exchange, header(negative, "x-nucleon-original-exchange"));
        assertEquals("orders.created", header(negative, "x-nucleon-original-routing-key"));
        GetResponse notJson = dead.get("not-json");
        assertEquals("this is not an order", body(notJson));
        assertTrue(
                header(notJson, "x-nucleon-error")
                        .startsWith(
                                "java.lang.IllegalArgumentException: invalid order message not-json: the body is not JSON"),
                header(notJson, "x-nucleon-error"));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private void publish(String messageId, String body) throws IOException {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .messageId(messageId)
                .contentType("application/json")
                .deliveryMode(2)
                .build();
        channel.basicPublish(exchange, "orders.created", true, props, body.getBytes(StandardCharsets.UTF_8));
    }

    private long messagesIn(String q) throws IOException {
        return channel.queueDeclarePassive(q).getMessageCount();
    }

    private static String body(GetResponse r) {
        return new String(r.getBody(), StandardCharsets.UTF_8);
    }

    private static String header(GetResponse r, String name) {
        Object v = r.getProps().getHeaders().get(name);
        return v == null ? null : v.toString(); // AMQP strings arrive as LongString
    }

    /** The sum of {@code nucleon_events_total} of the orders trigger for one outcome. */
    private static long events(FunctionProcess fn, String outcome) {
        return (long) fn.metric("nucleon_events_total", Map.of("trigger", "orders", "outcome", outcome));
    }
}
