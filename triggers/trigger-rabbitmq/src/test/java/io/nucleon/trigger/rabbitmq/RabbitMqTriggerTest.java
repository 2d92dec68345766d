package io.nucleon.trigger.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.nucleon.api.Event;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rabbitmq trigger against the real RabbitMQ server on 127.0.0.1:5672 (guest/guest). */
class RabbitMqTriggerTest {
    private static final String URL = "amqp://guest:guest@127.0.0.1:5672/%2f";

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    /** The function's name: its trigger's connection is "nucleon {@code function}/orders" on the broker. */
    private final String function = "rabbit-test-" + id;

    private final String queue = "nucleon-test-" + id;
    private final String exchange = "nucleon-test-x-" + id;
    private Connection admin;
    private Channel channel;
    private final List<Processor> processors = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        admin = f.newConnection("nucleon-test-admin");
        channel = admin.createChannel();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        Channel ch = admin.isOpen() ? admin.createChannel() : null;
        if (ch != null) {
            for (String q : List.of(queue, queue + ".retry", queue + ".dlq")) {
                ch.queueDelete(q);
            }
            ch.exchangeDelete(exchange);
        }
        if (admin.isOpen()) {
            admin.close();
        }
    }

    private Processor start(Handler handler, int workers, Consumer<Processor.TriggerBuilder> attributes)
            throws Exception {
        Processor p = Processor.builder()
                .name(function)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(5))
                .drainTimeout(Duration.ofSeconds(10))
                .trigger("orders", "rabbitmq", t -> {
                    t.numWorkers(workers).attribute("url", URL).attribute("queueName", queue);
                    attributes.accept(t);
                })
                .build()
                .start();
        processors.add(p);
        // start returns before the trigger has connected and declared its queue; publish once it has
        await("the trigger connected and consuming", 30, p::isReady);
        return p;
    }

    private void publish(String routingKey, String messageId, String body, Map<String, Object> headers)
            throws Exception {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .messageId(messageId)
                .contentType("text/plain")
                .headers(headers)
                .deliveryMode(2)
                .build();
        channel.basicPublish(exchange, routingKey, props, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void await(String what, long seconds, Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(10))
                .until(done);
    }

    private long messagesIn(String q) throws Exception {
        return channel.queueDeclarePassive(q).getMessageCount();
    }

    @Test
    void handlesEveryMessageFromTheBoundExchangeAndAcksIt() throws Exception {
        Map<String, Event> seen = new ConcurrentHashMap<>();
        start(
                (ctx, e) -> {
                    seen.put(e.id(), e);
                    return null;
                },
                4,
                t -> t.attribute("exchangeName", exchange).attribute("topics", List.of("orders.*")));
        channel.confirmSelect();
        for (int i = 0; i < 500; i++) {
            publish("orders.created", "m-" + i, "order " + i, Map.of("x-tenant", "acme"));
        }
        publish("invoices.created", "not-bound", "ignored", Map.of()); // routed nowhere: the queue is bound to orders.*
        channel.waitForConfirmsOrDie(5000);
        await("500 messages", 30, () -> seen.size() == 500);

        Event e = seen.get("m-7");
        assertEquals("order 7", e.bodyAsString());
        assertEquals("orders.created", e.path());
        assertEquals("orders.created", e.topic());
        assertEquals("acme", e.header("x-tenant"));
        assertEquals("text/plain", e.contentType());
        assertEquals(1, e.field("attempt"));
        assertEquals(exchange, e.field("exchange"));
        assertEquals("rabbitmq", e.triggerKind());
        assertFalse(seen.containsKey("not-bound"));

        processors.remove(0).stop(Duration.ofSeconds(5));
        assertEquals(0, messagesIn(queue), "every message was acked");
    }

    /** A handler result Jackson cannot serialise: its one property throws. */
    public static final class Unserialisable {
        public String getValue() {
            throw new IllegalStateException("not serialisable");
        }
    }

    @Test
    void aResultThatCannotBeSerialisedIsStillAHandledMessageAckedOnceAndNeverRetried() throws Exception {
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        start(
                (ctx, e) -> {
                    attempts.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
                    return new Unserialisable(); // the trigger acks; it never asks for a response, so nothing
                    // serialises this
                },
                2,
                t -> t.attribute("maxRetries", 2).attribute("retryDelay", "10ms"));
        for (int i = 0; i < 20; i++) {
            channel.basicPublish(
                    "",
                    queue,
                    new AMQP.BasicProperties.Builder().messageId("u-" + i).build(),
                    ("unserialisable " + i).getBytes(StandardCharsets.UTF_8));
        }
        await("20 messages handled", 30, () -> attempts.size() == 20);
        processors.remove(0).stop(Duration.ofSeconds(5)); // drains: every outcome is acked or retried by now
        assertEquals(0, messagesIn(queue), "every message was acked");
        assertEquals(0, messagesIn(queue + ".retry"), "none was sent for a retry");
        assertEquals(0, messagesIn(queue + ".dlq"), "none was dead-lettered");
        assertTrue(attempts.values().stream().allMatch(n -> n.get() == 1), "each message ran once: " + attempts);
    }

    @Test
    void aPoisonMessageIsRetriedWithBackoffThenDeadLettered() throws Exception {
        List<Integer> poisonAttempts = new CopyOnWriteArrayList<>();
        Set<String> good = ConcurrentHashMap.newKeySet();
        start(
                (ctx, e) -> {
                    if (e.bodyAsString().equals("poison")) {
                        poisonAttempts.add((Integer) e.field("attempt"));
                        throw new IllegalArgumentException("cannot digest " + e.id());
                    }
                    good.add(e.id());
                    return null;
                },
                2,
                t -> t.attribute("maxRetries", 2).attribute("retryDelay", "100ms"));
        for (int i = 0; i < 50; i++) {
            channel.basicPublish(
                    "",
                    queue,
                    new AMQP.BasicProperties.Builder().messageId("g-" + i).build(),
                    ("good " + i).getBytes(StandardCharsets.UTF_8));
            if (i == 10) {
                channel.basicPublish(
                        "",
                        queue,
                        new AMQP.BasicProperties.Builder()
                                .messageId("poison-1")
                                .headers(Map.of("x-origin", "test"))
                                .build(),
                        "poison".getBytes(StandardCharsets.UTF_8));
            }
        }
        await("the dead letter", 30, () -> {
            try {
                return messagesIn(queue + ".dlq") == 1;
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        assertEquals(50, good.size());
        assertEquals(List.of(1, 2, 3), poisonAttempts, "the first delivery and two retries, then no more");

        GetResponse dead = channel.basicGet(queue + ".dlq", true);
        Map<String, Object> h = dead.getProps().getHeaders();
        assertEquals("poison", new String(dead.getBody(), StandardCharsets.UTF_8));
        assertEquals("poison-1", dead.getProps().getMessageId());
        assertEquals("3", RabbitMqEvent.text(h.get(RabbitMqTrigger.ATTEMPTS_HEADER)));
        assertTrue(RabbitMqEvent.text(h.get(RabbitMqTrigger.ERROR_HEADER)).contains("cannot digest poison-1"));
        assertEquals(queue, RabbitMqEvent.text(h.get(RabbitMqTrigger.ORIGINAL_ROUTING_KEY_HEADER)));
        assertEquals(queue, RabbitMqEvent.text(h.get(RabbitMqTrigger.QUEUE_HEADER)));
        assertEquals("test", RabbitMqEvent.text(h.get("x-origin")), "the message's own headers are kept");
        assertEquals(0, messagesIn(queue));
        assertEquals(0, messagesIn(queue + ".retry"));
    }

    @Test
    void recoversWhenTheBrokerClosesEveryConnectionAndLosesNoMessage() throws Exception {
        int total = 3000;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Processor p = start(
                (ctx, e) -> {
                    handled.add(e.id());
                    Thread.sleep(1); // a slow handler: messages are still unacked when the connection goes
                    return null;
                },
                4,
                t -> t.attribute("prefetchCount", 16));
        channel.confirmSelect();
        for (int i = 0; i < total; i++) {
            channel.basicPublish(
                    "",
                    queue,
                    new AMQP.BasicProperties.Builder()
                            .messageId("r-" + i)
                            .deliveryMode(2)
                            .build(),
                    ("msg " + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
        await("some messages handled", 30, () -> handled.size() > 300);

        // watched from before the connection goes: readiness is false for about a second (the reconnect delay)
        CompletableFuture<Void> wentNotReady =
                CompletableFuture.runAsync(() -> await("readiness false while disconnected", 90, () -> !p.isReady()));
        closeConnectionsNamed("nucleon " + function + "/orders");
        wentNotReady.get(90, TimeUnit.SECONDS);

        await("every message handled after recovery", 60, () -> handled.size() == total);
        await("ready again", 30, p::isReady);

        processors.remove(p);
        p.stop(Duration.ofSeconds(5));
        assertEquals(0, messagesIn(queue), "every message acked in the end");
    }

    @Test
    void declareFalseWithFailFastNeedsTheQueueToExistAtStart() {
        Exception e = assertThrows(
                Exception.class,
                () -> start(
                        (ctx, ev) -> null, 1, t -> t.attribute("declare", false).attribute("failFast", true)));
        assertTrue(e.getMessage().contains("queue '" + queue + "' does not exist"), e.getMessage());
    }

    @Test
    void aFullPoolHoldsMessagesBackInsteadOfMakingTheBrokerRedeliverThem() throws Exception {
        int total = 100;
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Set<String> redelivered = ConcurrentHashMap.newKeySet();
        // one worker, room for one more event, a prefetch of 20: most deliveries find the pool full
        Processor p = Processor.builder()
                .name(function)
                .withoutControlServer()
                .handler((ctx, e) -> {
                    calls.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
                    if (Boolean.TRUE.equals(e.field("redelivered"))) {
                        redelivered.add(e.id());
                    }
                    Thread.sleep(20); // a slow handler: the behaviour under test
                    return null;
                })
                .eventTimeout(Duration.ofSeconds(5))
                .drainTimeout(Duration.ofSeconds(10))
                .trigger(
                        "orders",
                        "rabbitmq",
                        t -> t.numWorkers(1)
                                .workerQueueSize(1)
                                .workerAvailabilityTimeout(Duration.ofMillis(10))
                                .attribute("url", URL)
                                .attribute("queueName", queue)
                                .attribute("prefetchCount", 20))
                .build()
                .start();
        processors.add(p);
        await("the trigger consuming", 30, p::isReady);
        channel.confirmSelect();
        for (int i = 0; i < total; i++) {
            channel.basicPublish(
                    "",
                    queue,
                    new AMQP.BasicProperties.Builder().messageId("b-" + i).build(),
                    new byte[0]);
        }
        channel.waitForConfirmsOrDie(5000);
        await("every message handled", 60, () -> calls.size() == total);
        await("every message acked", 30, () -> {
            try {
                return messagesIn(queue) == 0 && ((Number) triggerStatus(p).get("acked")).intValue() == total;
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });

        Map<String, Object> status = triggerStatus(p);
        assertTrue(calls.values().stream().allMatch(n -> n.get() == 1), "each message handled once: " + calls);
        assertEquals(Set.of(), redelivered, "the broker redelivered nothing");
        assertEquals(0L, status.get("requeued"), "no rejection was nacked back to the broker");
        assertTrue(
                ((Number) status.get("redispatched")).longValue() > 0,
                "the pool did reject, and those messages waited: " + status);
        assertEquals(0, messagesIn(queue + ".dlq"), "nothing dead-lettered");
        assertEquals(0, messagesIn(queue + ".retry"));
    }

    /**
     * Closes, on the broker's side, the connections with the client-given name {@code name}: only this
     * test's, as other tests and other builds share the broker.
     */
    private static void closeConnectionsNamed(String name) throws Exception {
        String listing = rabbitmqctl("-q", "list_connections", "--no-table-headers", "pid", "client_properties");
        List<String> pids = listing.lines()
                .filter(l -> l.contains("{\"connection_name\",\"" + name + "\"}"))
                .map(l -> l.substring(0, l.indexOf('\t')).trim())
                .toList();
        assertFalse(pids.isEmpty(), "no connection named '" + name + "' in:\n" + listing);
        for (String pid : pids) {
            rabbitmqctl("close_connection", pid, "nucleon test: connection loss");
        }
    }

    private static String rabbitmqctl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("rabbitmqctl"));
        command.addAll(List.of(args));
        Process ctl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(ctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ctl.waitFor(60, TimeUnit.SECONDS), "rabbitmqctl finished");
        assertEquals(0, ctl.exitValue(), String.join(" ", command) + ": " + out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> triggerStatus(Processor p) {
        return ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
    }

    @Test
    void credentialsStayOutOfStatus() throws Exception {
        Processor p = start((ctx, e) -> null, 2, t -> {});
        String status = p.status().toString();
        assertTrue(status.contains("amqp://127.0.0.1:5672/%2f"), status);
        assertFalse(status.contains("guest"), status);
        assertTrue(status.contains("consumers=2"), status);
    }

    @Test
    void badAttributesAreNamedWithTheirPath() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .withoutControlServer()
                        .handler((ctx, ev) -> null)
                        .trigger(
                                "orders",
                                "rabbitmq",
                                t -> t.attribute("url", "http://x")
                                        .attribute("exchangeType", "round-robin")
                                        .attribute("topics", List.of("a.b"))
                                        .attribute("prefetchCount", 0))
                        .build());
        String msg = e.getMessage();
        assertTrue(msg.contains("spec.triggers.orders.attributes.url: must be an amqp:// or amqps:// URI"), msg);
        assertTrue(
                msg.contains("spec.triggers.orders.attributes.exchangeType: must be topic, direct, fanout or headers"),
                msg);
        assertTrue(msg.contains("spec.triggers.orders.attributes.topics: binds the queue to an exchange"), msg);
        assertTrue(msg.contains("spec.triggers.orders.attributes.prefetchCount: must be from 1 to 65535"), msg);
    }

    @Test
    void nuclioKindNameWorksToo() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Processor p = Processor.builder()
                .name("nuclio-kind")
                .withoutControlServer()
                .handler((ctx, e) -> seen.add(e.id()))
                .trigger("q", "rabbit-mq", t -> t.attribute("url", URL).attribute("queueName", queue))
                .build()
                .start();
        processors.add(p);
        await("the trigger consuming", 30, p::isReady);
        channel.basicPublish(
                "", queue, new AMQP.BasicProperties.Builder().messageId("n-1").build(), new byte[0]);
        await("the message", 10, () -> seen.contains("n-1"));
    }
}
