package io.nucleon.async.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nucleon.spi.Json;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a processor holding accepted async calls ({@link AsyncHttpCrashChild}), then a new
 * processor on the same journal: every call that got a 202 and was not handled before the kill is
 * handled; callbacks not delivered before the kill are delivered; attempts go on being counted.
 */
class AsyncHttpCrashTest {
    private static final int TOTAL = 40;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyAcceptedCallIsHandledAfterAKill(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("journal");
        Path handledLog = tmp.resolve("handled.txt");
        Child child = Child.start(tmp, dir, handledLog);
        Map<String, String> idToBody = new LinkedHashMap<>();
        try {
            for (int i = 0; i < TOTAL; i++) {
                HttpResponse<String> r = post(child.port, Integer.toString(i), null);
                assertEquals(202, r.statusCode(), r.body());
                idToBody.put(Json.mapper().readTree(r.body()).get("id").asText(), Integer.toString(i));
            }
            child.await("the child handled nothing", () -> lines(handledLog).size() >= 3);
        } finally {
            child.kill();
        }
        Set<String> before = lines(handledLog);
        assertTrue(before.size() < TOTAL, "killed before it handled everything: " + before.size());

        Set<String> after = ConcurrentHashMap.newKeySet();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    after.add(e.bodyAsString());
                    return "parent " + e.bodyAsString();
                },
                dir.toString(),
                4,
                Duration.ofSeconds(30),
                a -> {})) {
            Set<String> expected = new HashSet<>(idToBody.values());
            expected.removeAll(before);
            AsyncFunction.await(
                    "every unhandled call handled after the restart",
                    Duration.ofSeconds(30),
                    () -> after.containsAll(expected));
            for (Map.Entry<String, String> e : idToBody.entrySet()) {
                String url = "/async/status/" + e.getKey();
                AsyncFunction.await("status of " + e.getValue(), Duration.ofSeconds(30), () -> {
                    try {
                        return "succeeded"
                                .equals(f.get(url)
                                        .headers()
                                        .firstValue("X-Nucleon-State")
                                        .orElse(null));
                    } catch (Exception x) {
                        return false;
                    }
                });
            }
            System.out.printf(
                    "async http crash test: %d accepted, %d handled before the kill, %d after%n",
                    TOTAL, before.size(), after.size());
        }
    }

    @Test
    void callbacksPendingAtAKillAreDeliveredAfterTheRestart(@TempDir Path tmp) throws Exception {
        int calls = 12;
        // the receiver refuses every callback (503) until told otherwise
        AtomicBoolean receiving = new AtomicBoolean(false);
        AtomicInteger refusedCallbacks = new AtomicInteger();
        Map<String, List<Map<String, String>>> received = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        receiver.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!receiving.get()) {
                refusedCallbacks.incrementAndGet();
                ex.sendResponseHeaders(503, -1);
                ex.close();
                return;
            }
            String id = ex.getRequestHeaders().getFirst("X-Nucleon-Event-Id");
            received.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>())
                    .add(Map.of(
                            "status", String.valueOf(ex.getRequestHeaders().getFirst("X-Nucleon-Status")),
                            "state", String.valueOf(ex.getRequestHeaders().getFirst("X-Nucleon-State")),
                            "type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")),
                            "body", new String(body, StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        Path dir = tmp.resolve("journal");
        Map<String, String> idToBody = new LinkedHashMap<>();
        try {
            // callbacks retried every 100 ms at most, practically forever: they stay pending. Two at most are
            // held in memory: the other callbacks are owed in the journal, and the calls are handled all the same
            Child child = Child.start(
                    tmp,
                    dir,
                    tmp.resolve("handled.txt"),
                    "callbackMaxAttempts=100000",
                    "maxRetryDelay=100ms",
                    "callbackMaxPending=2",
                    "callbackMaxPerHost=2",
                    "callbackAllowedHosts=127.0.0.1");
            try {
                for (int i = 0; i < calls; i++) {
                    HttpResponse<String> r = post(child.port, "c" + i, hook);
                    assertEquals(202, r.statusCode(), r.body());
                    idToBody.put(Json.mapper().readTree(r.body()).get("id").asText(), "c" + i);
                }
                for (String id : idToBody.keySet()) {
                    child.await("call " + id + " handled with its callback pending", () -> {
                        HttpResponse<String> s = get(child.port, "/async/status/" + id);
                        return "succeeded"
                                        .equals(s.headers()
                                                .firstValue("X-Nucleon-State")
                                                .orElse(null))
                                && "pending"
                                        .equals(s.headers()
                                                .firstValue("X-Nucleon-Callback")
                                                .orElse(null));
                    });
                }
                child.await("callbacks refused", () -> refusedCallbacks.get() >= 2);
            } finally {
                child.kill();
            }
            assertTrue(received.isEmpty(), "nothing delivered before the kill");

            receiving.set(true);
            AtomicInteger handledAgain = new AtomicInteger();
            try (AsyncFunction f = AsyncFunction.start(
                    (ctx, e) -> {
                        handledAgain.incrementAndGet();
                        return "parent";
                    },
                    dir.toString(),
                    2,
                    Duration.ofSeconds(30),
                    a -> {
                        AsyncFunction.allowLoopbackCallbacks(a);
                        a.put("callbackMaxPending", 3); // most of them owed again: sent from the journal as room frees
                        a.put("callbackMaxPerHost", 3);
                    })) {
                AsyncFunction.await(
                        "every callback delivered after the restart",
                        Duration.ofSeconds(30),
                        () -> received.keySet().containsAll(idToBody.keySet()));
                for (Map.Entry<String, String> e : idToBody.entrySet()) {
                    for (Map<String, String> cb : received.get(e.getKey())) {
                        assertEquals("201", cb.get("status"), "the handler's own status, kept in the journal");
                        assertEquals("succeeded", cb.get("state"));
                        assertTrue(cb.get("type").startsWith("text/plain"), cb.get("type"));
                        assertEquals("child " + e.getValue(), cb.get("body"));
                    }
                    String statusUrl = "/async/status/" + e.getKey();
                    AsyncFunction.await("callback recorded delivered", Duration.ofSeconds(10), () -> {
                        try {
                            return "delivered"
                                    .equals(f.get(statusUrl)
                                            .headers()
                                            .firstValue("X-Nucleon-Callback")
                                            .orElse(null));
                        } catch (Exception x) {
                            return false;
                        }
                    });
                    HttpResponse<String> s = f.get(statusUrl);
                    assertEquals(
                            "201", s.headers().firstValue("X-Nucleon-Status").orElseThrow());
                    assertEquals("child " + e.getValue(), s.body());
                }
                assertEquals(0, handledAgain.get(), "calls handled before the kill are not run again");
                assertEquals((long) calls, f.asyncStatus().get("callbacksResent"));
                assertEquals((long) calls, f.asyncStatus().get("callbacksDelivered"));
                AsyncFunction.await(
                        "nothing left in flight",
                        Duration.ofSeconds(10),
                        () -> ((Number) f.asyncStatus().get("callbacksPending")).intValue() == 0
                                && ((Number) f.asyncStatus().get("callbacksOwed")).longValue() == 0);
            }
            // every callback recorded delivered and its entry done: a third start sends nothing
            int deliveries = received.values().stream().mapToInt(List::size).sum();
            try (AsyncFunction f = AsyncFunction.start(
                    (ctx, e) -> "third",
                    dir.toString(),
                    2,
                    Duration.ofSeconds(30),
                    AsyncFunction::allowLoopbackCallbacks)) {
                await("no callback sent again")
                        .during(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(5))
                        .until(() ->
                                received.values().stream().mapToInt(List::size).sum() == deliveries);
                assertEquals(0L, f.asyncStatus().get("callbacksResent"));
            }
            System.out.printf(
                    "async callback crash test: %d callbacks refused before the kill, %d deliveries after it%n",
                    refusedCallbacks.get(), deliveries);
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void attemptsGoOnBeingCountedAfterAKill(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("journal");
        Path handledLog = tmp.resolve("handled.txt");
        String id;
        String errorId;
        // maxRetries 3: 4 attempts in all. Attempt 2 comes 2 s after attempt 1, attempt 3 would come 4 s later
        Child child =
                Child.start(tmp, dir, handledLog, "handler=fail", "maxRetries=3", "retryDelay=2s", "maxRetryDelay=1m");
        try {
            HttpResponse<String> r = post(child.port, "f", null);
            assertEquals(202, r.statusCode(), r.body());
            id = Json.mapper().readTree(r.body()).get("id").asText();
            child.await("two failed attempts recorded", () -> {
                HttpResponse<String> s = get(child.port, "/async/status/" + id);
                return s.statusCode() == 200
                        && Json.mapper().readTree(s.body()).path("attempts").asInt() == 2;
            });
            JsonNode pending = Json.mapper()
                    .readTree(get(child.port, "/async/status/" + id).body());
            assertEquals("pending", pending.get("state").asText(), pending.toString());
            assertEquals("handler error", pending.get("error").asText(), pending.toString());
            assertFalse(
                    pending.toString().contains("child fails on purpose"),
                    "only the class and an error id: " + pending);
            errorId = pending.get("errorId").asText();
        } finally {
            child.kill();
        }
        assertEquals(2, Files.readAllLines(handledLog).size(), "killed between attempts 2 and 3");

        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger attemptsAfter = new AtomicInteger();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    attemptsAfter.incrementAndGet();
                    release.await(20, TimeUnit.SECONDS);
                    throw new IllegalStateException("parent fails too");
                },
                dir.toString(),
                2,
                Duration.ofSeconds(30),
                a -> a.put("maxRetries", 3))) {
            String statusUrl = "/async/status/" + id;
            AsyncFunction.await("attempt 3 running", Duration.ofSeconds(20), () -> attemptsAfter.get() == 1);
            JsonNode running = Json.mapper().readTree(f.get(statusUrl).body());
            assertEquals("running", running.get("state").asText(), running.toString());
            assertEquals(2, running.get("attempts").asInt(), "the attempts made before the kill: " + running);
            assertEquals(errorId, running.get("errorId").asText(), "the recorded note survives the kill");
            release.countDown();
            AsyncFunction.await("dead-lettered", Duration.ofSeconds(20), () -> {
                try {
                    return "failed"
                            .equals(f.get(statusUrl)
                                    .headers()
                                    .firstValue("X-Nucleon-State")
                                    .orElse(null));
                } catch (Exception x) {
                    return false;
                }
            });
            JsonNode failed = Json.mapper().readTree(f.get(statusUrl).body());
            assertEquals(4, failed.get("attempts").asInt(), "maxRetries + 1 attempts in all: " + failed);
            assertEquals(500, failed.get("statusCode").asInt(), failed.toString());
            assertEquals("handler error", failed.get("error").asText(), failed.toString());
            assertFalse(failed.toString().contains("parent fails too"), failed.toString());
            assertEquals(2, attemptsAfter.get(), "attempts 3 and 4 only");
            JsonNode dead =
                    Json.mapper().readTree(f.adminGet("/dead-letters").body()).get("deadLetters");
            assertEquals(1, dead.size(), dead.toString());
            assertEquals(4, dead.get(0).get("attempts").asInt());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** An {@link AsyncHttpCrashChild} JVM. */
    private record Child(Process process, int port, Path log) {
        static Child start(Path tmp, Path dir, Path handledLog, String... attributes) throws Exception {
            Path portFile = tmp.resolve("port");
            Path log = tmp.resolve("child.log");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(ChronicleSetup.requiredJvmFlags());
            cmd.addAll(List.of(
                    "-cp",
                    System.getProperty("java.class.path"),
                    AsyncHttpCrashChild.class.getName(),
                    dir.toString(),
                    portFile.toString(),
                    handledLog.toString()));
            cmd.addAll(List.of(attributes));
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                untilOrDeath(p, log, "the child's port file").until(() -> Files.exists(portFile));
                return new Child(p, Integer.parseInt(Files.readString(portFile).trim()), log);
            } catch (Throwable t) {
                p.destroyForcibly();
                throw t;
            }
        }

        /** Waits up to 60 s for {@code condition}, failing at once if the child dies. */
        void await(String what, Callable<Boolean> condition) {
            untilOrDeath(process, log, what).until(condition);
        }

        /** Waiting up to 60 s for {@code what}, failing at once (with its log) if {@code p} dies. */
        private static ConditionFactory untilOrDeath(Process p, Path log, String what) {
            return Awaitility.await(what)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(5))
                    .failFast(() -> assertTrue(p.isAlive(), () -> "the child died: " + read(log)));
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private HttpResponse<String> post(int port, String body, String callbackUrl)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/async/n"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (callbackUrl != null) {
            b.header("X-Callback-Url", callbackUrl);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Set<String> lines(Path log) throws IOException {
        Set<String> s = new HashSet<>();
        if (!Files.exists(log)) {
            return s;
        }
        String text = Files.readString(log, StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n');
        if (end >= 0) {
            for (String line : text.substring(0, end).split("\n")) {
                s.add(line);
            }
        }
        return s;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
