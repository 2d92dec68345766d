package io.nucleon.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Event;
import io.nucleon.api.Processor;
import io.nucleon.api.Response;
import io.nucleon.core.testing.DirectTriggerFactory;
import io.nucleon.core.testing.Outcomes;
import io.nucleon.core.testing.TestEvent;
import io.nucleon.core.worker.WorkerPool;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** How an event ends: the response only for a completion that wants one, and the next event handed to the same worker. */
class CompletionTest {

    /** A result Jackson cannot serialise: its one property throws. */
    public static final class Unserialisable {
        public String getValue() {
            throw new IllegalStateException("not serialisable");
        }
    }

    /** An {@link Outcomes} for a trigger that only acks or commits. */
    private static final class OutcomeOnly implements Completion {
        final Outcomes outcomes = new Outcomes();

        @Override
        public boolean wantsResponse() {
            return false;
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            outcomes.complete(event, outcome, response, error);
        }
    }

    private static Processor start(String trigger, int workers, io.nucleon.api.Handler handler) throws Exception {
        return Processor.builder()
                .name("completion-test")
                .withoutControlServer()
                .eventTimeout(Duration.ofSeconds(30))
                .trigger(trigger, "direct", t -> t.numWorkers(workers))
                .handler(handler)
                .build()
                .start();
    }

    @Test
    void aResultThatCannotBeSerialisedSucceedsForACompletionThatWantsNoResponseAndFailsForOneThatDoes()
            throws Exception {
        Processor p = start(
                "plain",
                1,
                (ctx, e) -> e.id().startsWith("stage")
                        ? java.util.concurrent.CompletableFuture.supplyAsync(Unserialisable::new)
                        : new Unserialisable());
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("plain");
            OutcomeOnly outcomeOnly = new OutcomeOnly();
            Outcomes withResponse = new Outcomes();
            d.dispatch(TestEvent.of("sync", ""), outcomeOnly);
            d.dispatch(TestEvent.of("stage", ""), outcomeOnly);
            d.dispatch(TestEvent.of("sync", ""), withResponse);
            d.dispatch(TestEvent.of("stage", ""), withResponse);
            outcomeOnly.outcomes.await(2, 10, TimeUnit.SECONDS);
            withResponse.await(2, 10, TimeUnit.SECONDS);
            for (String id : List.of("sync", "stage")) {
                Outcomes.Result handled = outcomeOnly.outcomes.get(id);
                assertEquals(Outcome.SUCCESS, handled.outcome(), id);
                assertNull(handled.response(), "no response is built for a completion that wants none");
                Outcomes.Result failed = withResponse.get(id);
                assertEquals(Outcome.HANDLER_ERROR, failed.outcome(), id);
                assertEquals(500, failed.response().status());
                assertTrue(
                        failed.error().getMessage().contains("cannot be serialised as JSON"),
                        failed.error().getMessage());
            }
        } finally {
            p.stop();
        }
    }

    /**
     * A completion that hands out one event per finished one (as a Kafka partition does) keeps the
     * chain on the worker that finished: nobody else is woken for it.
     */
    @Test
    void theNextEventHandedOffByACompletionRunsOnTheWorkerThatFinished() throws Exception {
        int chain = 200;
        List<Integer> workers = new CopyOnWriteArrayList<>();
        Processor p = start("chain", 4, (ctx, e) -> {
            workers.add(ctx.workerId());
            return null;
        });
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("chain");
            awaitAllAsleep(d, 4);
            CountDownLatch done = new CountDownLatch(1);
            d.dispatch(TestEvent.of("0", ""), new Chain(chain, done));
            assertTrue(done.await(10, TimeUnit.SECONDS), "the chain ended");
            assertEquals(chain, workers.size());
            assertEquals(1, workers.stream().distinct().count(), "one worker ran the whole chain: " + workers);
        } finally {
            p.stop();
        }
    }

    /** Dispatches event n+1 through {@code next} when event n ends. */
    private record Chain(int length, CountDownLatch done) implements Completion {
        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            throw new AssertionError("the engine calls the five-argument complete");
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error, Dispatcher next) {
            int n = Integer.parseInt(event.id()) + 1;
            if (outcome != Outcome.SUCCESS || n == length) {
                done.countDown();
                return;
            }
            next.dispatch(TestEvent.of(Integer.toString(n), ""), this);
        }
    }

    /**
     * Only the first event of a completion's handoff goes without a wake-up: the second one needs
     * another worker (the first blocks until the second has run), and a handoff used later from
     * another thread is an ordinary dispatch that wakes a sleeping worker.
     */
    @Test
    void onlyTheFirstEventOfAHandoffSkipsTheWakeUpAndALaterHandoffIsAnOrdinaryDispatch() throws Exception {
        CountDownLatch secondRan = new CountDownLatch(1);
        Processor p = start("fan", 2, (ctx, e) -> {
            switch (e.id()) {
                case "first" -> assertTrue(secondRan.await(10, TimeUnit.SECONDS), "the second event ran meanwhile");
                case "second" -> secondRan.countDown();
                default -> {}
            }
            return null;
        });
        try {
            Dispatcher d = DirectTriggerFactory.dispatcher("fan");
            awaitAllAsleep(d, 2);
            Outcomes outcomes = new Outcomes();
            AtomicReference<Dispatcher> kept = new AtomicReference<>();
            d.dispatch(TestEvent.of("start", ""), new Completion() {
                @Override
                public void complete(Event event, Outcome outcome, Response response, Throwable error) {
                    throw new AssertionError("the engine calls the five-argument complete");
                }

                @Override
                public void complete(
                        Event event, Outcome outcome, Response response, Throwable error, Dispatcher next) {
                    next.dispatch(TestEvent.of("first", ""), outcomes);
                    next.dispatch(TestEvent.of("second", ""), outcomes);
                    kept.set(next);
                }
            });
            outcomes.await(2, 15, TimeUnit.SECONDS);
            assertEquals(2, outcomes.count(Outcome.SUCCESS));

            awaitAllAsleep(d, 2);
            kept.get()
                    .dispatch(
                            TestEvent.of("later", ""),
                            outcomes); // this thread: not the worker's, not in its completion
            outcomes.await(3, 10, TimeUnit.SECONDS);
            assertEquals(Outcome.SUCCESS, outcomes.get("later").outcome());
        } finally {
            p.stop();
        }
    }

    private static void awaitAllAsleep(Dispatcher d, int workers) {
        WorkerPool pool = (WorkerPool) d;
        await().atMost(Duration.ofSeconds(10))
                .until(() -> pool.status().get("sleeping").equals(workers));
    }
}
