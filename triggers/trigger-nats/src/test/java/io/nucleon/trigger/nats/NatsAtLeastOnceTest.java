package io.nucleon.trigger.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.NatsServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JetStream promise under load and failure, against a nats-server of the test's own: every
 * message handled or dead-lettered, none both; a processor killed with SIGKILL loses none; two
 * processors on one durable consumer (or one queue group) split the work.
 */
class NatsAtLeastOnceTest {
    private NatsServer server;
    private Connection admin;
    private final List<Processor> processors = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws Exception {
        server = new NatsServer().start();
        admin = Nats.connect(server.url());
    }

    @AfterEach
    void stopServer() throws Exception {
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        admin.close();
        server.close();
    }

    private Processor start(String function, Handler handler, int workers, Consumer<Processor.TriggerBuilder> more)
            throws Exception {
        Processor p = Processor.builder()
                .name(function)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(10))
                .drainTimeout(Duration.ofSeconds(10))
                .trigger("orders", "nats", t -> {
                    t.numWorkers(workers).attribute("url", server.url());
                    more.accept(t);
                })
                .build()
                .start();
        processors.add(p);
        await("ready", 30, p::isReady);
        return p;
    }

    private static void await(String what, long seconds, Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(20))
                .until(done);
    }

    /** Publishes {@code total} messages {@code m<i>} to JetStream, in windows of async publishes. */
    private void publish(String subject, int total, int poisonEvery) throws Exception {
        JetStream js = admin.jetStream();
        List<CompletableFuture<PublishAck>> window = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            String body = poisonEvery > 0 && i % poisonEvery == 0 ? "poison" : "ok";
            window.add(js.publishAsync(
                    subject,
                    null,
                    body.getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().messageId("m" + i).build()));
            if (window.size() == 1000) {
                for (CompletableFuture<PublishAck> f : window) {
                    f.get(30, TimeUnit.SECONDS);
                }
                window.clear();
            }
        }
        for (CompletableFuture<PublishAck> f : window) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aHundredThousandMessagesWithOnePercentPoisonAreEachHandledOrDeadLetteredNeverBoth() throws Exception {
        int total = 100_000;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger handledTwice = new AtomicInteger();
        start(
                "load",
                (ctx, e) -> {
                    if (e.bodyAsString().equals("poison")) {
                        throw new IllegalStateException("poison " + e.id());
                    }
                    if (!handled.add(e.id())) {
                        handledTwice.incrementAndGet();
                    }
                    return null;
                },
                4,
                t -> t.attribute("stream", "LOAD")
                        .attribute("subjects", List.of("load.>"))
                        .attribute("maxRetries", 1)
                        .attribute("retryDelay", "10ms")
                        .attribute("maxAckPending", 512));
        publish("load.x", total, 100);
        String dlqSubject = "nucleon.dlq.LOAD.load-orders";
        JetStreamSubscription dlq = admin.jetStream()
                .subscribe(dlqSubject, PullSubscribeOptions.builder().build());
        Map<String, String> dead = new HashMap<>();
        AtomicInteger deadTwice = new AtomicInteger();
        await("every message handled or dead-lettered", 240, () -> {
            for (Message m : dlq.fetch(500, Duration.ofMillis(100))) {
                m.ack();
                String original = m.getHeaders().getFirst("x-nucleon-stream-sequence");
                if (dead.put(original, m.getHeaders().getFirst("x-nucleon-attempts")) != null) {
                    deadTwice.incrementAndGet();
                }
            }
            return handled.size() + dead.size() >= total;
        });
        assertEquals(total / 100, dead.size(), "1 % poison, each dead-lettered");
        assertEquals(total - total / 100, handled.size());
        assertEquals(0, deadTwice.get(), "none dead-lettered twice");
        assertTrue(dead.values().stream().allMatch("2"::equals), "two attempts each: " + new HashSet<>(dead.values()));
        Set<String> deadIds = new HashSet<>();
        for (String seq : dead.keySet()) {
            deadIds.add("m" + (Long.parseLong(seq) - 1)); // stream sequence n holds m<n-1>
        }
        for (String id : deadIds) {
            assertTrue(!handled.contains(id), id + " was both handled and dead-lettered");
        }
        assertEquals(0, handledTwice.get(), "no redelivery without a failure");
    }

    @Test
    void aProcessorKilledMidStreamLosesNothingAfterARestart() throws Exception {
        int total = 20_000;
        // the stream and consumer exist before the child starts, so the publish does not race it
        Processor setUp = start(
                "crash",
                (ctx, e) -> null,
                1,
                t -> t.attribute("stream", "CRASH")
                        .attribute("subjects", List.of("crash.>"))
                        .attribute("consumer", "crash-orders")
                        .attribute("ackWait", "2s")
                        .attribute("maxAckPending", 64));
        processors.remove(setUp);
        setUp.stop(Duration.ofSeconds(5));
        publish("crash.x", total, 0);

        Path handledFile = dir.resolve("handled.txt");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashableNatsFunction.class.getName(),
                        server.url(),
                        "CRASH",
                        "crash.>",
                        "crash-orders",
                        handledFile.toString(),
                        "5000")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile())
                .start();
        try {
            await(
                    "the child handled its share and hangs",
                    120,
                    () -> lines(handledFile).size() >= 5000);
        } finally {
            child.destroyForcibly(); // SIGKILL: no drain, no NAK, in-flight messages unacknowledged
            child.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> beforeKill = lines(handledFile);
        assertTrue(beforeKill.size() < total, "killed mid-stream");

        Set<String> after = ConcurrentHashMap.newKeySet();
        start(
                "crash",
                (ctx, e) -> {
                    after.add(e.id());
                    return null;
                },
                4,
                t -> t.attribute("stream", "CRASH")
                        .attribute("subjects", List.of("crash.>"))
                        .attribute("consumer", "crash-orders")
                        .attribute("ackWait", "2s")
                        .attribute("maxAckPending", 64));
        Set<String> all = new HashSet<>(beforeKill);
        await("every message handled", 120, () -> {
            Set<String> union = new HashSet<>(all);
            union.addAll(after);
            return union.size() == total;
        });
        Set<String> twice = new HashSet<>(beforeKill);
        twice.retainAll(after);
        // handled and written, not yet acknowledged when killed: at most what was in flight
        assertTrue(twice.size() <= 64, "duplicates within the in-flight window: " + twice.size());
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void twoProcessorsOnOneDurableConsumerSplitTheWork() throws Exception {
        int total = 10_000;
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        Set<String> byFirst = ConcurrentHashMap.newKeySet();
        Set<String> bySecond = ConcurrentHashMap.newKeySet();
        Consumer<Processor.TriggerBuilder> attrs = t -> t.attribute("stream", "SPLIT")
                .attribute("subjects", List.of("split.>"))
                .attribute("maxAckPending", 64);
        start(
                "split",
                (ctx, e) -> {
                    byFirst.add(e.id());
                    seen.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
                    return null;
                },
                2,
                attrs);
        start(
                "split",
                (ctx, e) -> {
                    bySecond.add(e.id());
                    seen.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
                    return null;
                },
                2,
                attrs);
        publish("split.x", total, 0);
        await("every message handled", 120, () -> seen.size() == total);
        assertTrue(byFirst.size() > total / 10, "the first took a share: " + byFirst.size());
        assertTrue(bySecond.size() > total / 10, "the second took a share: " + bySecond.size());
        assertTrue(seen.values().stream().allMatch(n -> n.get() == 1), "each handled once");
    }

    @Test
    void twoProcessorsInOneCoreQueueGroupSplitTheWork() throws Exception {
        int total = 2000;
        Set<String> byFirst = ConcurrentHashMap.newKeySet();
        Set<String> bySecond = ConcurrentHashMap.newKeySet();
        Consumer<Processor.TriggerBuilder> attrs = t -> t.attribute("subjects", List.of("core.>"));
        start("core", (ctx, e) -> byFirst.add(e.bodyAsString()) ? null : null, 2, attrs);
        start("core", (ctx, e) -> bySecond.add(e.bodyAsString()) ? null : null, 2, attrs);
        for (int i = 0; i < total; i++) {
            admin.publish("core.x", ("c" + i).getBytes(StandardCharsets.UTF_8));
        }
        admin.flush(Duration.ofSeconds(5));
        await("every message handled", 60, () -> byFirst.size() + bySecond.size() == total);
        Set<String> both = new HashSet<>(byFirst);
        both.retainAll(bySecond);
        assertEquals(Set.of(), both, "a queue group delivers each message to one member");
        assertTrue(byFirst.size() > 0 && bySecond.size() > 0, byFirst.size() + " / " + bySecond.size());
    }
}
