package io.nucleon.runtime.external;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.runtime.external.ExternalRuntimeTest.Running;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Events sent to a wrapper ahead of its answers ({@code runtimeAttributes.eventsInFlight}): under load
 * one worker keeps its wrapper fed, every caller still gets its own answer, and when the wrapper
 * dies or an event times out with others queued behind it in the wrapper, those others are run
 * again by a fresh wrapper, not lost and not failed.
 */
class EventsInFlightTest {

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"python, shm", "python, uds", "nodejs, uds"})
    void underLoadOneWorkerSendsEventsAheadAndEveryCallerGetsItsOwnAnswer(String runtime, String transport)
            throws Exception {
        try (Running f = new Running(
                runtime,
                "echo:handler",
                runtime.equals("python") ? "python" : "node",
                transport,
                1,
                Duration.ofSeconds(10),
                b -> b.runtimeAttribute("eventsInFlight", 8))) {
            ExecutorService callers = Executors.newFixedThreadPool(16);
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int caller = c;
                all.add(callers.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        String body = "caller " + caller + " request " + i;
                        HttpResponse<byte[]> r = f.send("POST", "/echo", body.getBytes());
                        assertEquals(200, r.statusCode(), () -> new String(r.body()));
                        assertEquals(body, new String(r.body()));
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> each : all) {
                    each.get();
                }
            } finally {
                callers.shutdownNow();
            }
            assertTrue(sentAhead(f) > 0, () -> "no event was sent ahead: " + f.runtimeStatus());
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"python, shm", "python, uds", "nodejs, uds"})
    void whenTheWrapperDiesTheEventsQueuedInItBehindTheFatalOneAreRunAgain(String runtime, String transport)
            throws Exception {
        try (WrapperLogTest.Capture capture = new WrapperLogTest.Capture(runtime);
                Running f = new Running(
                        runtime,
                        "echo:handler",
                        runtime.equals("python") ? "python" : "node",
                        transport,
                        1,
                        Duration.ofSeconds(20),
                        b -> b.runtimeAttribute("eventsInFlight", 8))) {
            // The one worker holds a sleeping event while the fatal one and five others queue behind it;
            // when it wakes it takes all six at once and sends them to the wrapper in one go.
            CompletableFuture<HttpResponse<String>> sleeper = async(f, "GET", "/sleep?seconds=2", null);
            await().atMost(Duration.ofSeconds(20)).until(() -> capture.count(ExternalRuntimeTest.SLEEPING) == 1);
            CompletableFuture<HttpResponse<String>> fatal = async(f, "GET", "/exit", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued(f) == 1);
            List<CompletableFuture<HttpResponse<String>>> behind = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                behind.add(async(f, "POST", "/echo", "behind " + i));
                int expected = i + 2;
                await().atMost(Duration.ofSeconds(10)).until(() -> queued(f) == expected);
            }
            assertEquals(200, sleeper.get().statusCode());
            HttpResponse<String> died = fatal.get();
            assertEquals(502, died.statusCode(), died.body());
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = behind.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("behind " + i, r.body());
            }
            assertTrue(sentAhead(f) > 0, () -> "the queued events were not sent ahead: " + f.runtimeStatus());
            assertEquals(1L, ((Number) f.runtimeStatus().get("restarts")).longValue());
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void whenAnEventTimesOutTheEventsQueuedInTheWrapperBehindItAreRunAgain(String runtime, String transport)
            throws Exception {
        try (WrapperLogTest.Capture capture = new WrapperLogTest.Capture(runtime);
                Running f = new Running(
                        runtime,
                        "echo:handler",
                        runtime.equals("python") ? "python" : "node",
                        transport,
                        1,
                        Duration.ofSeconds(4),
                        b -> b.runtimeAttribute("eventsInFlight", 8))) {
            CompletableFuture<HttpResponse<String>> first = async(f, "GET", "/sleep?seconds=2", null);
            await().atMost(Duration.ofSeconds(20)).until(() -> capture.count(ExternalRuntimeTest.SLEEPING) == 1);
            CompletableFuture<HttpResponse<String>> stuck = async(f, "GET", "/sleep?seconds=30", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued(f) == 1);
            List<CompletableFuture<HttpResponse<String>>> behind = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                behind.add(async(f, "POST", "/echo", "behind " + i));
                int expected = i + 2;
                await().atMost(Duration.ofSeconds(10)).until(() -> queued(f) == expected);
            }
            long t0 = System.nanoTime();
            assertEquals(200, first.get().statusCode());
            HttpResponse<String> timedOut = stuck.get();
            assertEquals(504, timedOut.statusCode(), timedOut.body());
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> r = behind.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("behind " + i, r.body());
            }
            assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "answered near the timeout, not after the sleep");
            assertTrue(sentAhead(f) > 0, () -> "the queued events were not sent ahead: " + f.runtimeStatus());
        }
    }

    private static CompletableFuture<HttpResponse<String>> async(Running f, String method, String path, String body) {
        return ExternalRuntimeTest.HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.port + path))
                        .timeout(Duration.ofSeconds(60))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static long queued(Running f) {
        Map<String, Object> trigger =
                ((List<Map<String, Object>>) f.processor.status().get("triggers")).get(0);
        return ((Number) ((Map<String, Object>) trigger.get("pool")).get("queued")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static long sentAhead(Running f) {
        return ((List<Map<String, Object>>) f.runtimeStatus().get("wrappers"))
                .stream()
                        .mapToLong(w -> ((Number) w.getOrDefault("eventsSentAhead", 0L)).longValue())
                        .sum();
    }
}
