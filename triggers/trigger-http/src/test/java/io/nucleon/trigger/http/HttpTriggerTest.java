package io.nucleon.trigger.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.core.worker.WorkerPool;
import io.nucleon.spi.Json;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The http trigger against a real socket, end to end through the worker pool and a Java handler. */
class HttpTriggerTest {

    @Test
    void turnsARequestIntoAnEventAndTheResponseIntoHttp() throws Exception {
        AtomicReference<Event> seen = new AtomicReference<>();
        AtomicReference<String> body = new AtomicReference<>();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    seen.set(e);
                    body.set(e.bodyAsString());
                    e.headers();
                    e.fields();
                    return Response.status(201)
                            .header("X-Answer", "42")
                            .contentType("text/plain")
                            .body("made")
                            .build();
                },
                t -> {})) {
            HttpResponse<String> r = f.http.send(
                    HttpRequest.newBuilder(f.uri("/items/7?color=red&tag=a&tag=b"))
                            .header("X-Trace", "abc")
                            .POST(HttpRequest.BodyPublishers.ofString("payload"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode());
            assertEquals("made", r.body());
            assertEquals("42", r.headers().firstValue("x-answer").orElseThrow());
            Event e = seen.get();
            assertEquals("POST", e.method());
            assertEquals("/items/7", e.path());
            assertEquals("/items/7?color=red&tag=a&tag=b", e.url());
            assertEquals("red", e.field("color"));
            assertEquals(List.of("a", "b"), e.field("tag"));
            assertEquals("abc", e.header("x-trace"));
            assertEquals("abc", e.headers().get("X-TRACE"));
            assertEquals("payload", body.get());
            assertEquals("http", e.triggerKind());
            assertEquals("web", e.triggerName());
            assertEquals("sync", e.triggerClass());
            assertNotNull(e.id());
            assertNotNull(e.timestamp());
        }
    }

    @Test
    void mapsEachKindOfHandlerResult() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> switch (e.path()) {
                    case "/null" -> null;
                    case "/bytes" -> new byte[] {1, 2, 3};
                    case "/string" -> "text";
                    case "/object" -> Map.of("a", 1);
                    case "/stage" -> CompletableFuture.supplyAsync(() -> "later");
                    default -> Response.status(404).build();
                },
                t -> {})) {
            HttpResponse<String> r = f.get("/null");
            assertEquals(204, r.statusCode());
            HttpResponse<byte[]> b = f.http.send(
                    HttpRequest.newBuilder(f.uri("/bytes")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, b.statusCode());
            assertArrayEquals(new byte[] {1, 2, 3}, b.body());
            assertEquals(
                    "application/octet-stream",
                    b.headers().firstValue("content-type").orElseThrow());
            r = f.get("/string");
            assertEquals("text", r.body());
            assertEquals(
                    "text/plain; charset=utf-8",
                    r.headers().firstValue("content-type").orElseThrow());
            r = f.get("/object");
            assertEquals("{\"a\":1}", r.body());
            assertEquals(
                    "application/json", r.headers().firstValue("content-type").orElseThrow());
            r = f.get("/stage");
            assertEquals(200, r.statusCode());
            assertEquals("later", r.body());
        }
    }

    @Test
    void servesManyRequestsOnOneKeepAliveConnection() throws Exception {
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "ok " + e.path(), t -> t.numWorkers(2));
                RunningFunction.RawConnection c = f.raw()) {
            for (int i = 0; i < 20; i++) {
                c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RunningFunction.RawResponse r = c.read();
                assertEquals(200, r.status());
                assertEquals("ok /" + i, r.body());
            }
        }
    }

    @Test
    void answersPipelinedRequestsInOrderEvenWhenTheFirstIsSlowest() throws Exception {
        CountDownLatch othersDone = new CountDownLatch(3);
        try (RunningFunction f = RunningFunction.start(
                        (ctx, e) -> {
                            if (e.path().equals("/slow")) {
                                // the first request finishes last, whatever the machine's pace: after the three behind
                                // it
                                assertTrue(
                                        othersDone.await(30, TimeUnit.SECONDS),
                                        "the later requests ran while the first waited");
                                return e.path();
                            }
                            othersDone.countDown();
                            return e.path();
                        },
                        t -> t.numWorkers(4));
                RunningFunction.RawConnection c = f.raw()) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("/slow", c.read().body());
            assertEquals("/a", c.read().body());
            assertEquals("/b", c.read().body());
            assertEquals("/c", c.read().body());
        }
    }

    @Test
    void oversizedBodyGets413AndTheServerGoesOnServing() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> "got " + e.body().length, t -> t.attribute("maxRequestBodySize", "1KiB"))) {
            HttpResponse<String> r = f.post("/", "application/octet-stream", new byte[2048]);
            assertEquals(413, r.statusCode());
            assertTrue(r.body().contains("maxRequestBodySize"), r.body());
            r = f.post("/", "application/octet-stream", new byte[1024]);
            assertEquals(200, r.statusCode());
            assertEquals("got 1024", r.body());
        }
    }

    @Test
    void oversizedChunkedBodyGets413() throws Exception {
        try (RunningFunction f =
                        RunningFunction.start((ctx, e) -> "ok", t -> t.attribute("maxRequestBodySize", "100"));
                RunningFunction.RawConnection c = f.raw()) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n" + "x".repeat(128)
                    + "\r\n0\r\n\r\n");
            assertEquals(413, c.read().status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aStalledHalfRequestIsAnswered408AndClosed() throws Exception {
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "ok", t -> t.attribute("readTimeout", "300ms"));
                RunningFunction.RawConnection c = f.raw()) {
            long start = System.nanoTime();
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part-of-the-body");
            RunningFunction.RawResponse r = c.read();
            assertEquals(408, r.status());
            assertTrue(c.closedByServer());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 250 && ms < 3000, "closed after " + ms + " ms");
            assertEquals(200, f.get("/").statusCode(), "others are still served");
        }
    }

    @Test
    void aStalledRequestLineIsClosed() throws Exception {
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "ok", t -> t.attribute("readTimeout", "300ms"));
                RunningFunction.RawConnection c = f.raw()) {
            c.send("GET /partial-line-with-no-end");
            RunningFunction.RawResponse r = c.read();
            assertEquals(408, r.status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosed() throws Exception {
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "ok", t -> t.attribute("idleTimeout", "300ms"));
                RunningFunction.RawConnection c = f.raw()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, c.read().status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void malformedRequestGets400AndTheServerGoesOnServing() throws Exception {
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "ok", t -> {})) {
            try (RunningFunction.RawConnection c = f.raw()) {
                c.send("THIS IS NOT HTTP\r\n\r\n");
                assertEquals(400, c.read().status());
                assertTrue(c.closedByServer());
            }
            try (RunningFunction.RawConnection c = f.raw()) {
                c.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
                assertEquals(400, c.read().status());
            }
            assertEquals(200, f.get("/").statusCode());
        }
    }

    @Test
    void tooLargeHeadersGet431AndTooLongLineGets414() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> "ok", t -> t.attribute("maxHeaderSize", "1KiB").attribute("maxInitialLineLength", 256))) {
            try (RunningFunction.RawConnection c = f.raw()) {
                c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(2000) + "\r\n\r\n");
                assertEquals(431, c.read().status());
            }
            try (RunningFunction.RawConnection c = f.raw()) {
                c.send("GET /" + "z".repeat(600) + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(414, c.read().status());
            }
            assertEquals(200, f.get("/").statusCode());
        }
    }

    @Test
    void handlerExceptionBecomes500WithAnErrorIdThatIsAlsoLoggedWithTheStackTrace() throws Exception {
        Logger poolLog = (Logger) LoggerFactory.getLogger(WorkerPool.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        poolLog.addAppender(appender);
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    throw new IllegalStateException("boom");
                },
                t -> {})) {
            HttpResponse<String> r = f.get("/");
            assertEquals(500, r.statusCode());
            JsonNode body = Json.mapper().readTree(r.body());
            String errorId = body.get("errorId").asText();
            assertEquals(16, errorId.length());
            ILoggingEvent logged = appender.list.stream()
                    .filter(ev -> ev.getKeyValuePairs() != null
                            && ev.getKeyValuePairs().stream()
                                    .anyMatch(kv -> kv.key.equals("errorId") && errorId.equals(kv.value)))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no log line with error id " + errorId));
            assertNotNull(logged.getThrowableProxy(), "the stack trace is logged");
            assertEquals("boom", logged.getThrowableProxy().getMessage());
            assertTrue(!r.body().contains("boom"), "the exception message does not leak to the caller");
        } finally {
            poolLog.detachAppender(appender);
        }
    }

    /** A handler result Jackson cannot serialise: its one property throws. */
    public static final class Unserialisable {
        public String getValue() {
            throw new IllegalStateException("not serialisable");
        }
    }

    @Test
    void aResultThatCannotBeSerialisedBecomes500WithAnErrorIdLoggedWithTheReason() throws Exception {
        Logger poolLog = (Logger) LoggerFactory.getLogger(WorkerPool.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        poolLog.addAppender(appender);
        try (RunningFunction f = RunningFunction.start((ctx, e) -> new Unserialisable(), t -> {})) {
            HttpResponse<String> r = f.get("/");
            assertEquals(500, r.statusCode());
            assertEquals(
                    "application/json", r.headers().firstValue("content-type").orElseThrow());
            JsonNode body = Json.mapper().readTree(r.body());
            assertEquals("handler failed", body.get("error").asText());
            String errorId = body.get("errorId").asText();
            ILoggingEvent logged = appender.list.stream()
                    .filter(ev -> ev.getKeyValuePairs() != null
                            && ev.getKeyValuePairs().stream()
                                    .anyMatch(kv -> kv.key.equals("errorId") && errorId.equals(kv.value)))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no log line with error id " + errorId));
            assertTrue(
                    logged.getFormattedMessage()
                            .contains(Unserialisable.class.getName() + ") cannot be serialised as JSON"),
                    logged.getFormattedMessage());
        } finally {
            poolLog.detachAppender(appender);
        }
    }

    @Test
    void eventTimeoutAnswers504AtTheDeadlineAndReplacesTheStuckWorkers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger concurrent = new AtomicInteger();
        CountDownLatch bothInside = new CountDownLatch(2);
        java.util.concurrent.ConcurrentLinkedQueue<Long> entered = new java.util.concurrent.ConcurrentLinkedQueue<>();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    if (e.path().equals("/warm")) {
                        return "warm";
                    }
                    if (e.path().equals("/stuck")) {
                        entered.add(System.nanoTime());
                        // ignores interruption, as a badly behaved handler would
                        while (release.getCount() > 0) {
                            try {
                                release.await();
                            } catch (InterruptedException ignored) {
                                // keep being stuck
                            }
                        }
                        return "late";
                    }
                    concurrent.incrementAndGet();
                    bothInside.countDown();
                    bothInside.await(5, TimeUnit.SECONDS);
                    return "ok";
                },
                Duration.ofMillis(500),
                t -> t.numWorkers(2))) {
            f.get("/warm"); // the client's first request pays for connecting and class loading; not measured
            List<CompletableFuture<Long>> stuck = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                stuck.add(f.http.sendAsync(
                                HttpRequest.newBuilder(f.uri("/stuck")).build(), HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> {
                            assertEquals(504, r.statusCode());
                            assertTrue(r.body().contains("errorId"), r.body());
                            return System.nanoTime();
                        }));
            }
            for (CompletableFuture<Long> s : stuck) {
                long answeredAt = s.get(10, TimeUnit.SECONDS);
                long ms = TimeUnit.NANOSECONDS.toMillis(
                        answeredAt - entered.stream().min(Long::compare).orElseThrow());
                // at the deadline (the watchdog ticks every 10 ms), not when the stuck handler returns (never, here);
                // the bar leaves a busy machine room to schedule the watchdog, the event loop and the client
                assertTrue(ms < 500 + 1500, "504 after " + ms + " ms (timeout 500 ms; the bar is timeout + 1.5 s)");
            }
            // Both workers were stuck; both were replaced, so two requests now run side by side.
            List<CompletableFuture<HttpResponse<String>>> next = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                next.add(f.http.sendAsync(
                        HttpRequest.newBuilder(f.uri("/ok")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> n : next) {
                assertEquals(200, n.get(10, TimeUnit.SECONDS).statusCode());
            }
            assertEquals(0, bothInside.getCount(), "two requests were inside the handler at the same time");
            String metrics = f.getControl("/metrics").body();
            assertTrue(
                    metrics.contains(
                            "nucleon_worker_replacements_total{function=\"test\",kind=\"http\",trigger=\"web\"} 2.0"),
                    metrics);
            assertTrue(
                    metrics.contains(
                            "nucleon_event_timeouts_total{function=\"test\",kind=\"http\",trigger=\"web\"} 2.0"),
                    metrics);
        } finally {
            release.countDown();
        }
    }

    @Test
    void eightWorkersRunEightRequestsAtTheSameTime() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        CountDownLatch allInside = new CountDownLatch(8);
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    allInside.countDown();
                    boolean all = allInside.await(10, TimeUnit.SECONDS);
                    inside.decrementAndGet();
                    return all ? "together" : "alone";
                },
                t -> t.numWorkers(8))) {
            List<CompletableFuture<HttpResponse<String>>> rs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                rs.add(f.http.sendAsync(
                        HttpRequest.newBuilder(f.uri("/" + i)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> r : rs) {
                assertEquals("together", r.get(20, TimeUnit.SECONDS).body());
            }
            assertEquals(8, maxInside.get());
        }
    }

    @Test
    void rejectsWith503WhenNoWorkerFreesUpInTime() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    entered.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "done";
                },
                t -> t.numWorkers(1).workerAvailabilityTimeout(Duration.ofMillis(200)))) {
            CompletableFuture<HttpResponse<String>> busy =
                    f.http.sendAsync(HttpRequest.newBuilder(f.uri("/1")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the first request holds the one worker");
            CompletableFuture<HttpResponse<String>> waiting =
                    f.http.sendAsync(HttpRequest.newBuilder(f.uri("/2")).build(), HttpResponse.BodyHandlers.ofString());
            // answered while the worker is still held: the 503 comes from the availability timeout
            HttpResponse<String> r = waiting.get(10, TimeUnit.SECONDS);
            release.countDown();
            assertEquals(200, busy.get(10, TimeUnit.SECONDS).statusCode());
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("no worker became available within 200 ms"), r.body());
            String metrics = f.getControl("/metrics").body();
            assertTrue(
                    metrics.contains(
                            "nucleon_events_rejected_total{function=\"test\",kind=\"http\",trigger=\"web\"} 1.0"),
                    metrics);
        }
    }

    @Test
    void cloudEventsInBinaryModeFillIdTypeSourceAndBody() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    seen.set(e.id() + "|" + e.type() + "|" + e.source() + "|" + e.version() + "|" + e.contentType()
                            + "|" + e.bodyAsString());
                    return null;
                },
                t -> {})) {
            HttpResponse<String> r = f.http.send(
                    HttpRequest.newBuilder(f.uri("/"))
                            .header("ce-id", "evt-1")
                            .header("ce-type", "com.example.order.created")
                            .header("ce-source", "/orders")
                            .header("ce-specversion", "1.0")
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"order\":1}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, r.statusCode());
            assertEquals("evt-1|com.example.order.created|/orders|1.0|application/json|{\"order\":1}", seen.get());
        }
    }

    @Test
    void cloudEventsInStructuredModeFillIdTypeSourceAndBody() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    seen.set(e.id() + "|" + e.type() + "|" + e.source() + "|" + e.contentType() + "|"
                            + e.bodyAsString());
                    return null;
                },
                t -> {})) {
            String envelope =
                    "{\"specversion\":\"1.0\",\"id\":\"evt-2\",\"type\":\"com.example.ping\",\"source\":\"/pinger\","
                            + "\"datacontenttype\":\"application/json\",\"data\":{\"n\":2}}";
            HttpResponse<String> r = f.post(
                    "/", "application/cloudevents+json; charset=utf-8", envelope.getBytes(StandardCharsets.UTF_8));
            assertEquals(204, r.statusCode());
            assertEquals("evt-2|com.example.ping|/pinger|application/json|{\"n\":2}", seen.get());

            String base64 = "{\"specversion\":\"1.0\",\"id\":\"evt-3\",\"type\":\"t\",\"source\":\"s\","
                    + "\"datacontenttype\":\"text/plain\",\"data_base64\":\"aGVsbG8=\"}";
            f.post("/", "application/cloudevents+json", base64.getBytes(StandardCharsets.UTF_8));
            assertEquals("evt-3|t|s|text/plain|hello", seen.get());

            r = f.post("/", "application/cloudevents+json", "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
            assertEquals(400, r.statusCode());
            assertTrue(r.body().contains("required attribute"), r.body());
        }
    }

    @Test
    void eventIdIsGeneratedWhenTheRequestHasNone() throws Exception {
        AtomicReference<String> id = new AtomicReference<>();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    id.set(e.id());
                    return null;
                },
                t -> {})) {
            f.get("/");
            assertEquals(36, id.get().length());
        }
    }

    @Test
    void stopLetsInFlightRequestsFinish() throws Exception {
        CountDownLatch allInside = new CountDownLatch(4);
        CountDownLatch finish = new CountDownLatch(1);
        RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    allInside.countDown();
                    assertTrue(finish.await(30, TimeUnit.SECONDS));
                    return "finished";
                },
                t -> t.numWorkers(4));
        List<CompletableFuture<HttpResponse<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rs.add(f.http.sendAsync(HttpRequest.newBuilder(f.uri("/")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture<Void> stopped;
        try {
            assertTrue(allInside.await(10, TimeUnit.SECONDS), "four requests are in flight before the stop");
        } finally {
            stopped = CompletableFuture.runAsync(() -> f.processor.stop(Duration.ofSeconds(30)));
        }
        // the four finish only once the stop has begun: it waits for them
        await().atMost(Duration.ofSeconds(10)).until(() -> !f.processor.isReady());
        finish.countDown();
        stopped.get(30, TimeUnit.SECONDS);
        for (CompletableFuture<HttpResponse<String>> r : rs) {
            HttpResponse<String> resp = r.get(10, TimeUnit.SECONDS);
            assertEquals(200, resp.statusCode());
            assertEquals("finished", resp.body());
        }
    }

    @Test
    void controlServerReportsLivenessReadinessMetricsAndStatus() throws Exception {
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "ok", t -> t.numWorkers(3))) {
            f.get("/");
            assertEquals(200, f.getControl("/live").statusCode());
            assertEquals(200, f.getControl("/ready").statusCode());
            String metrics = f.getControl("/metrics").body();
            assertTrue(
                    metrics.contains(
                            "nucleon_events_total{function=\"test\",kind=\"http\",outcome=\"success\",trigger=\"web\"} 1.0"),
                    metrics);
            assertTrue(
                    metrics.contains("nucleon_workers{function=\"test\",kind=\"http\",trigger=\"web\"} 3.0"), metrics);
            assertTrue(metrics.contains("nucleon_workers_available{"), metrics);
            assertTrue(metrics.contains("nucleon_events_in_flight{"), metrics);
            assertTrue(metrics.contains("nucleon_event_duration_seconds_bucket{"), metrics);
            JsonNode status = Json.mapper().readTree(f.getControl("/status").body());
            assertEquals("test", status.get("function").asText());
            assertEquals(3, status.at("/triggers/0/pool/workers").asInt());
            assertEquals(1, status.at("/triggers/0/events/success").asInt());
            assertEquals(404, f.getControl("/nope").statusCode());
        }
    }
}
