package io.nucleon.examples.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nucleon.spi.Json;
import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged async-java jar as a real process, with plain {@code java -jar} (no JVM flags:
 * Chronicle's come from the jar's manifest), the journal in a temp directory.
 */
class AsyncJavaJarIT {
    /** Async calls the crash test submits before the kill; -Dasync.crash.requests=N to change it. */
    private static final int CRASH_REQUESTS = Integer.getInteger("async.crash.requests", 10_000);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Callbacks received by the test's own server: event id → the callback. */
    private final Map<String, Callback> callbacks = new ConcurrentHashMap<>();

    private HttpServer callbackServer;
    private ExecutorService callbackExecutor;

    @TempDir
    Path dir;

    record Callback(String state, String status, String body) {}

    @BeforeEach
    void startCallbackServer() throws IOException {
        callbackServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        callbackExecutor = Executors.newFixedThreadPool(4);
        callbackServer.setExecutor(callbackExecutor);
        callbackServer.createContext("/cb", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("X-Nucleon-Event-Id");
            if (id != null) {
                callbacks.put(
                        id,
                        new Callback(
                                exchange.getRequestHeaders().getFirst("X-Nucleon-State"),
                                exchange.getRequestHeaders().getFirst("X-Nucleon-Status"),
                                new String(body, StandardCharsets.UTF_8)));
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        callbackServer.start();
    }

    @AfterEach
    void stopEverything() {
        callbackServer.stop(0);
        callbackExecutor.shutdownNow();
    }

    @Test
    void acceptsWith202ThenReportsTheResultOnTheStatusUrlAndCallsBack() throws Exception {
        int port = FunctionJar.freePort();
        try (FunctionProcess fn = start(writeYaml("fn.yaml", port, dir.resolve("journal"), 4), Map.of())) {
            answersAsyncAndSyncCalls(fn, "http://127.0.0.1:" + port);
        }
    }

    private void answersAsyncAndSyncCalls(FunctionProcess fn, String base) throws Exception {

        // 202 with an id and a status URL (also as Location)
        HttpResponse<String> accepted = post(base + "/async/greet", "{\"name\":\"Ada\"}", Map.of());
        assertEquals(202, accepted.statusCode(), accepted.body());
        JsonNode json = Json.mapper().readTree(accepted.body());
        String id = json.get("id").asText();
        String status = json.get("status").asText();
        assertEquals("/async/status/" + id, status);
        assertEquals(status, accepted.headers().firstValue("location").orElse(""));

        // the status URL answers the handler's result once it has run (the prefix was stripped from the path)
        HttpResponse<String> result = awaitSucceeded(fn, base + status);
        assertEquals(
                "application/json", result.headers().firstValue("content-type").orElse(""));
        assertEquals("{\"greeting\":\"Hello, Ada!\",\"path\":\"/greet\"}", result.body());

        // X-Callback-Url: the handler's response is POSTed to the test's server
        String callbackUrl = "http://127.0.0.1:" + callbackServer.getAddress().getPort() + "/cb";
        HttpResponse<String> withCallback =
                post(base + "/async/greet", "{\"name\":\"Grace\"}", Map.of("X-Callback-Url", callbackUrl));
        assertEquals(202, withCallback.statusCode(), withCallback.body());
        String id2 = Json.mapper().readTree(withCallback.body()).get("id").asText();
        fn.await("the callback of " + id2, Duration.ofSeconds(30), () -> callbacks.containsKey(id2));
        Callback cb = callbacks.get(id2);
        assertEquals("succeeded", cb.state());
        assertEquals("200", cb.status());
        assertEquals("{\"greeting\":\"Hello, Grace!\",\"path\":\"/greet\"}", cb.body());

        // the same function still answers sync calls
        HttpResponse<String> sync = post(base + "/greet", "{\"name\":\"Linus\"}", Map.of());
        assertEquals(200, sync.statusCode());
        assertEquals("{\"greeting\":\"Hello, Linus!\",\"path\":\"/greet\"}", sync.body());

        // an unknown id is 404
        assertEquals(
                404,
                get(base + "/async/status/00000000-0000-0000-0000-000000000000").statusCode());

        assertEquals(0, fn.stop(), "SIGTERM: a graceful stop");
    }

    @Test
    void sigtermWithABacklogInTheJournalExitsZero() throws Exception {
        int port = FunctionJar.freePort();
        try (FunctionProcess fn =
                start(writeYaml("fn.yaml", port, dir.resolve("journal"), 1), Map.of("SLEEP_MS", "50"))) {
            for (int i = 0; i < 50; i++) {
                assertEquals(
                        202,
                        post("http://127.0.0.1:" + port + "/async/greet", "{\"name\":\"n" + i + "\"}", Map.of())
                                .statusCode());
            }
            // SIGTERM while most calls wait in the journal: in-flight ones drain, the rest stay journaled
            assertEquals(0, fn.stop(), "SIGTERM: a graceful stop");
        }
    }

    @Test
    void killMinus9WithABacklogLosesNothing() throws Exception {
        Path journal = dir.resolve("journal");
        String callbackUrl = "http://127.0.0.1:" + callbackServer.getAddress().getPort() + "/cb";
        long t0 = System.nanoTime();

        // 1. a slow processor: 2 workers, 20 ms per event (about 100 events/s)
        int port1 = FunctionJar.freePort();
        List<String> ids;
        long submitted;
        int callbacksBeforeRestart;
        try (FunctionProcess first =
                start(writeYaml("fn1.yaml", port1, journal, 2), Map.of("SLEEP_MS", "20", "INSTANCE", "1"))) {
            // 2. submit CRASH_REQUESTS async calls as fast as possible (64 in flight on one client); every one gets a
            // 202
            ids = submit("http://127.0.0.1:" + port1 + "/async/greet", CRASH_REQUESTS, callbackUrl);
            submitted = System.nanoTime();
            // 3. kill -9 while most of them wait in the journal
            first.kill();
            callbacksBeforeRestart = callbacks.size();
        }

        // 4. a new (fast) processor on the same journal directory
        int port2 = FunctionJar.freePort();
        try (FunctionProcess second = start(writeYaml("fn2.yaml", port2, journal, 4), Map.of("INSTANCE", "2"))) {
            // 5. every accepted call reports succeeded; the result says which process handled it
            Map<String, String> handledBy =
                    awaitAllSucceeded(second, "http://127.0.0.1:" + port2 + "/async/status/", ids);
            long done = System.nanoTime();
            List<String> bySecond = new ArrayList<>();
            int byFirst = 0;
            for (Map.Entry<String, String> e : handledBy.entrySet()) {
                if ("2".equals(e.getValue())) {
                    bySecond.add(e.getKey());
                } else {
                    assertEquals("1", e.getValue(), e.getKey());
                    byFirst++;
                }
            }
            assertEquals(ids.size(), byFirst + bySecond.size());
            assertTrue(
                    byFirst < ids.size() / 2,
                    "most calls were still in the journal at the kill: " + byFirst + " handled before");
            assertTrue(!bySecond.isEmpty(), "the second process handled the backlog");

            // 6. callbacks are at least once across the restart: every accepted call gets one. The killed process
            // sent those it recorded; the second one sends the rest from the journal (including any the first had
            // delivered but not yet recorded, so some ids may get two). Each carries the answer of the process that
            // handled the call.
            List<String> missing = new ArrayList<>(ids);
            second.await("a callback for each of the " + ids.size() + " accepted calls", Duration.ofSeconds(60), () -> {
                missing.removeIf(callbacks::containsKey);
                return missing.isEmpty();
            });
            for (String id : ids) {
                Callback cb = callbacks.get(id);
                assertEquals("succeeded", cb.state(), id);
                assertEquals("200", cb.status(), id);
                assertTrue(cb.body().contains("\"instance\":\"" + handledBy.get(id) + "\""), id + ": " + cb.body());
            }
            JsonNode async = second.status().path("triggers").path(0).path("async");
            System.out.printf(
                    "crash test: %d async calls accepted in %d ms; %d handled before kill -9 (%d callbacks), %d after"
                            + " the restart, all succeeded %d ms after the kill; every one called back (%d callbacks sent"
                            + " again from the journal by the second process)%n",
                    ids.size(),
                    TimeUnit.NANOSECONDS.toMillis(submitted - t0),
                    byFirst,
                    callbacksBeforeRestart,
                    bySecond.size(),
                    TimeUnit.NANOSECONDS.toMillis(done - submitted),
                    async.path("callbacksResent").asLong());

            assertEquals(0, second.stop(), "SIGTERM: a graceful stop");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Submits n async calls, at most 64 at once, and returns their ids; every answer must be 202. */
    private List<String> submit(String url, int n, String callbackUrl) throws Exception {
        Semaphore window = new Semaphore(64);
        List<String> ids = new ArrayList<>(n);
        List<CompletableFuture<String>> futures = new ArrayList<>(n);
        AtomicReference<String> failure = new AtomicReference<>();
        for (int i = 0; i < n && failure.get() == null; i++) {
            window.acquire();
            HttpRequest req = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(30))
                    .header("X-Callback-Url", callbackUrl)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"n" + i + "\"}"))
                    .build();
            futures.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                    .handle((r, t) -> {
                        window.release();
                        if (t != null || r.statusCode() != 202) {
                            failure.compareAndSet(null, t != null ? t.toString() : r.statusCode() + " " + r.body());
                            return null;
                        }
                        try {
                            return Json.mapper().readTree(r.body()).get("id").asText();
                        } catch (IOException e) {
                            failure.compareAndSet(null, e.toString());
                            return null;
                        }
                    }));
        }
        for (CompletableFuture<String> f : futures) {
            ids.add(f.get(60, TimeUnit.SECONDS));
        }
        assertEquals(null, failure.get(), "every async call gets a 202");
        assertEquals(n, Set.copyOf(ids).size(), "ids are unique");
        return ids;
    }

    /** Polls the status of every id until all are succeeded; returns id → the handler's "instance". */
    private Map<String, String> awaitAllSucceeded(FunctionProcess fn, String statusBase, List<String> ids) {
        Map<String, String> handledBy = new ConcurrentHashMap<>();
        List<String> pending = new ArrayList<>(ids);
        AtomicInteger unexpected = new AtomicInteger();
        fn.await("every accepted call succeeded", Duration.ofSeconds(60), () -> {
            Semaphore window = new Semaphore(32);
            List<CompletableFuture<?>> round = new ArrayList<>();
            for (String id : pending) {
                window.acquire();
                round.add(http.sendAsync(
                                HttpRequest.newBuilder(URI.create(statusBase + id))
                                        .timeout(Duration.ofSeconds(30))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .whenComplete((r, t) -> {
                            window.release();
                            if (t == null
                                    && r.statusCode() == 200
                                    && "succeeded"
                                            .equals(r.headers()
                                                    .firstValue("x-nucleon-state")
                                                    .orElse(""))) {
                                try {
                                    handledBy.put(
                                            id,
                                            Json.mapper()
                                                    .readTree(r.body())
                                                    .path("instance")
                                                    .asText());
                                } catch (IOException e) {
                                    unexpected.incrementAndGet();
                                }
                            } else if (t == null && r.statusCode() != 200) {
                                unexpected.incrementAndGet(); // 404: an accepted call the journal forgot
                            }
                        }));
            }
            CompletableFuture.allOf(round.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertEquals(0, unexpected.get(), "every accepted call has a status");
            pending.removeIf(handledBy::containsKey);
            return pending.isEmpty();
        });
        return handledBy;
    }

    /** Polls {@code url} until its call has succeeded; returns that answer. */
    private HttpResponse<String> awaitSucceeded(FunctionProcess fn, String url) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        fn.await("the call at " + url + " to succeed", Duration.ofSeconds(30), () -> {
            HttpResponse<String> r = get(url);
            assertEquals(200, r.statusCode(), r.body());
            String state = r.headers().firstValue("x-nucleon-state").orElse("");
            assertTrue(
                    state.equals("succeeded") || state.equals("pending") || state.equals("running"),
                    state + " " + r.body());
            last.set(r);
            return state.equals("succeeded");
        });
        return last.get();
    }

    private Path writeYaml(String name, int port, Path journal, int workers) throws IOException {
        Path yaml = dir.resolve(name);
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "metadata:",
                        "  name: async-jar",
                        "spec:",
                        "  handler: io.nucleon.examples.async.AsyncHandler",
                        "  eventTimeout: 10s",
                        "  triggers:",
                        "    web:",
                        "      kind: http",
                        "      numWorkers: " + workers,
                        "      attributes:",
                        "        host: 127.0.0.1",
                        "        port: " + port,
                        "        async:",
                        "          enabled: true",
                        "          directory: " + journal,
                        "          pathPrefix: /async",
                        "          retryDelay: 100ms",
                        "          callbackAllowedHosts: [127.0.0.1]   # the test's receiver: loopback callbacks are refused without it",
                        ""));
        return yaml;
    }

    /** The packaged jar (Chronicle's JVM flags in its manifest: plain java -jar) on {@code yaml}, with {@code env}, ready. */
    private FunctionProcess start(Path yaml, Map<String, String> env) {
        FunctionJar jar = FunctionJar.packaged().workDirectory(dir).functionYaml(yaml);
        env.forEach(jar::env);
        return jar.start();
    }

    private HttpResponse<String> post(String url, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
