package io.nucleon.trigger.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.nucleon.api.Event;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.NatsServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The nats trigger against a nats-server of its own (JetStream, file storage). */
class NatsTriggerTest {
    private static NatsServer server;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String function = "nats-test-" + id;
    private final String stream = "S" + id;
    private final String subject = "orders-" + id;
    private Connection admin;
    private final List<Processor> processors = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        server = new NatsServer().start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void connect() throws Exception {
        admin = Nats.connect(server.url());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        admin.close();
    }

    private Processor start(Handler handler, int workers, Consumer<Processor.TriggerBuilder> attributes)
            throws Exception {
        Processor p = Processor.builder()
                .name(function)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(5))
                .drainTimeout(Duration.ofSeconds(10))
                .trigger("orders", "nats", t -> {
                    t.numWorkers(workers).attribute("url", server.url());
                    attributes.accept(t);
                })
                .build()
                .start();
        processors.add(p);
        return p;
    }

    private Processor startJetStream(Handler handler, int workers, Consumer<Processor.TriggerBuilder> more)
            throws Exception {
        Processor p = start(handler, workers, t -> {
            t.attribute("stream", stream).attribute("subjects", List.of(subject + ".>"));
            more.accept(t);
        });
        await("the trigger consuming", 30, p::isReady);
        return p;
    }

    private static void await(String what, long seconds, Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(10))
                .until(done);
    }

    private void publish(JetStream js, String subj, String msgId, String body) throws Exception {
        Headers h = new Headers().add("x-tenant", "acme").add("Content-Type", "text/plain");
        js.publish(
                subj,
                h,
                body.getBytes(StandardCharsets.UTF_8),
                io.nats.client.PublishOptions.builder().messageId(msgId).build());
    }

    @Test
    void jetStreamHandlesEveryMessageAndAcksIt() throws Exception {
        Map<String, Event> seen = new ConcurrentHashMap<>();
        startJetStream(
                (ctx, e) -> {
                    seen.put(e.id(), e);
                    return null;
                },
                4,
                t -> {});
        JetStream js = admin.jetStream();
        for (int i = 0; i < 500; i++) {
            publish(js, subject + ".created", "m-" + i, "order " + i);
        }
        await("500 messages", 30, () -> seen.size() == 500);

        Event e = seen.get("m-7");
        assertEquals("order 7", e.bodyAsString());
        assertEquals(subject + ".created", e.path());
        assertEquals(subject + ".created", e.topic());
        assertEquals("acme", e.header("x-tenant"));
        assertEquals("text/plain", e.contentType());
        assertEquals(1, e.field("attempt"));
        assertEquals(1L, e.field("deliveryCount"));
        assertEquals(stream, e.field("stream"));
        assertEquals(8L, e.field("streamSequence"));
        assertEquals("nats", e.triggerKind());

        processors.remove(0).stop(Duration.ofSeconds(5));
        ConsumerInfo info =
                admin.jetStreamManagement().getConsumerInfo(stream, NatsTriggerFactory.sanitise(function + "-orders"));
        assertEquals(0, info.getNumAckPending(), "every message was acked");
        assertEquals(0, info.getNumPending(), "none is left");
        assertEquals(500, info.getAckFloor().getStreamSequence());
    }

    @Test
    void aPoisonMessageIsRetriedWithBackoffThenDeadLetteredWithTheErrorAndAttempts() throws Exception {
        List<Integer> poisonAttempts = new CopyOnWriteArrayList<>();
        Set<String> good = ConcurrentHashMap.newKeySet();
        startJetStream(
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
        JetStream js = admin.jetStream();
        for (int i = 0; i < 50; i++) {
            publish(js, subject + ".x", "g-" + i, i == 25 ? "poison" : "good " + i);
        }
        String dlqSubject = "nucleon.dlq." + stream + "." + NatsTriggerFactory.sanitise(function + "-orders");
        JetStreamSubscription dlq =
                js.subscribe(dlqSubject, PullSubscribeOptions.builder().build());
        List<Message> dead = new ArrayList<>();
        Awaitility.await("a dead letter").atMost(Duration.ofSeconds(30)).until(() -> {
            dead.addAll(dlq.fetch(10, Duration.ofMillis(200)));
            return !dead.isEmpty();
        });
        assertEquals(49, good.size());
        assertEquals(List.of(1, 2, 3), poisonAttempts);
        Message d = dead.get(0);
        assertEquals("poison", new String(d.getData(), StandardCharsets.UTF_8));
        assertEquals("3", d.getHeaders().getFirst("x-nucleon-attempts"));
        assertTrue(d.getHeaders().getFirst("x-nucleon-error").contains("cannot digest g-25"));
        assertEquals(subject + ".x", d.getHeaders().getFirst("x-nucleon-subject"));
        assertEquals("26", d.getHeaders().getFirst("x-nucleon-stream-sequence"));
        assertEquals("acme", d.getHeaders().getFirst("x-tenant"));
        assertNotNull(d.getHeaders().getFirst("x-nucleon-failed-at"));
        processors.remove(0).stop(Duration.ofSeconds(5));
        ConsumerInfo info =
                admin.jetStreamManagement().getConsumerInfo(stream, NatsTriggerFactory.sanitise(function + "-orders"));
        assertEquals(0, info.getNumAckPending());
        assertEquals(0, info.getNumPending());
    }

    @Test
    void aLongHandlerKeepsItsMessageThroughInProgressAcks() throws Exception {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Processor p = Processor.builder()
                .name(function)
                .withoutControlServer()
                .handler((ctx, e) -> {
                    attempts.add((Integer) e.field("attempt"));
                    release.await(); // longer than ackWait (1s)
                    return null;
                })
                .eventTimeout(Duration.ofSeconds(20))
                .trigger(
                        "orders",
                        "nats",
                        t -> t.attribute("url", server.url())
                                .attribute("stream", stream)
                                .attribute("subjects", List.of(subject + ".>"))
                                .attribute("ackWait", "1s"))
                .build()
                .start();
        processors.add(p);
        await("ready", 30, p::isReady);
        publish(admin.jetStream(), subject + ".slow", "slow-1", "slow");
        await("the handler started", 10, () -> attempts.size() == 1);
        long until = System.nanoTime() + Duration.ofMillis(3500).toNanos();
        Awaitility.await("3.5 s, three ack waits")
                .atMost(Duration.ofSeconds(10))
                .until(() -> System.nanoTime() > until);
        release.countDown();
        processors.remove(0).stop(Duration.ofSeconds(5));
        assertEquals(List.of(1), attempts, "never delivered again while it ran");
    }

    @Test
    void coreNatsSubjectsWithAQueueGroup() throws Exception {
        Map<String, Event> seen = new ConcurrentHashMap<>();
        Processor p = start(
                (ctx, e) -> {
                    seen.put(e.bodyAsString(), e);
                    return null;
                },
                2,
                t -> t.attribute("subjects", List.of(subject + ".a", subject + ".b.*")));
        await("subscribed", 30, p::isReady);
        for (int i = 0; i < 100; i++) {
            Headers h = new Headers().add("x-i", Integer.toString(i));
            admin.publish(subject + (i % 2 == 0 ? ".a" : ".b.c"), h, ("m" + i).getBytes(StandardCharsets.UTF_8));
        }
        admin.publish(subject + ".other", "ignored".getBytes(StandardCharsets.UTF_8));
        admin.flush(Duration.ofSeconds(5));
        await("100 messages", 30, () -> seen.size() == 100);
        Event e = seen.get("m3");
        assertEquals(subject + ".b.c", e.path());
        assertEquals("3", e.header("x-i"));
        assertEquals(1, e.field("attempt"));
        assertFalse(seen.containsKey("ignored"));
        assertTrue(String.valueOf(p.status()).contains("queue="), String.valueOf(p.status()));
    }

    @Test
    void withCreateFalseTheTriggerWaitsNotReadyUntilTheStreamExistsThenBindsToIt() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Processor p = start(
                (ctx, e) -> {
                    seen.add(e.bodyAsString());
                    return null;
                },
                1,
                t -> t.attribute("stream", stream)
                        .attribute("create", false)
                        .attribute("consumer", "workers")
                        .attribute("deadLetterSubject", subject + ".dead")
                        .attribute("connectRetryDelay", "50ms")
                        .attribute("maxConnectRetryDelay", "200ms"));
        await(
                "the reason names the stream",
                10,
                () -> !p.isReady() && String.valueOf(p.status()).contains("stream '" + stream + "' does not exist"));
        JetStreamManagement jsm = admin.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder()
                .name(stream)
                .subjects(subject + ".>")
                .storageType(StorageType.File)
                .build());
        jsm.addOrUpdateConsumer(
                stream,
                io.nats.client.api.ConsumerConfiguration.builder()
                        .durable("workers")
                        .ackPolicy(io.nats.client.api.AckPolicy.Explicit)
                        .build());
        await("bound", 30, p::isReady);
        publish(admin.jetStream(), subject + ".one", "one", "one");
        await("handled", 30, () -> seen.contains("one"));
    }

    @Test
    void aMessageDeliveredAgainAndAgainWithoutAnOutcomeIsDeadLetteredWithoutRunningItAgain() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        String consumer = "crashy";
        JetStreamManagement jsm = admin.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder()
                .name(stream)
                .subjects(subject + ".>")
                .storageType(StorageType.File)
                .build());
        jsm.addOrUpdateConsumer(
                stream,
                io.nats.client.api.ConsumerConfiguration.builder()
                        .durable(consumer)
                        .ackPolicy(io.nats.client.api.AckPolicy.Explicit)
                        .build());
        JetStream js = admin.jetStream();
        publish(js, subject + ".k", "killer", "kills its processor");
        // eleven deliveries that end without an outcome, as if each processor died holding it
        JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind(stream, consumer));
        for (int i = 0; i < 11; i++) {
            List<Message> got = sub.fetch(1, Duration.ofSeconds(5));
            assertEquals(1, got.size());
            assertEquals("killer", got.get(0).getHeaders().getFirst("Nats-Msg-Id"));
            got.get(0).nak();
        }
        sub.unsubscribe();
        startJetStream(
                (ctx, e) -> {
                    ran.add(e.id());
                    return null;
                },
                1,
                t -> t.attribute("consumer", consumer).attribute("maxRetries", 0));
        await(
                "the killer dead-lettered",
                30,
                () -> jsm.getStreamInfo(stream + "_dlq").getStreamState().getMsgCount() == 1);
        io.nats.client.api.MessageInfo dead = jsm.getMessage(stream + "_dlq", 1);
        assertEquals(List.of(), ran, "the killer never ran again");
        assertEquals("12", dead.getHeaders().getFirst("x-nucleon-attempts"));
        assertTrue(dead.getHeaders().getFirst("x-nucleon-error").contains("without an outcome"));
    }

    @Test
    void everyAttributeProblemIsReportedAtOnce() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> start(
                        (ctx, ev) -> null,
                        1,
                        t -> t.attribute("url", "http://x:1")
                                .attribute("stream", "has.dots")
                                .attribute("maxRetries", -1)
                                .attribute("maxAckPending", 0)));
        String m = e.getMessage();
        assertTrue(m.contains("url"), m);
        assertTrue(m.contains("stream"), m);
        assertTrue(m.contains("maxRetries"), m);
        assertTrue(m.contains("maxAckPending"), m);
        assertTrue(m.contains("subjects"), m);
    }
}
