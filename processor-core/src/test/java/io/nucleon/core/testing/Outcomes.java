package io.nucleon.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/** Records how each event completed, and fails on a second completion of the same event. */
public final class Outcomes implements Completion {
    public record Result(Outcome outcome, Response response, Throwable error) {}

    private final Map<String, Result> results = new ConcurrentHashMap<>();
    private final AtomicInteger duplicates = new AtomicInteger();

    @Override
    public void complete(Event event, Outcome outcome, Response response, Throwable error) {
        if (results.putIfAbsent(event.id(), new Result(outcome, response, error)) != null) {
            duplicates.incrementAndGet();
        }
    }

    public Result get(String id) {
        return results.get(id);
    }

    public int size() {
        return results.size();
    }

    public int duplicates() {
        return duplicates.get();
    }

    public long count(Outcome outcome) {
        return results.values().stream().filter(r -> r.outcome() == outcome).count();
    }

    /** Waits until {@code n} events have completed. */
    public void await(int n, long timeout, TimeUnit unit) {
        Awaitility.await()
                .atMost(timeout, unit)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(2))
                .untilAsserted(() -> assertTrue(
                        results.size() >= n, () -> "only " + results.size() + " of " + n + " events completed"));
    }
}
