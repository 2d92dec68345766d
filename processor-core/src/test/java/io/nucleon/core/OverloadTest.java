package io.nucleon.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Processor;
import io.nucleon.core.testing.DirectTriggerFactory;
import io.nucleon.core.testing.Outcomes;
import io.nucleon.core.testing.TestEvent;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a worker pool does when it is full: dispatch never blocks the dispatching thread; a full
 * queue either rejects at once or lets events wait, thread-less, on a bounded waiting list; nothing
 * waits past the availability timeout; and handlers that ignore their deadline cost at most
 * {@code maxAbandonedWorkers} extra threads before the lost capacity shows.
 */
class OverloadTest {

    private static Processor.Builder function(String name) {
        return Processor.builder().name(name).withoutControlServer();
    }

    /**
     * A dispatch that returns within this many ms did not wait for room: waiting would take the
     * availability timeout (2.5 s or more here) or a handler's release (seconds). Generous, so that a
     * busy machine's scheduling delays do not count as waiting.
     */
    private static final long DID_NOT_WAIT_MS = 2000;

    @Test
    void aFullQueueWithRejectAnswers503AtOnceWithRetryAfterOnTheDispatchingThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Processor p = function("reject")
                .handler((ctx, e) -> {
                    running.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "ok";
                })
                .trigger(
                        "r",
                        "direct",
                        t -> t.numWorkers(1)
                                .workerQueueSize(2)
                                .whenQueueFull("reject")
                                .workerAvailabilityTimeout(Duration.ofMillis(2500)))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("r");
            Outcomes outcomes = new Outcomes();
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                d.dispatch(TestEvent.of("e" + i, ""), outcomes);
                assertTrue(
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < DID_NOT_WAIT_MS,
                        "dispatch did not wait");
                if (i == 0) {
                    // the one worker holds e0 before the others come, so the queue's two places are all there is
                    assertTrue(running.await(30, TimeUnit.SECONDS), "the worker took e0");
                }
            }
            // one runs, two are queued: at least seven were rejected before dispatch returned
            long rejected = outcomes.count(Outcome.REJECTED);
            assertTrue(rejected >= 7, "rejected at once: " + rejected);
            Outcomes.Result r = outcomes.get("e9");
            assertEquals(Outcome.REJECTED, r.outcome());
            assertEquals(503, r.response().status());
            assertEquals(
                    "3", r.response().headers().get("Retry-After"), "the availability timeout, rounded up to seconds");
            String body = r.response().bodyAsString();
            assertTrue(
                    body.contains("\"error\":\"no worker available\"") && body.contains("whenQueueFull: reject"), body);
            release.countDown();
            outcomes.await(10, 10, TimeUnit.SECONDS);
            assertEquals(10 - rejected, outcomes.count(Outcome.SUCCESS));
            assertEquals(0, outcomes.duplicates());
        } finally {
            p.stop();
        }
    }

    @Test
    void aFullQueueWithWaitHoldsNoThreadAndServesTheWaitingListOldestFirst() throws Exception {
        Semaphore go = new Semaphore(0);
        List<String> order = new CopyOnWriteArrayList<>();
        Processor p = function("wait")
                .handler((ctx, e) -> {
                    assertTrue(go.tryAcquire(30, TimeUnit.SECONDS));
                    order.add(e.id());
                    return "ok";
                })
                .trigger(
                        "w",
                        "direct",
                        t -> t.numWorkers(1)
                                .workerQueueSize(1)
                                .waitingListSize(4)
                                .workerAvailabilityTimeout(Duration.ofSeconds(30)))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("w");
            Outcomes outcomes = new Outcomes();
            d.dispatch(TestEvent.of("e0", ""), outcomes);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> pool(p).get("available").equals(0));
            for (int i = 1; i <= 6; i++) {
                long t0 = System.nanoTime();
                d.dispatch(TestEvent.of("e" + i, ""), outcomes);
                assertTrue(
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < DID_NOT_WAIT_MS,
                        "dispatch did not wait");
            }
            // e0 runs, e1 is queued, e2..e5 wait on the list, e6 finds the list full
            assertEquals(Outcome.REJECTED, outcomes.get("e6").outcome());
            assertTrue(outcomes.get("e6").response().bodyAsString().contains("waiting list"));
            assertEquals(1, outcomes.size());
            Map<String, Object> pool = pool(p);
            assertEquals(4, pool.get("waiting"));
            assertEquals("wait", pool.get("whenQueueFull"));
            go.release(6);
            outcomes.await(7, 10, TimeUnit.SECONDS);
            assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e5"), order);
            assertEquals(6, outcomes.count(Outcome.SUCCESS));
            assertEquals(0, pool(p).get("waiting"));
        } finally {
            p.stop();
        }
    }

    @Test
    void eventsThatWaitPastTheAvailabilityTimeoutAreRejectedWhileTheWorkerIsStillBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        long timeoutMs = 300;
        Processor p = function("expire")
                .handler((ctx, e) -> {
                    release.await(30, TimeUnit.SECONDS);
                    return "ok";
                })
                .trigger(
                        "x",
                        "direct",
                        t -> t.numWorkers(1)
                                .workerQueueSize(2)
                                .waitingListSize(4)
                                .workerAvailabilityTimeout(Duration.ofMillis(timeoutMs)))
                .build()
                .start();
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("x");
            Map<String, Long> answeredAfterMs = new ConcurrentHashMap<>();
            Outcomes outcomes = new Outcomes();
            long[] sentAt = new long[7];
            d.dispatch(TestEvent.of("e0", ""), outcomes);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> pool(p).get("available").equals(0));
            for (int i = 1; i < 7; i++) {
                int n = i;
                sentAt[n] = System.nanoTime();
                d.dispatch(TestEvent.of("e" + n, ""), (event, outcome, response, error) -> {
                    answeredAfterMs.put(event.id(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt[n]));
                    outcomes.complete(event, outcome, response, error);
                });
            }
            // two wait in the queue, four on the waiting list; all six are answered while e0 still runs
            outcomes.await(6, 10, TimeUnit.SECONDS);
            assertEquals(6, outcomes.count(Outcome.REJECTED));
            for (int i = 1; i < 7; i++) {
                long ms = answeredAfterMs.get("e" + i);
                // not before the timeout; the upper bound is generous (a busy machine delays the timer), yet well
                // short of e0's release: the rejection came from the timeout, not from a worker freeing up
                assertTrue(ms >= timeoutMs && ms < timeoutMs + 5000, "e" + i + " answered after " + ms + " ms");
                assertTrue(outcomes.get("e" + i).response().bodyAsString().contains("within " + timeoutMs + " ms"));
            }
            assertEquals(0L, pool(p).get("queued"));
            release.countDown();
            outcomes.await(7, 10, TimeUnit.SECONDS);
            assertEquals(Outcome.SUCCESS, outcomes.get("e0").outcome());
        } finally {
            p.stop();
        }
    }

    @Test
    void stoppingRejectsWhatStillWaitsOnTheWaitingList() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Processor p = function("stop-wait")
                .handler((ctx, e) -> {
                    release.await(2, TimeUnit.SECONDS);
                    return "ok";
                })
                .trigger(
                        "s",
                        "direct",
                        t -> t.numWorkers(1)
                                .workerQueueSize(1)
                                .waitingListSize(8)
                                .workerAvailabilityTimeout(Duration.ofSeconds(30)))
                .build()
                .start();
        Dispatcher d = DirectTriggerFactory.dispatcher("s");
        Outcomes outcomes = new Outcomes();
        for (int i = 0; i < 6; i++) {
            d.dispatch(TestEvent.of("e" + i, ""), outcomes);
        }
        p.stop(Duration.ofMillis(100));
        release.countDown();
        outcomes.await(6, 10, TimeUnit.SECONDS);
        assertEquals(0, outcomes.duplicates());
        assertTrue(outcomes.count(Outcome.REJECTED) >= 4, "the waiting ones are rejected, not dropped");
    }

    @Test
    void handlersThatIgnoreTheirInterruptCostAtMostTheCapInThreadsThenTheLossShowsUntilOneReturns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Processor p = function("stuck")
                .eventTimeout(Duration.ofMillis(200))
                .handler((ctx, e) -> {
                    if (e.id().startsWith("stuck")) {
                        while (true) { // a handler that swallows every interrupt
                            try {
                                if (release.await(30, TimeUnit.SECONDS)) {
                                    break;
                                }
                            } catch (InterruptedException ignored) {
                                // carries on regardless
                            }
                        }
                    }
                    return "ok";
                })
                .trigger("t", "direct", t -> t.numWorkers(1).maxAbandonedWorkers(1))
                .build()
                .start();
        FunctionProcessor fp = (FunctionProcessor) p;
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("t");
            Outcomes outcomes = new Outcomes();
            d.dispatch(TestEvent.of("stuck-1", ""), outcomes);
            outcomes.await(1, 10, TimeUnit.SECONDS);
            assertEquals(504, outcomes.get("stuck-1").response().status());
            // under the cap: replaced, still ready
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> pool(p).get("available").equals(1));
            assertTrue(p.isReady());
            assertEquals(1, pool(p).get("abandonedWorkers"));

            d.dispatch(TestEvent.of("stuck-2", ""), outcomes);
            outcomes.await(2, 10, TimeUnit.SECONDS);
            assertEquals(504, outcomes.get("stuck-2").response().status());
            // at the cap: not replaced; the pool has no worker left and says so
            assertFalse(p.isReady());
            Map<String, Object> pool = pool(p);
            assertEquals(1, pool.get("lostWorkers"));
            assertEquals(2, pool.get("abandonedWorkers"));
            assertEquals(0, pool.get("available"));
            String metrics = fp.meterRegistry().scrape();
            assertTrue(
                    metrics.contains("nucleon_workers_lost{function=\"stuck\",kind=\"direct\",trigger=\"t\"} 1.0"),
                    metrics);
            assertTrue(
                    metrics.contains(
                            "nucleon_worker_losses_total{function=\"stuck\",kind=\"direct\",trigger=\"t\"} 1.0"),
                    metrics);
            String status = String.valueOf(fp.status());
            assertTrue(status.contains("maxAbandonedWorkers") && status.contains("1 of 1 workers are stuck"), status);

            // an event meanwhile waits; once the stuck handlers return the worker carries on and serves it
            d.dispatch(TestEvent.of("after", ""), outcomes);
            release.countDown();
            outcomes.await(3, 10, TimeUnit.SECONDS);
            assertEquals(Outcome.SUCCESS, outcomes.get("after").outcome());
            await().atMost(Duration.ofSeconds(5)).until(p::isReady);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> pool(p).get("abandonedWorkers").equals(0));
            assertEquals(0, pool(p).get("lostWorkers"));
        } finally {
            p.stop();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> triggerStatus(Processor p) {
        List<Map<String, Object>> triggers =
                (List<Map<String, Object>>) p.status().get("triggers");
        assertNotNull(triggers);
        return triggers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pool(Processor p) {
        return (Map<String, Object>) triggerStatus(p).get("pool");
    }
}
