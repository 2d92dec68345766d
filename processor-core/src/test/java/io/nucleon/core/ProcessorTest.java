package io.nucleon.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.api.Response;
import io.nucleon.core.testing.CountingHandler;
import io.nucleon.core.testing.DirectTriggerFactory;
import io.nucleon.core.testing.Outcomes;
import io.nucleon.core.testing.Tally;
import io.nucleon.core.testing.TestEvent;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor, its worker pool and the Java runtime, driven through the in-process direct trigger. */
class ProcessorTest {

    /**
     * Room on the waiting list for a whole burst. Dispatch never blocks, so a test thread that fires
     * tens of thousands of events at once (faster than the workers run them) needs the waiting list to
     * hold them, or the excess is rejected (as {@link OverloadTest} shows).
     */
    private static final int BURST = 1 << 20;

    private static Processor.Builder direct(String trigger, int workers) {
        return Processor.builder()
                .name("core-test")
                .withoutControlServer()
                .trigger(trigger, "direct", t -> t.numWorkers(workers).waitingListSize(BURST));
    }

    @Test
    void everyEventCompletesExactlyOnceUnderConcurrentDispatch() throws Exception {
        Processor p = direct("many", 4)
                .handler((ctx, e) -> {
                    int r = ThreadLocalRandom.current().nextInt(100);
                    if (r < 5) {
                        throw new IllegalStateException("planned failure");
                    }
                    return r < 10 ? CompletableFuture.supplyAsync(() -> "async") : "sync";
                })
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("many");
            Outcomes outcomes = new Outcomes();
            int perThread = 25_000;
            Thread[] producers = new Thread[4];
            for (int t = 0; t < producers.length; t++) {
                int base = t * perThread;
                producers[t] = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        d.dispatch(TestEvent.of(Integer.toString(base + i), "x"), outcomes);
                    }
                });
                producers[t].start();
            }
            for (Thread t : producers) {
                t.join();
            }
            outcomes.await(100_000, 60, TimeUnit.SECONDS);
            assertEquals(0, outcomes.duplicates());
            assertEquals(100_000, outcomes.count(Outcome.SUCCESS) + outcomes.count(Outcome.HANDLER_ERROR));
            assertTrue(outcomes.count(Outcome.HANDLER_ERROR) > 0);
            assertEquals(0, d.inFlight());
        } finally {
            p.stop();
        }
    }

    @Test
    void aSmallRingWrappedThousandsOfTimesLosesAndRepeatsNoEvent() throws Exception {
        // 16 slots and four producers: each slot is reused thousands of times while workers claim,
        // park and are woken, so a slot overwritten before its worker read it would show up here; most
        // events pass through the waiting list, whose drains race with the producers' direct publishes
        AtomicInteger missing = new AtomicInteger();
        Processor p = Processor.builder()
                .name("wrap")
                .withoutControlServer()
                .handler((ctx, e) -> {
                    if (e == null) {
                        missing.incrementAndGet();
                    }
                    return "ok";
                })
                .trigger(
                        "wrap",
                        "direct",
                        t -> t.numWorkers(4).workerQueueSize(16).waitingListSize(BURST))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("wrap");
            Outcomes outcomes = new Outcomes();
            int rounds = 10;
            int perThread = 10_000;
            for (int round = 0; round < rounds; round++) {
                int roundBase = round * 4 * perThread;
                Thread[] producers = new Thread[4];
                for (int t = 0; t < producers.length; t++) {
                    int base = roundBase + t * perThread;
                    producers[t] = new Thread(() -> {
                        for (int i = 0; i < perThread; i++) {
                            d.dispatch(TestEvent.of(Integer.toString(base + i), "x"), outcomes);
                        }
                    });
                    producers[t].start();
                }
                for (Thread t : producers) {
                    t.join();
                }
                outcomes.await(roundBase + 4 * perThread, 30, TimeUnit.SECONDS);
            }
            assertEquals(0, missing.get(), "workers were handed an empty slot");
            assertEquals(0, outcomes.duplicates());
            assertEquals(rounds * 4 * perThread, outcomes.count(Outcome.SUCCESS));
        } finally {
            p.stop();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"blocking", "sleeping", "yielding", "busySpin"})
    void everyWaitStrategyDeliversEveryEventAndStopsCleanly(String strategy) throws Exception {
        Processor p = Processor.builder()
                .name("wait-" + strategy)
                .withoutControlServer()
                .handler((ctx, e) -> e.id())
                .trigger(
                        "ws-" + strategy,
                        "direct",
                        t -> t.numWorkers(3).waitStrategy(strategy).waitingListSize(BURST))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("ws-" + strategy);
            Outcomes outcomes = new Outcomes();
            for (int i = 0; i < 20_000; i++) {
                d.dispatch(TestEvent.of(Integer.toString(i), ""), outcomes);
                if (i % 5000 == 0) {
                    outcomes.await(i + 1, 30, TimeUnit.SECONDS); // the workers ran out of work ...
                    Thread.sleep(20); // ... and go idle (park, nap or spin): waking them is the behaviour under test
                }
            }
            outcomes.await(20_000, 30, TimeUnit.SECONDS);
            assertEquals(20_000, outcomes.count(Outcome.SUCCESS));
            assertEquals(0, outcomes.duplicates());
        } finally {
            p.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void aBurstOfEventsSpreadsOverEveryWorker() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch allFourInside = new CountDownLatch(4);
        Processor p = direct("burst", 4)
                .handler((ctx, e) -> {
                    threads.add(Thread.currentThread().getName());
                    allFourInside.countDown();
                    // each holds its worker until all four are inside: only four workers at once get there
                    return allFourInside.await(30, TimeUnit.SECONDS) ? "together" : "alone";
                })
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("burst");
            Outcomes outcomes = new Outcomes();
            for (int i = 0; i < 4; i++) {
                d.dispatch(TestEvent.of("b" + i, ""), outcomes);
            }
            outcomes.await(4, 60, TimeUnit.SECONDS);
            for (int i = 0; i < 4; i++) {
                assertEquals(
                        "together",
                        outcomes.get("b" + i).response().bodyAsString(),
                        "the four events ran at the same time");
            }
            assertEquals(4, threads.size(), "four workers took part");
        } finally {
            p.stop();
        }
    }

    @Test
    void namedHandlerClassGetsOneInstanceAndOneInitPerWorkerAndIsClosedOnStop(@TempDir Path dir) throws Exception {
        try (Tally tally = Tally.open()) {
            Path yaml = Files.writeString(
                    dir.resolve("function.yaml"),
                    String.join(
                            "\n",
                            "metadata: {name: counted}",
                            "spec:",
                            "  handler: " + CountingHandler.class.getName(),
                            "  env: {GREETING: hi, " + CountingHandler.TALLY + ": " + tally.id() + "}",
                            "  triggers:",
                            "    named: {kind: direct, numWorkers: 3}",
                            ""));
            Processor p = Processor.builder()
                    .functionYaml(yaml)
                    .withoutControlServer()
                    .build()
                    .start();
            try {
                assertTrue(p.isReady());
                assertEquals(3, tally.count("instances"));
                assertEquals(3, tally.count("inits"));
                Outcomes outcomes = new Outcomes();
                DirectTriggerFactory.dispatcher("named").dispatch(TestEvent.of("1", ""), outcomes);
                outcomes.await(1, 5, TimeUnit.SECONDS);
                assertTrue(outcomes.get("1").response().bodyAsString().startsWith("hi from "));
            } finally {
                p.stop();
            }
            assertFalse(p.isReady());
            assertEquals(3, tally.count("closes"));
        }
    }

    @Test
    void aSlowStageTimesOutWithoutHoldingTheWorker() throws Exception {
        CompletableFuture<Object> never = new CompletableFuture<>();
        Processor p = direct("async", 1)
                .eventTimeout(Duration.ofMillis(200))
                .handler((ctx, e) -> e.id().equals("never") ? never : "quick")
                .build()
                .start();
        try {
            Outcomes outcomes = new Outcomes();
            Dispatcher d = DirectTriggerFactory.dispatcher("async");
            d.dispatch(TestEvent.of("never", ""), outcomes);
            d.dispatch(TestEvent.of("quick", ""), outcomes);
            outcomes.await(1, 5, TimeUnit.SECONDS);
            assertEquals(
                    Outcome.SUCCESS, outcomes.get("quick").outcome(), "the worker was free while the stage waited");
            outcomes.await(2, 5, TimeUnit.SECONDS);
            assertEquals(Outcome.TIMEOUT, outcomes.get("never").outcome());
            assertEquals(504, outcomes.get("never").response().status());
            never.complete("too late");
            // nothing must happen: the late result stays dropped for a while (a bounded wait, not a timing check)
            await().during(Duration.ofMillis(200))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> outcomes.duplicates() == 0);
        } finally {
            p.stop();
        }
    }

    @Test
    void stopDrainsRunningEventsAndRejectsWhatComesAfter() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        Processor p = direct("drain", 2)
                .handler((ctx, e) -> {
                    started.countDown();
                    Thread.sleep(300); // a slow handler, still running when stop is called: the behaviour under test
                    return "done";
                })
                .build()
                .start();
        Dispatcher d = DirectTriggerFactory.dispatcher("drain");
        Outcomes outcomes = new Outcomes();
        try {
            d.dispatch(TestEvent.of("a", ""), outcomes);
            d.dispatch(TestEvent.of("b", ""), outcomes);
            assertTrue(started.await(5, TimeUnit.SECONDS));
        } finally {
            p.stop(Duration.ofSeconds(5));
        }
        assertEquals(Outcome.SUCCESS, outcomes.get("a").outcome());
        assertEquals(Outcome.SUCCESS, outcomes.get("b").outcome());
        d.dispatch(TestEvent.of("late", ""), outcomes);
        assertEquals(Outcome.REJECTED, outcomes.get("late").outcome());
        assertEquals(503, outcomes.get("late").response().status());
    }

    @Test
    void queuedEventsLeftAtTheDrainTimeoutAreRejectedNotDropped() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Processor p = direct("leftover", 1)
                .handler((ctx, e) -> {
                    release.await(2, TimeUnit.SECONDS);
                    return "done";
                })
                .build()
                .start();
        Dispatcher d = DirectTriggerFactory.dispatcher("leftover");
        Outcomes outcomes = new Outcomes();
        for (int i = 0; i < 5; i++) {
            d.dispatch(TestEvent.of("e" + i, ""), outcomes);
        }
        p.stop(Duration.ofMillis(100));
        release.countDown();
        outcomes.await(5, 10, TimeUnit.SECONDS);
        assertEquals(0, outcomes.duplicates());
        assertEquals(
                5,
                outcomes.count(Outcome.REJECTED) + outcomes.count(Outcome.TIMEOUT) + outcomes.count(Outcome.SUCCESS));
        assertTrue(outcomes.count(Outcome.REJECTED) >= 3, "queued events are rejected");
    }

    @Test
    void eachWorkerHasItsOwnUserData() throws Exception {
        Set<Object> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch together = new CountDownLatch(2);
        Processor p = direct("data", 2)
                .handler(new io.nucleon.api.Handler() {
                    @Override
                    public void init(io.nucleon.api.Context ctx) {
                        ctx.userData().put("mine", new Object());
                    }

                    @Override
                    public Object handle(io.nucleon.api.Context ctx, io.nucleon.api.Event e) throws Exception {
                        seen.add(ctx.userData().get("mine"));
                        together.countDown();
                        together.await(5, TimeUnit.SECONDS);
                        return Response.noContent();
                    }
                })
                .build()
                .start();
        try {
            Outcomes outcomes = new Outcomes();
            DirectTriggerFactory.dispatcher("data").dispatch(TestEvent.of("1", ""), outcomes);
            DirectTriggerFactory.dispatcher("data").dispatch(TestEvent.of("2", ""), outcomes);
            outcomes.await(2, 10, TimeUnit.SECONDS);
            assertEquals(2, seen.size());
        } finally {
            p.stop();
        }
    }

    @Test
    void aFailingInitStopsTheStartWithItsCause() {
        Processor p = direct("init", 2)
                .handler(new io.nucleon.api.Handler() {
                    @Override
                    public void init(io.nucleon.api.Context ctx) {
                        throw new IllegalStateException("no database");
                    }

                    @Override
                    public Object handle(io.nucleon.api.Context ctx, io.nucleon.api.Event e) {
                        return null;
                    }
                })
                .build();
        Exception e = assertThrows(IllegalStateException.class, p::start);
        assertEquals("no database", e.getMessage());
        assertFalse(p.isReady());
    }

    @Test
    void unknownTriggerKindAndMissingHandlerClassAreConfigErrors() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("f")
                        .handler("com.example.Missing")
                        .trigger("t", "smoke-signal", t -> {})
                        .build());
        assertTrue(
                e.getMessage().contains("spec.handler: class 'com.example.Missing' was not found on the classpath"),
                e.getMessage());
        assertTrue(
                e.getMessage().contains("spec.triggers.t.kind: unknown trigger kind 'smoke-signal'; available: direct"),
                e.getMessage());
    }

    @Test
    void unknownTriggerAttributeNamesItsPath() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("f")
                        .handler((ctx, ev) -> null)
                        .trigger("t", "direct", t -> t.attribute("redy", true))
                        .build());
        assertEquals("spec.triggers.t.attributes.redy: unknown attribute; allowed: ready", e.getMessage());
        e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("f")
                        .handler((ctx, ev) -> null)
                        .trigger("t", "direct", t -> t.attribute("ready", "maybe"))
                        .build());
        assertTrue(e.getMessage().startsWith("spec.triggers.t.attributes.ready: "), e.getMessage());
    }

    @Test
    void readinessFollowsTheTriggers() throws Exception {
        Processor p = Processor.builder()
                .name("f")
                .withoutControlServer()
                .handler((ctx, e) -> null)
                .trigger("notready", "direct", t -> t.attribute("ready", false))
                .build()
                .start();
        try {
            assertFalse(p.isReady());
        } finally {
            p.stop();
        }
    }
}
