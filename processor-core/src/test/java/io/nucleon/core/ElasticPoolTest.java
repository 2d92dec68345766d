package io.nucleon.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.core.testing.DirectTriggerFactory;
import io.nucleon.core.testing.Outcomes;
import io.nucleon.core.testing.TestEvent;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Elastic pools ({@code minWorkers} below {@code numWorkers}): they grow while events find no idle
 * worker, retire workers idle past {@code workerIdleTimeout} down to {@code minWorkers}, lose and
 * repeat no event while doing so, count the minimum for readiness, and show their size in
 * {@code /status} and {@code /metrics}.
 */
class ElasticPoolTest {

    private static Processor.Builder function(String name) {
        return Processor.builder().name(name).withoutControlServer();
    }

    @Test
    void growsWhileEventsFindNoIdleWorkerAndRetiresIdleWorkersDownToMinWorkers() throws Exception {
        Semaphore go = new Semaphore(0);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        Set<Integer> closedWorkers = ConcurrentHashMap.newKeySet();
        Handler handler = new Handler() {
            @Override
            public Object handle(Context ctx, Event e) throws Exception {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    assertTrue(go.tryAcquire(30, TimeUnit.SECONDS));
                } finally {
                    running.decrementAndGet();
                }
                return "ok";
            }

            @Override
            public void close(Context ctx) {
                closedWorkers.add(ctx.workerId());
            }
        };
        Processor p = function("grow")
                .handler(handler)
                .trigger("g", "direct", t -> t.numWorkers(4).minWorkers(1).workerIdleTimeout(Duration.ofMillis(300)))
                .build()
                .start();
        try {
            Map<String, Object> pool = pool(p);
            assertEquals(1, pool.get("workers"), "starts with minWorkers");
            assertEquals(1, pool.get("minWorkers"));
            assertEquals(4, pool.get("maxWorkers"));
            assertEquals(300L, pool.get("workerIdleTimeoutMs"));
            assertTrue(p.isReady());

            Dispatcher d = DirectTriggerFactory.dispatcher("g");
            Outcomes outcomes = new Outcomes();
            for (int i = 0; i < 4; i++) {
                d.dispatch(TestEvent.of("e" + i, ""), outcomes);
            }
            // one worker at a time joins while events wait, until all four run at once
            await().atMost(Duration.ofSeconds(20)).until(() -> running.get() == 4);
            assertEquals(4, pool(p).get("workers"));
            assertEquals(4, mostAtOnce.get());
            String metrics = scrape(p);
            assertTrue(
                    metrics.contains(
                            "nucleon_workers_state{function=\"grow\",kind=\"direct\",state=\"busy\",trigger=\"g\"}"
                                    + " 4.0"),
                    metrics);
            assertTrue(
                    metrics.contains("nucleon_workers_max{function=\"grow\",kind=\"direct\",trigger=\"g\"} 4.0"),
                    metrics);
            assertTrue(
                    metrics.contains("nucleon_workers_min{function=\"grow\",kind=\"direct\",trigger=\"g\"} 1.0"),
                    metrics);
            assertTrue(
                    metrics.contains("nucleon_worker_grows_total{function=\"grow\",kind=\"direct\",trigger=\"g\"} 3.0"),
                    metrics);

            go.release(4);
            outcomes.await(4, 10, TimeUnit.SECONDS);
            assertEquals(4, outcomes.count(Outcome.SUCCESS));
            // idle past 300 ms, three retire (their handlers' close hooks run); one stays
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> pool(p).get("workers").equals(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> closedWorkers.size() == 3);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> pool(p).get("retiring").equals(0));
            assertTrue(p.isReady(), "ready at minWorkers");
            assertTrue(scrape(p)
                    .contains("nucleon_worker_retirements_total{function=\"grow\",kind=\"direct\",trigger=\"g\"} 3.0"));

            // and it grows again when the load comes back
            for (int i = 4; i < 6; i++) {
                d.dispatch(TestEvent.of("e" + i, ""), outcomes);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> running.get() == 2);
            go.release(2);
            outcomes.await(6, 10, TimeUnit.SECONDS);
            assertEquals(6, outcomes.count(Outcome.SUCCESS));
            assertEquals(0, outcomes.duplicates());
        } finally {
            p.stop();
        }
    }

    @ParameterizedTest(name = "waitStrategy {0}")
    @ValueSource(strings = {"blocking", "sleeping"})
    void losesAndRepeatsNoEventWhileWorkersComeAndGo(String waitStrategy) throws Exception {
        AtomicInteger handled = new AtomicInteger();
        Processor p = function("churn")
                .handler((ctx, e) -> {
                    handled.incrementAndGet();
                    long until = System.nanoTime() + 200_000; // a little work, so that events pile up
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    return "ok";
                })
                .trigger(
                        "c",
                        "direct",
                        t -> t.numWorkers(3)
                                .minWorkers(0)
                                .workerIdleTimeout(Duration.ofMillis(5))
                                .workerQueueSize(8)
                                .waitingListSize(64)
                                .waitStrategy(waitStrategy)
                                .workerAvailabilityTimeout(Duration.ofSeconds(30)))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("c");
            Outcomes outcomes = new Outcomes();
            int n = 0;
            for (int round = 0; round < 15; round++) {
                for (int i = 0; i < 40; i++) {
                    d.dispatch(TestEvent.of("e" + n++, ""), outcomes);
                }
                outcomes.await(n, 30, TimeUnit.SECONDS);
                if (round % 3 == 0) { // now and then all the way down to no worker at all
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> pool(p).get("workers").equals(0));
                }
            }
            assertEquals(n, outcomes.count(Outcome.SUCCESS), () -> "outcomes: " + outcomes.size());
            assertEquals(n, handled.get());
            assertEquals(0, outcomes.duplicates());
            // an event counts as ended just after its completion was called
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> pool(p).get("inFlight").equals(0L));
        } finally {
            p.stop();
        }
    }

    @Test
    void withMinWorkersZeroItIsReadyWithNoWorkerAndTheFirstEventStartsOne() throws Exception {
        AtomicInteger inits = new AtomicInteger();
        Handler handler = new Handler() {
            @Override
            public Object handle(Context ctx, Event e) {
                return "worker " + ctx.workerId();
            }

            @Override
            public void init(Context ctx) {
                inits.incrementAndGet();
            }
        };
        Processor p = function("zero")
                .handler(handler)
                .trigger("z", "direct", t -> t.numWorkers(2).minWorkers(0).workerIdleTimeout(Duration.ofMillis(100)))
                .build()
                .start();
        try {
            assertEquals(1, inits.get(), "one worker started with the pool, proving the handler's init");
            assertEquals(1, pool(p).get("workers"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> pool(p).get("workers").equals(0));
            assertTrue(p.isReady(), "ready with no worker: minWorkers is 0");
            Outcomes outcomes = new Outcomes();
            DirectTriggerFactory.dispatcher("z").dispatch(TestEvent.of("first", ""), outcomes);
            outcomes.await(1, 10, TimeUnit.SECONDS);
            assertEquals(Outcome.SUCCESS, outcomes.get("first").outcome());
            assertEquals(2, inits.get());
        } finally {
            p.stop();
        }
    }

    @Test
    void readinessCountsTheMinimumAndTheStartingWorkersAreNotYetServing() throws Exception {
        CountDownLatch slowInit = new CountDownLatch(1);
        AtomicInteger inits = new AtomicInteger();
        Semaphore go = new Semaphore(0);
        Handler handler = new Handler() {
            @Override
            public Object handle(Context ctx, Event e) throws Exception {
                assertTrue(go.tryAcquire(30, TimeUnit.SECONDS));
                return "ok";
            }

            @Override
            public void init(Context ctx) throws Exception {
                if (inits.incrementAndGet() > 2) {
                    assertTrue(slowInit.await(30, TimeUnit.SECONDS)); // a worker started on demand starts slowly
                }
            }
        };
        Processor p = function("ready")
                .handler(handler)
                .trigger("r", "direct", t -> t.numWorkers(3).minWorkers(2))
                .build()
                .start();
        try {
            assertTrue(p.isReady(), "two workers, the minimum, serve");
            assertEquals(2, pool(p).get("workers"));
            Dispatcher d = DirectTriggerFactory.dispatcher("r");
            Outcomes outcomes = new Outcomes();
            for (int i = 0; i < 3; i++) {
                d.dispatch(TestEvent.of("e" + i, ""), outcomes);
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> pool(p).get("starting").equals(1));
            assertEquals(3, pool(p).get("workers"));
            assertTrue(p.isReady(), "a worker starting above the minimum changes nothing");
            // the third event waits for a serving worker, not for the one that is starting
            go.release(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() == 1);
            go.release(2);
            outcomes.await(3, 10, TimeUnit.SECONDS);
            assertEquals(1, pool(p).get("starting"), "all three events ran while the third worker was starting");
            slowInit.countDown();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> pool(p).get("starting").equals(0));
            assertEquals(3, outcomes.count(Outcome.SUCCESS));
        } finally {
            slowInit.countDown();
            p.stop();
        }
    }

    @Test
    void aWorkerThatFailsToStartOnDemandIsLoggedBackedOffAndThePoolKeepsServing() throws Exception {
        AtomicInteger inits = new AtomicInteger();
        Semaphore go = new Semaphore(0);
        Handler handler = new Handler() {
            @Override
            public Object handle(Context ctx, Event e) throws Exception {
                assertTrue(go.tryAcquire(30, TimeUnit.SECONDS));
                return "ok";
            }

            @Override
            public void init(Context ctx) {
                if (inits.incrementAndGet() > 1) {
                    throw new IllegalStateException("no more connections for worker " + ctx.workerId());
                }
            }
        };
        Processor p = function("failing")
                .handler(handler)
                .trigger("f", "direct", t -> t.numWorkers(3).minWorkers(1))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("f");
            Outcomes outcomes = new Outcomes();
            for (int i = 0; i < 3; i++) {
                d.dispatch(TestEvent.of("e" + i, ""), outcomes);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> scrape(p)
                            .contains(
                                    "nucleon_worker_start_failures_total{function=\"failing\",kind=\"direct\",trigger=\"f\"}"
                                            + " 1.0"));
            assertEquals(1, pool(p).get("workers"), "the failed worker's place is free again");
            assertTrue(p.isReady(), "the minimum still serves");
            go.release(3);
            outcomes.await(3, 10, TimeUnit.SECONDS);
            assertEquals(3, outcomes.count(Outcome.SUCCESS), "the one worker served them all");
            // no hot loop: after one failure the next attempt waits at least a second
            assertTrue(inits.get() <= 3, "inits: " + inits.get());
        } finally {
            p.stop();
        }
    }

    @Test
    void timedOutWorkersOfAnElasticPoolAreReplacedAndThePoolStillShrinks() throws Exception {
        CountDownLatch unstick = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        Processor p = function("stuck")
                .handler((ctx, e) -> {
                    if (e.id().startsWith("stuck")) {
                        running.incrementAndGet();
                        while (true) { // ignores the interrupt until the test lets go
                            try {
                                if (unstick.await(30, TimeUnit.SECONDS)) {
                                    return "late";
                                }
                            } catch (InterruptedException ignored) {
                                // keeps its thread
                            }
                        }
                    }
                    return "ok";
                })
                .eventTimeout(Duration.ofMillis(300))
                .trigger("s", "direct", t -> t.numWorkers(3).minWorkers(1).workerIdleTimeout(Duration.ofMillis(200)))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("s");
            Outcomes outcomes = new Outcomes();
            for (int i = 0; i < 3; i++) {
                d.dispatch(TestEvent.of("stuck" + i, ""), outcomes);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> running.get() == 3);
            outcomes.await(3, 10, TimeUnit.SECONDS);
            assertEquals(3, outcomes.count(Outcome.TIMEOUT));
            assertEquals(3, pool(p).get("abandonedWorkers"), "three stuck threads, each replaced");
            assertEquals(3, pool(p).get("workers"));
            assertTrue(p.isReady());
            // the replacements serve, then retire when idle, down to the minimum
            for (int i = 0; i < 3; i++) {
                d.dispatch(TestEvent.of("ok" + i, ""), outcomes);
            }
            outcomes.await(6, 10, TimeUnit.SECONDS);
            assertEquals(3, outcomes.count(Outcome.SUCCESS));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> pool(p).get("workers").equals(1));
            unstick.countDown();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> pool(p).get("abandonedWorkers").equals(0));
            assertFalse(outcomes.duplicates() > 0);
        } finally {
            unstick.countDown();
            p.stop();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pool(Processor p) {
        List<Map<String, Object>> triggers =
                (List<Map<String, Object>>) p.status().get("triggers");
        return (Map<String, Object>) triggers.get(0).get("pool");
    }

    private static String scrape(Processor p) {
        return ((FunctionProcessor) p).meterRegistry().scrape();
    }
}
