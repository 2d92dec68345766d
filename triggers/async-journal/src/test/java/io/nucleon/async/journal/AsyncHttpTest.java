package io.nucleon.async.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nucleon.api.Response;
import io.nucleon.spi.Json;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Async calls end to end: a real processor, the real http trigger on a free port, a real journal. */
class AsyncHttpTest {

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.mapper().readTree(r.body());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(r.body(), e);
        }
    }

    private static HttpResponse<String> awaitState(AsyncFunction f, String statusUrl, String state) {
        return await("state " + state + " of " + statusUrl)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> f.get(statusUrl),
                        r -> state.equals(
                                r.headers().firstValue("X-Nucleon-State").orElse(null)));
    }

    @Test
    void acceptedThenStatusThenResult(@TempDir Path dir) throws Exception {
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> Response.builder()
                        .status(201)
                        .contentType("text/plain")
                        .body(e.triggerClass() + " " + e.method() + " " + e.path() + " q=" + e.field("q") + " "
                                + e.bodyAsString())
                        .build(),
                dir.resolve("journal").toString(),
                2,
                Duration.ofSeconds(10),
                a -> {})) {
            HttpResponse<String> r = f.post("/async/greet?q=1", "hi", "Content-Type", "text/plain");
            assertEquals(202, r.statusCode(), r.body());
            JsonNode body = json(r);
            String id = body.get("id").asText();
            assertEquals("/async/status/" + id, body.get("status").asText());
            assertEquals(
                    "/async/status/" + id, r.headers().firstValue("Location").orElseThrow());

            HttpResponse<String> done = awaitState(f, body.get("status").asText(), "succeeded");
            assertEquals(200, done.statusCode());
            assertEquals("async POST /greet q=1 hi", done.body());
            assertEquals("text/plain", done.headers().firstValue("Content-Type").orElseThrow());

            // the header instead of the prefix: the path is kept
            HttpResponse<String> h = f.post("/greet", "yo", "X-Nucleon-Async", "true");
            assertEquals(202, h.statusCode(), h.body());
            assertEquals(
                    "async POST /greet q=null yo",
                    awaitState(f, json(h).get("status").asText(), "succeeded").body());

            // sync calls are untouched
            HttpResponse<String> sync = f.post("/greet", "now");
            assertEquals(201, sync.statusCode());
            assertEquals("sync POST /greet q=null now", sync.body());

            HttpResponse<String> unknown = f.get("/async/status/no-such-id");
            assertEquals(404, unknown.statusCode());
            assertTrue(unknown.body().contains("no-such-id"), unknown.body());
        }
    }

    @Test
    void pendingAndRunningAreReportedAsJson(@TempDir Path dir) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    release.await(20, TimeUnit.SECONDS);
                    return "ok";
                },
                dir.resolve("journal").toString(),
                1,
                Duration.ofSeconds(30),
                a -> a.put("maxInFlight", 2))) {
            String[] status = new String[6];
            for (int i = 0; i < status.length; i++) {
                HttpResponse<String> r = f.post("/async/slow", "x");
                assertEquals(202, r.statusCode(), r.body());
                status[i] = json(r).get("status").asText();
            }
            AsyncFunction.await(
                    "two in flight",
                    Duration.ofSeconds(10),
                    () -> ((Number) f.asyncStatus().get("inFlight")).intValue() == 2);
            await("bounded by maxInFlight")
                    .during(Duration.ofMillis(200))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> ((Number) f.asyncStatus().get("inFlight")).intValue() == 2);
            assertEquals("running", json(f.get(status[0])).get("state").asText());
            assertEquals("pending", json(f.get(status[5])).get("state").asText());
            release.countDown();
            for (String s : status) {
                assertEquals("ok", awaitState(f, s, "succeeded").body());
            }
        }
    }

    @Test
    void callbackReceivesTheResult(@TempDir Path dir) throws Exception {
        BlockingQueue<Map<String, String>> received = new ArrayBlockingQueue<>(10);
        AtomicInteger calls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            byte[] b = ex.getRequestBody().readAllBytes();
            // the first delivery fails: the sender retries
            int n = calls.incrementAndGet();
            if (n > 1) {
                received.add(Map.of(
                        "id",
                        ex.getRequestHeaders().getFirst("X-Nucleon-Event-Id"),
                        "status",
                        ex.getRequestHeaders().getFirst("X-Nucleon-Status"),
                        "state",
                        ex.getRequestHeaders().getFirst("X-Nucleon-State"),
                        "type",
                        String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")),
                        "body",
                        new String(b, StandardCharsets.UTF_8)));
            }
            ex.sendResponseHeaders(n > 1 ? 204 : 500, -1);
            ex.close();
        });
        server.start();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> "done " + e.bodyAsString(),
                dir.resolve("journal").toString(),
                2,
                Duration.ofSeconds(10),
                AsyncFunction::allowLoopbackCallbacks)) {
            String hook = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
            HttpResponse<String> r = f.post("/async/job", "42", "X-Callback-Url", hook);
            assertEquals(202, r.statusCode(), r.body());
            String id = json(r).get("id").asText();
            Map<String, String> got = received.poll(20, TimeUnit.SECONDS);
            assertEquals(id, got.get("id"));
            assertEquals("200", got.get("status"));
            assertEquals("succeeded", got.get("state"));
            assertEquals("done 42", got.get("body"));
            assertTrue(got.get("type").startsWith("text/plain"), got.get("type"));
            assertEquals(2, calls.get());
            HttpResponse<String> st = awaitState(f, json(r).get("status").asText(), "succeeded");
            assertEquals("200", st.headers().firstValue("X-Nucleon-Status").orElseThrow());
            AsyncFunction.await("the callback recorded delivered", Duration.ofSeconds(10), () -> {
                try {
                    return "delivered"
                            .equals(f.get(json(r).get("status").asText())
                                    .headers()
                                    .firstValue("X-Nucleon-Callback")
                                    .orElse(null));
                } catch (Exception e) {
                    return false;
                }
            });

            HttpResponse<String> bad = f.post("/async/job", "x", "X-Callback-Url", "ftp://nope");
            assertEquals(400, bad.statusCode(), bad.body());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void failingHandlerIsDeadLetteredAndReplayedOnceFixed(@TempDir Path dir) throws Exception {
        AtomicBoolean broken = new AtomicBoolean(true);
        AtomicInteger attempts = new AtomicInteger();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    attempts.incrementAndGet();
                    if (broken.get()) {
                        throw new IllegalStateException("broken on purpose");
                    }
                    return "fixed " + e.bodyAsString();
                },
                dir.resolve("journal").toString(),
                2,
                Duration.ofSeconds(10),
                a -> a.put("maxRetries", 2))) {
            HttpResponse<String> r = f.post("/async/work", "w1");
            String id = json(r).get("id").asText();
            String status = json(r).get("status").asText();
            HttpResponse<String> failed = awaitState(f, status, "failed");
            JsonNode s = json(failed);
            assertEquals(3, s.get("attempts").asInt(), failed.body());
            assertEquals("handler error", s.get("error").asText(), failed.body());
            assertTrue(s.hasNonNull("errorId"), failed.body());
            assertFalse(
                    failed.body().contains("broken on purpose"),
                    "no exception text reaches the caller: " + failed.body());
            assertEquals(3, attempts.get(), "the first attempt and maxRetries retries");

            JsonNode listing = json(f.adminGet("/dead-letters"));
            JsonNode dead = listing.get("deadLetters");
            assertEquals(1, dead.size(), listing.toString());
            assertEquals(1, listing.get("total").asInt(), listing.toString());
            assertTrue(listing.get("next").isNull(), listing.toString());
            assertEquals(id, dead.get(0).get("id").asText());
            assertEquals("POST", dead.get(0).get("method").asText());
            assertEquals("/work", dead.get(0).get("path").asText());
            assertEquals(3, dead.get(0).get("attempts").asInt());
            assertEquals("handler error", dead.get(0).get("error").asText(), listing.toString());
            assertEquals(s.get("errorId").asText(), dead.get(0).get("errorId").asText(), "the last attempt's error id");
            assertFalse(listing.toString().contains("broken on purpose"), listing.toString());
            assertTrue(dead.get(0).hasNonNull("deadAt") && dead.get(0).hasNonNull("receivedAt"), listing.toString());

            assertEquals(405, f.adminGet("/dead-letters/" + id + "/replay").statusCode());
            assertEquals(404, f.adminPost("/dead-letters/nope/replay").statusCode());

            broken.set(false);
            HttpResponse<String> replay = f.adminPost("/dead-letters/" + id + "/replay");
            assertEquals(202, replay.statusCode(), replay.body());
            assertEquals("fixed w1", awaitState(f, status, "succeeded").body());
            assertEquals(0, json(f.adminGet("/dead-letters")).get("total").asInt());

            // replay-all
            broken.set(true);
            String s2 = json(f.post("/async/work", "w2")).get("status").asText();
            String s3 = json(f.post("/async/work", "w3")).get("status").asText();
            awaitState(f, s2, "failed");
            awaitState(f, s3, "failed");
            assertEquals(2, json(f.adminGet("/dead-letters")).get("deadLetters").size());
            broken.set(false);
            HttpResponse<String> all = f.adminPost("/dead-letters/replay-all");
            assertEquals(202, all.statusCode(), all.body());
            assertEquals(2, json(all).get("replayed").size());
            assertEquals(2, json(all).get("count").asInt());
            assertEquals(0, json(all).get("remaining").asInt());
            assertEquals("fixed w2", awaitState(f, s2, "succeeded").body());
            assertEquals("fixed w3", awaitState(f, s3, "succeeded").body());
        }
    }

    private static String[] with(String label, String[] labels) {
        String[] all = java.util.Arrays.copyOf(labels, labels.length + 1);
        all[labels.length] = label;
        return all;
    }

    @Test
    void theCountersAreOnMetrics(@TempDir Path dir) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    if (e.bodyAsString().equals("bad")) {
                        throw new IllegalStateException("bad on purpose");
                    }
                    return "ok";
                },
                dir.resolve("journal").toString(),
                2,
                Duration.ofSeconds(10),
                a -> {
                    a.put("maxRetries", 1);
                    AsyncFunction.allowLoopbackCallbacks(a);
                })) {
            String hook = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
            String[] status = {
                json(f.post("/async/m", "a")).get("status").asText(),
                json(f.post("/async/m", "b")).get("status").asText(),
                json(f.post("/async/m", "c", "X-Callback-Url", hook))
                        .get("status")
                        .asText(),
                json(f.post("/async/m", "bad", "X-Callback-Url", hook))
                        .get("status")
                        .asText(),
            };
            for (int i = 0; i < 3; i++) {
                awaitState(f, status[i], "succeeded");
            }
            JsonNode failed = json(awaitState(f, status[3], "failed"));
            assertEquals(500, failed.get("statusCode").asInt(), failed.toString());
            String[] tags = {"function=\"async-test\"", "kind=\"http\"", "trigger=\"web\""};
            AsyncFunction.await("the callbacks counted", Duration.ofSeconds(20), () -> {
                try {
                    return AsyncFunction.sample(f.metrics(), "nucleon_async_callbacks_total", "result=\"delivered\"")
                            == 2;
                } catch (Exception e) {
                    return false;
                }
            });
            String m = f.metrics();
            assertEquals(4, AsyncFunction.sample(m, "nucleon_async_accepted_total", tags), m);
            assertEquals(0, AsyncFunction.sample(m, "nucleon_async_refused_total", tags), m);
            assertEquals(
                    3,
                    AsyncFunction.sample(m, "nucleon_async_completed_total", with("outcome=\"succeeded\"", tags)),
                    m);
            assertEquals(
                    1, AsyncFunction.sample(m, "nucleon_async_completed_total", with("outcome=\"failed\"", tags)), m);
            assertEquals(1, AsyncFunction.sample(m, "nucleon_async_retries_total", tags), m);
            assertEquals(
                    0, AsyncFunction.sample(m, "nucleon_async_callbacks_total", with("result=\"failed\"", tags)), m);
            assertEquals(0, AsyncFunction.sample(m, "nucleon_async_in_flight", tags), m);
            assertEquals(0, AsyncFunction.sample(m, "nucleon_async_callbacks_pending", tags), m);
            Map<String, Object> st = f.asyncStatus();
            assertEquals(4L, st.get("accepted"), st.toString());
            assertEquals(1L, st.get("retried"), st.toString());
            assertEquals(2L, st.get("callbacksDelivered"), st.toString());
            assertEquals(0, st.get("callbacksPending"), st.toString());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void unwritableJournalGives503WhileSyncCallsWork(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> "sync ok", file.resolve("journal").toString(), 2, Duration.ofSeconds(10), a -> {})) {
            HttpResponse<String> r = f.post("/async/x", "lost?");
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(json(r).hasNonNull("errorId"), r.body());
            assertFalse(r.body().contains("a-file"), "the path is in the log, not in the answer: " + r.body());
            HttpResponse<String> h = f.post("/x", "lost?", "X-Nucleon-Async", "true");
            assertEquals(503, h.statusCode(), h.body());
            HttpResponse<String> sync = f.post("/x", "fine");
            assertEquals(200, sync.statusCode());
            assertEquals("sync ok", sync.body());
            assertFalse((Boolean) f.asyncStatus().get("open"));
        }
    }

    @SuppressWarnings("try") // the resource is held for its effect, not used
    @Test
    void readOnlyJournalDirectoryGives503WithTheCauseWhileSyncCallsWork(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("journal");
        try (ReadOnlyDirectory ro = ReadOnlyDirectory.make(journal);
                AsyncFunction f = AsyncFunction.start(
                        (ctx, e) -> "sync ok", journal.toString(), 2, Duration.ofSeconds(10), a -> {})) {
            HttpResponse<String> r = f.post("/async/x", "lost?");
            assertEquals(503, r.statusCode(), r.body());
            JsonNode body = json(r);
            assertTrue(body.hasNonNull("errorId"), r.body());
            assertFalse(
                    r.body().contains(journal.toString()), "the path is in the log, not in the answer: " + r.body());
            HttpResponse<String> sync = f.post("/x", "fine");
            assertEquals(200, sync.statusCode());
            assertEquals("sync ok", sync.body());
            assertFalse((Boolean) f.asyncStatus().get("open"));
            assertTrue(
                    f.asyncStatus().get("unavailable").toString().contains("not writable"),
                    f.asyncStatus().toString());
        }
    }
}
