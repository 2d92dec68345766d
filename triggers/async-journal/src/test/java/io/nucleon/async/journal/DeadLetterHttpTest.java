package io.nucleon.async.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.Json;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead-letter endpoints end to end: a real processor, the real http trigger on a free port, a
 * real journal (filled through {@link AsyncJournal} beforehand where many dead letters are needed).
 */
class DeadLetterHttpTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @AfterEach
    void noHook() {
        JournalIntake.beforeControlAnswer = null;
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.mapper().readTree(r.body());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(r.body(), e);
        }
    }

    /** A journal in {@code dir} holding {@code n} dead letters (e-00000 …), closed again. */
    private static List<String> journalWithDeadLetters(Path dir, int n) {
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            return Entries.deadLettered(j, 0, n);
        }
    }

    private static AsyncFunction start(Path journal, Map<String, Object> async) throws Exception {
        return AsyncFunction.start(
                (ctx, e) -> "ok " + e.bodyAsString(),
                journal.toString(),
                2,
                Duration.ofSeconds(10),
                a -> a.putAll(async));
    }

    private CompletableFuture<HttpResponse<String>> getAsync(AsyncFunction f, String path) {
        return f.http.sendAsync(
                HttpRequest.newBuilder(f.controlUri("/triggers/web" + path))
                        .timeout(WAIT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pagingThrough2500DeadLettersInPagesOf1000ReturnsEachOnceInOrder(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal");
        List<String> all = journalWithDeadLetters(journal, 2500);
        try (AsyncFunction f = start(journal, Map.of())) {
            List<String> seen = new ArrayList<>();
            List<Integer> pageSizes = new ArrayList<>();
            String after = null;
            do {
                HttpResponse<String> r =
                        f.adminGet("/dead-letters?limit=1000" + (after == null ? "" : "&after=" + after));
                assertEquals(200, r.statusCode(), r.body());
                JsonNode page = json(r);
                assertEquals(2500, page.get("total").asInt());
                JsonNode list = page.get("deadLetters");
                pageSizes.add(list.size());
                for (JsonNode d : list) {
                    seen.add(d.get("id").asText());
                }
                JsonNode first = list.get(0);
                assertEquals("POST", first.get("method").asText());
                assertEquals("/fn", first.get("path").asText());
                assertEquals(1, first.get("attempts").asInt());
                // written as full text (as an earlier build did): only its class is shown
                assertEquals("failed", first.get("error").asText(), first.toString());
                assertFalse(first.toString().contains("boom"), first.toString());
                assertTrue(first.hasNonNull("deadAt") && first.hasNonNull("receivedAt"), first.toString());
                after = page.get("next").isNull() ? null : page.get("next").asText();
                if (after != null) {
                    assertEquals(seen.get(seen.size() - 1), after, "next is the last id of the page");
                }
            } while (after != null);
            assertEquals(List.of(1000, 1000, 500), pageSizes);
            assertEquals(all, seen, "each dead letter exactly once, oldest first");

            JsonNode byDefault = json(f.adminGet("/dead-letters"));
            assertEquals(100, byDefault.get("deadLetters").size(), "limit defaults to 100");
            assertEquals(all.get(99), byDefault.get("next").asText());
        }
    }

    @Test
    void badParametersAre400NamingTheParameter(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal");
        journalWithDeadLetters(journal, 3);
        try (AsyncFunction f = start(journal, Map.of())) {
            Map<String, String> cases = Map.of(
                    "/dead-letters?limit=0", "limit",
                    "/dead-letters?limit=1001", "limit",
                    "/dead-letters?limit=ten", "limit",
                    "/dead-letters?limit=", "limit",
                    "/dead-letters?limit=1&limit=2", "limit",
                    "/dead-letters?after=", "after",
                    "/dead-letters?after=e-99999", "after",
                    "/dead-letters?page=2", "page");
            for (Map.Entry<String, String> c : cases.entrySet()) {
                HttpResponse<String> r = f.adminGet(c.getKey());
                assertEquals(400, r.statusCode(), c.getKey() + ": " + r.body());
                assertTrue(json(r).get("message").asText().contains(c.getValue()), c.getKey() + ": " + r.body());
            }
            HttpResponse<String> r = f.adminPost("/dead-letters/replay-all?limit=0");
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(json(r).get("message").asText().contains("limit"), r.body());
            r = f.adminPost("/dead-letters/replay-all?after=e-00000");
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(json(r).get("message").asText().contains("after"), r.body());
            assertEquals(
                    3, json(f.adminGet("/dead-letters")).get("total").asInt(), "nothing replayed by a bad request");
        }
    }

    @Test
    void listingIsAnsweredOnTheIntakesThreadWhileTheEventLoopGoesOn(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal");
        journalWithDeadLetters(journal, 3);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> thread = new AtomicReference<>();
        JournalIntake.beforeControlAnswer = path -> {
            thread.set(Thread.currentThread().getName());
            inside.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (AsyncFunction f = start(journal, Map.of())) {
            CompletableFuture<HttpResponse<String>> listing = getAsync(f, "/dead-letters");
            assertTrue(inside.await(20, TimeUnit.SECONDS), "the listing started");
            assertEquals("nucleon-async-control-web", thread.get());
            // while the listing is held, sync calls, async calls and status lookups are answered
            HttpResponse<String> sync = f.post("/x", "now");
            assertEquals(200, sync.statusCode(), sync.body());
            assertEquals("ok now", sync.body());
            HttpResponse<String> accepted = f.post("/async/x", "later");
            assertEquals(202, accepted.statusCode(), accepted.body());
            HttpResponse<String> status = f.get(json(accepted).get("status").asText());
            assertEquals(200, status.statusCode(), status.body());
            assertTrue(!listing.isDone(), "the listing is still held");
            release.countDown();
            HttpResponse<String> r = listing.get(20, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(3, json(r).get("total").asInt());
        }
    }

    @Test
    void aFullControlQueueIs503WithRetryAfter(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal");
        journalWithDeadLetters(journal, 1);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JournalIntake.beforeControlAnswer = path -> {
            inside.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (AsyncFunction f = start(journal, Map.of())) {
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            held.add(getAsync(f, "/dead-letters"));
            assertTrue(inside.await(20, TimeUnit.SECONDS), "the first listing holds the control thread");
            for (int i = 0; i < JournalIntake.CONTROL_QUEUE; i++) {
                held.add(getAsync(f, "/dead-letters?limit=1"));
            }
            await("the control queue full")
                    .atMost(WAIT)
                    .until(() -> ((Number) f.asyncStatus().get("deadLetterRequestsWaiting")).intValue()
                            == JournalIntake.CONTROL_QUEUE);
            HttpResponse<String> refused = f.adminGet("/dead-letters");
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals(
                    "1",
                    refused.headers().firstValue("Retry-After").orElse(null),
                    refused.headers().map().toString());
            assertTrue(json(refused).get("message").asText().contains("waiting"), refused.body());
            release.countDown();
            for (CompletableFuture<HttpResponse<String>> h : held) {
                assertEquals(200, h.get(20, TimeUnit.SECONDS).statusCode());
            }
        }
    }

    @Test
    void replayAndABoundedReplayAllStillWork(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal");
        journalWithDeadLetters(journal, 5);
        try (AsyncFunction f = start(journal, Map.of())) {
            HttpResponse<String> one = f.adminPost("/dead-letters/e-00004/replay");
            assertEquals(202, one.statusCode(), one.body());
            assertEquals("/async/status/e-00004", json(one).get("status").asText());
            assertEquals(404, f.adminPost("/dead-letters/e-00004/replay").statusCode(), "replayed once");

            HttpResponse<String> some = f.adminPost("/dead-letters/replay-all?limit=2");
            assertEquals(202, some.statusCode(), some.body());
            JsonNode b = json(some);
            assertEquals("[\"e-00000\",\"e-00001\"]", b.get("replayed").toString());
            assertEquals(2, b.get("count").asInt());
            assertEquals(2, b.get("remaining").asInt());
            JsonNode rest = json(f.adminPost("/dead-letters/replay-all"));
            assertEquals(2, rest.get("count").asInt());
            assertEquals(0, rest.get("remaining").asInt());
            assertEquals(0, json(f.adminGet("/dead-letters")).get("total").asInt());
            for (int i = 0; i < 5; i++) {
                String statusUrl = String.format("/async/status/e-%05d", i);
                await("replayed " + statusUrl + " succeeded")
                        .atMost(WAIT)
                        .until(() -> "succeeded"
                                .equals(f.get(statusUrl)
                                        .headers()
                                        .firstValue("X-Nucleon-State")
                                        .orElse(null)));
                assertEquals(String.format("ok {\"n\":%d}", i), f.get(statusUrl).body());
            }
        }
    }

    @Test
    void retentionDropsAreOnMetricsAndStatus(@TempDir Path dir) throws Exception {
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    throw new IllegalStateException("fails on purpose");
                },
                dir.resolve("journal").toString(),
                2,
                Duration.ofSeconds(10),
                a -> {
                    a.put("maxRetries", 0);
                    a.put("maxDeadLetters", 1);
                })) {
            String first = json(f.post("/async/a", "1")).get("status").asText();
            await("the first call failed")
                    .atMost(WAIT)
                    .until(() -> "failed"
                            .equals(f.get(first)
                                    .headers()
                                    .firstValue("X-Nucleon-State")
                                    .orElse(null)));
            String second = json(f.post("/async/b", "2")).get("id").asText();
            String[] tags = {"function=\"async-test\"", "kind=\"http\"", "trigger=\"web\""};
            await("the drop counted")
                    .atMost(WAIT)
                    .until(() ->
                            AsyncFunction.sample(f.metrics(), "nucleon_async_dead_letters_expired_total", tags) == 1);
            String m = f.metrics();
            assertEquals(1, AsyncFunction.sample(m, "nucleon_async_dead_letters", tags), m);
            JsonNode list = json(f.adminGet("/dead-letters"));
            assertEquals(1, list.get("total").asInt(), list.toString());
            assertEquals(second, list.get("deadLetters").get(0).get("id").asText(), "the newest is kept");
            Map<String, Object> st = f.asyncStatus();
            assertEquals(1L, st.get("deadLettersExpired"), st.toString());
            assertEquals(1, st.get("deadLetters"), st.toString());
        }
    }

    @Test
    void badRetentionAttributesAreConfigurationErrors(@TempDir Path dir) {
        Exception count = assertThrows(
                Exception.class,
                () -> start(dir.resolve("j1"), Map.of("maxDeadLetters", 0)).close());
        assertTrue(String.valueOf(count.getMessage()).contains("async.maxDeadLetters"), String.valueOf(count));
        Exception age = assertThrows(
                Exception.class,
                () -> start(dir.resolve("j2"), Map.of("deadLetterRetention", "0s"))
                        .close());
        assertTrue(String.valueOf(age.getMessage()).contains("async.deadLetterRetention"), String.valueOf(age));
    }
}
