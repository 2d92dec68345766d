package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.nucleon.spi.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Callbacks against hostile URLs and receivers, end to end: a real processor with the real http
 * trigger, real journals, and real receivers on real sockets (issue 11, "Callbacks").
 */
class CallbackSafetyTest {
    private static final String[] TAGS = {"function=\"async-test\"", "kind=\"http\"", "trigger=\"web\""};

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(r.body(), e);
        }
    }

    private static AsyncFunction start(Path dir, Consumer<Map<String, Object>> async) throws Exception {
        return start(dir, 4, async);
    }

    private static AsyncFunction start(Path dir, int workers, Consumer<Map<String, Object>> async) throws Exception {
        return AsyncFunction.start(
                (ctx, e) -> "ok " + e.bodyAsString(),
                dir.resolve("journal").toString(),
                workers,
                Duration.ofSeconds(10),
                async);
    }

    /** Waits until the call at {@code statusUrl} succeeded and its callback is {@code callback}; returns the status. */
    private static HttpResponse<String> awaitCallback(AsyncFunction f, String statusUrl, String callback)
            throws Exception {
        @SuppressWarnings({"unchecked", "rawtypes"}) // a holder the lambda can write
        HttpResponse<String>[] last = new HttpResponse[1];
        AsyncFunction.await("callback " + callback + " at " + statusUrl, Duration.ofSeconds(30), () -> {
            try {
                last[0] = f.get(statusUrl);
                return callback.equals(
                        last[0].headers().firstValue("X-Nucleon-Callback").orElse(null));
            } catch (Exception e) {
                return false;
            }
        });
        return last[0];
    }

    private static String statusOf(HttpResponse<String> accepted) {
        assertEquals(202, accepted.statusCode(), accepted.body());
        return json(accepted).get("status").asText();
    }

    private static double metric(AsyncFunction f, String name, String... labels) throws Exception {
        String[] all = java.util.Arrays.copyOf(TAGS, TAGS.length + labels.length);
        System.arraycopy(labels, 0, all, TAGS.length, labels.length);
        return AsyncFunction.sample(f.metrics(), name, all);
    }

    private static long status(AsyncFunction f, String key) {
        return ((Number) f.asyncStatus().get(key)).longValue();
    }

    // ---------------------------------------------------------------------------------- refusals

    @Test
    void loopbackPrivateAndOtherLocalCallbacksAreRefusedWhenAcceptedAndNothingReachesTheListener(@TempDir Path dir)
            throws Exception {
        try (Receivers.Raw listener = new Receivers.Raw(Receivers.Behaviour.COUNT_ONLY);
                AsyncFunction f = start(dir, a -> {})) {
            int p = listener.port();
            String[][] cases = {
                {"http://127.0.0.1:" + p + "/internal", "refused: loopback address", "loopback"},
                {"http://127.0.0.1.:" + p + "/", "refused: loopback address", "loopback"},
                {"http://2130706433:" + p + "/", "refused: loopback address", "loopback"},
                {"http://0x7f.1:" + p + "/", "refused: loopback address", "loopback"},
                {"http://127.1:" + p + "/", "refused: loopback address", "loopback"},
                {"http://[::ffff:127.0.0.1]:" + p + "/", "refused: loopback address", "loopback"},
                {"http://[::1]:" + p + "/", "refused: loopback address", "loopback"},
                {"http://10.0.0.1/", "refused: private address", "private"},
                {"http://192.168.1.10:8080/", "refused: private address", "private"},
                {"http://[fd00::1]/", "refused: private address", "private"},
                {"http://169.254.169.254/latest/meta-data/", "refused: link-local address", "link-local"},
                {"http://224.0.0.1/", "refused: multicast address", "multicast"},
                {"http://0.0.0.0:" + p + "/", "refused: unspecified address", "unspecified"},
            };
            for (String[] c : cases) {
                HttpResponse<String> r = f.post("/async/greet", "x", "X-Callback-Url", c[0]);
                assertEquals(400, r.statusCode(), c[0] + " " + r.body());
                String message = json(r).get("message").asText();
                assertTrue(message.contains(c[1]) && message.contains("X-Callback-Url"), c[0] + ": " + message);
            }
            assertEquals(7, metric(f, "nucleon_async_callbacks_refused_total", "rule=\"loopback\"", "at=\"accept\""));
            assertEquals(3, metric(f, "nucleon_async_callbacks_refused_total", "rule=\"private\"", "at=\"accept\""));
            assertEquals(0, status(f, "accepted"), "nothing journaled");
            // a good public URL is accepted (its callback then fails or not: not what this test is about)
            HttpResponse<String> bad =
                    f.post("/async/greet", "x", "X-Callback-Url", "http://user:pw@hooks.example.com/");
            assertEquals(400, bad.statusCode(), bad.body());
            assertTrue(json(bad).get("message").asText().contains("user information"), bad.body());
            assertEquals(0, listener.accepted.get(), "nothing reached the listener");
        }
    }

    @Test
    void aNameResolvingToLoopbackIsRefusedWhenTheCallbackConnectsWithTheRuleInTheStatus(@TempDir Path dir)
            throws Exception {
        try (Receivers.Raw listener = new Receivers.Raw(Receivers.Behaviour.COUNT_ONLY);
                AsyncFunction f = start(dir, a -> {})) {
            String status = statusOf(
                    f.post("/async/greet", "x", "X-Callback-Url", "http://localhost:" + listener.port() + "/hook"));
            HttpResponse<String> st = awaitCallback(f, status, "failed");
            assertEquals("ok x", st.body(), "the call itself succeeded");
            assertEquals(
                    "refused: loopback address",
                    st.headers().firstValue("X-Nucleon-Callback-Error").orElse(null));
            assertEquals(1, metric(f, "nucleon_async_callbacks_refused_total", "rule=\"loopback\"", "at=\"connect\""));
            assertEquals(1, metric(f, "nucleon_async_callbacks_total", "result=\"failed\""));
            assertEquals(0, listener.accepted.get(), "nothing reached the listener");
        }
        // a listed name does not admit a loopback address: only a listed address block does
        try (Receivers.Raw listener = new Receivers.Raw(Receivers.Behaviour.COUNT_ONLY);
                AsyncFunction f = start(dir.resolve("2"), a -> a.put("callbackAllowedHosts", List.of("localhost")))) {
            String status = statusOf(
                    f.post("/async/greet", "x", "X-Callback-Url", "http://localhost:" + listener.port() + "/hook"));
            HttpResponse<String> st = awaitCallback(f, status, "failed");
            assertEquals(
                    "refused: loopback address",
                    st.headers().firstValue("X-Nucleon-Callback-Error").orElse(null));
            HttpResponse<String> other = f.post("/async/greet", "x", "X-Callback-Url", "http://hooks.example.com/");
            assertEquals(400, other.statusCode(), "not listed: " + other.body());
            assertTrue(
                    json(other).get("message").asText().contains("refused: not in callbackAllowedHosts"), other.body());
            assertEquals(0, listener.accepted.get());
        }
    }

    @Test
    void theProcessorsOwnAddressesAreRefusedEvenWhenAllowed(@TempDir Path dir) throws Exception {
        AtomicInteger handled = new AtomicInteger();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    handled.incrementAndGet();
                    return "ok";
                },
                dir.resolve("journal").toString(),
                2,
                Duration.ofSeconds(10),
                a -> a.put("callbackAllowedHosts", List.of("127.0.0.0/8", "localhost")))) {
            int control = f.processor.controlAddress().getPort();
            for (String url : List.of(
                    "http://127.0.0.1:" + f.port + "/async/dead-letters/replay-all",
                    "http://2130706433:" + f.port + "/async/dead-letters/replay-all",
                    "http://127.0.0.1:" + control + "/metrics",
                    "http://127.0.0.2:" + f.port + "/")) {
                HttpResponse<String> r = f.post("/async/greet", "x", "X-Callback-Url", url);
                assertEquals(400, r.statusCode(), url + " " + r.body());
                assertTrue(json(r).get("message").asText().contains("refused: the processor's own address"), r.body());
            }
            // by name, found when the callback connects
            String status = statusOf(f.post(
                    "/async/greet",
                    "x",
                    "X-Callback-Url",
                    "http://localhost:" + f.port + "/async/dead-letters/replay-all"));
            HttpResponse<String> st = awaitCallback(f, status, "failed");
            assertEquals(
                    "refused: the processor's own address",
                    st.headers().firstValue("X-Nucleon-Callback-Error").orElse(null));
            assertEquals(1, metric(f, "nucleon_async_callbacks_refused_total", "rule=\"processor\"", "at=\"connect\""));
            assertEquals(1, handled.get(), "only the accepted call ran");
        }
    }

    @Test
    void aWildcardBindMakesEveryLocalAddressTheProcessors(@TempDir Path dir) throws Exception {
        try (Receivers.Raw other = new Receivers.Raw(Receivers.Behaviour.COUNT_ONLY);
                AsyncFunction f = AsyncFunction.start(
                        (ctx, e) -> "ok",
                        dir.resolve("journal").toString(),
                        2,
                        Duration.ofSeconds(10),
                        a -> a.put("callbackAllowedHosts", List.of("0.0.0.0/0")),
                        "0.0.0.0")) {
            List<String> hosts = new ArrayList<>(List.of("127.0.0.1", "127.0.0.53"));
            for (NetworkInterface ni : NetworkInterface.networkInterfaces().toList()) {
                for (InetAddress a : ni.inetAddresses().toList()) {
                    if (a.getAddress().length == 4) {
                        hosts.add(a.getHostAddress());
                    }
                }
            }
            for (String h : hosts) {
                HttpResponse<String> r =
                        f.post("/async/greet", "x", "X-Callback-Url", "http://" + h + ":" + f.port + "/async/x");
                assertEquals(400, r.statusCode(), h + " " + r.body());
                assertTrue(json(r).get("message").asText().contains("the processor's own address"), r.body());
            }
            // another port of this host is another receiver
            assertEquals(
                    202,
                    f.post("/async/greet", "x", "X-Callback-Url", "http://127.0.0.1:" + other.port() + "/")
                            .statusCode());
        }
    }

    // ---------------------------------------------------------------------------------- receivers that misbehave

    @Test
    void redirectsAreNotFollowed(@TempDir Path dir) throws Exception {
        AtomicInteger landed = new AtomicInteger();
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/", ex -> {
            landed.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        target.start();
        HttpServer redirecting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        redirecting.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders()
                    .set("Location", "http://127.0.0.1:" + target.getAddress().getPort() + "/landing");
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        redirecting.start();
        try (AsyncFunction f = start(dir, a -> {
            AsyncFunction.allowLoopbackCallbacks(a);
            a.put("callbackMaxAttempts", 2);
        })) {
            String status = statusOf(f.post(
                    "/async/greet",
                    "x",
                    "X-Callback-Url",
                    "http://127.0.0.1:" + redirecting.getAddress().getPort() + "/hook"));
            HttpResponse<String> st = awaitCallback(f, status, "failed");
            assertEquals(
                    "HTTP 3xx: redirect not followed",
                    st.headers().firstValue("X-Nucleon-Callback-Error").orElse(null));
            assertEquals(0, landed.get(), "the redirect's target was never called");
        } finally {
            redirecting.stop(0);
            target.stop(0);
        }
    }

    @Test
    void anUntrustedCertificateFailsTheCallback(@TempDir Path dir) throws Exception {
        // a self-signed certificate for 127.0.0.1, made by the JDK's keytool
        Path store = dir.resolve("receiver.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "receiver",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "san=ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit",
                        "-keystore",
                        store.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(keytool.getInputStream().readAllBytes());
        assertEquals(0, keytool.waitFor(), out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        AtomicInteger served = new AtomicInteger();
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        https.createContext("/", ex -> {
            served.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        https.start();
        try (AsyncFunction f = start(dir, a -> {
            AsyncFunction.allowLoopbackCallbacks(a);
            a.put("callbackMaxAttempts", 1);
        })) {
            String status = statusOf(f.post(
                    "/async/greet",
                    "x",
                    "X-Callback-Url",
                    "https://127.0.0.1:" + https.getAddress().getPort() + "/hook"));
            HttpResponse<String> st = awaitCallback(f, status, "failed");
            assertEquals(
                    "TLS handshake failed",
                    st.headers().firstValue("X-Nucleon-Callback-Error").orElse(null));
            assertEquals(0, served.get(), "no request was sent over an unverified connection");
        } finally {
            https.stop(0);
        }
    }

    @Test
    void aTricklingReceiverHoldsBackNeitherHandlingNorOtherReceivers(@TempDir Path dir) throws Exception {
        int trickled = 1_100;
        List<String> normalReceived = new CopyOnWriteArrayList<>();
        HttpServer normal = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        normal.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            normalReceived.add(ex.getRequestHeaders().getFirst("X-Nucleon-Event-Id"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        normal.start();
        try (Receivers.Raw trickler = new Receivers.Raw(Receivers.Behaviour.TRICKLE);
                AsyncFunction f = start(dir, a -> {
                    AsyncFunction.allowLoopbackCallbacks(a);
                    a.put("callbackTimeout", "2s");
                    a.put("callbackMaxAttempts", 2);
                    a.put("retryDelay", "500ms"); // the trickler sees each hang-up before the retry connects
                    a.put("maxRetryDelay", "1s");
                })) {
            List<String> statuses = postMany(f, trickled, "http://127.0.0.1:" + trickler.port() + "/slow");
            AsyncFunction.await(
                    "the trickler holding its 8 callbacks", Duration.ofSeconds(30), () -> trickler.current.get() == 8);

            long t0 = System.nanoTime();
            HttpResponse<String> r = f.post(
                    "/async/greet",
                    "normal",
                    "X-Callback-Url",
                    "http://127.0.0.1:" + normal.getAddress().getPort() + "/done");
            String id = json(r).get("id").asText();
            AsyncFunction.await(
                    "the normal call's callback", Duration.ofSeconds(10), () -> normalReceived.contains(id));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            // every call was handled: callbacks never held dispatch back
            AsyncFunction.await(
                    "every call handled", Duration.ofSeconds(30), () -> status(f, "succeeded") == trickled + 1);
            HttpResponse<String> lastTrickled = f.get(statuses.get(trickled - 1));
            assertEquals(
                    "succeeded",
                    lastTrickled.headers().firstValue("X-Nucleon-State").orElse(null));
            assertEquals(
                    "pending",
                    lastTrickled.headers().firstValue("X-Nucleon-Callback").orElse(null));
            // a trickled callback takes up to 2 attempts of 2 s: a few have been given up by now, most wait
            assertTrue(
                    status(f, "callbacksOwed") >= trickled / 2, f.asyncStatus().toString());
            assertTrue(metric(f, "nucleon_async_callbacks_owed") >= trickled / 2);
            assertTrue(status(f, "callbacksPending") <= 8, f.asyncStatus().toString());
            AsyncFunction.await(
                    "a trickled attempt cut by the deadline",
                    Duration.ofSeconds(10),
                    () -> status(f, "callbacksTimedOut") >= 1);
            assertTrue(trickler.maxConcurrent.get() <= 8, "per-host limit: " + trickler.maxConcurrent.get());
            System.out.printf(
                    "trickling receiver: %d calls held by it (%d connections at most, %d owed), the normal "
                            + "callback delivered %d ms after its call%n",
                    trickled, trickler.maxConcurrent.get(), status(f, "callbacksOwed"), ms);
        } finally {
            normal.stop(0);
        }
    }

    @Test
    void callbacksToOneReceiverAreLimited(@TempDir Path dir) throws Exception {
        AtomicInteger current = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        List<String> received = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        slow.setExecutor(pool);
        slow.createContext("/", ex -> {
            int now = current.incrementAndGet();
            max.accumulateAndGet(now, Math::max);
            boolean counted = true;
            try {
                ex.getRequestBody().readAllBytes();
                Thread.sleep(100); // a slow receiver is the behaviour under test
                received.add(ex.getRequestHeaders().getFirst("X-Nucleon-Event-Id"));
                // leave the count before answering: once the answer is out, the sender may start its next
                // callback before this thread gets back here, which would count one call twice
                current.decrementAndGet();
                counted = false;
                ex.sendResponseHeaders(204, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (counted) {
                    current.decrementAndGet();
                }
                ex.close();
            }
        });
        slow.start();
        try (AsyncFunction f = start(dir, a -> {
            AsyncFunction.allowLoopbackCallbacks(a);
            a.put("callbackMaxPerHost", 3);
        })) {
            postMany(f, 30, "http://127.0.0.1:" + slow.getAddress().getPort() + "/cb");
            AsyncFunction.await("30 callbacks delivered", Duration.ofSeconds(30), () -> received.size() == 30);
            assertTrue(max.get() <= 3, "at most callbackMaxPerHost at once: " + max.get());
            assertTrue(max.get() >= 2, "and in parallel: " + max.get());
            AsyncFunction.await("all recorded", Duration.ofSeconds(10), () -> status(f, "callbacksDelivered") == 30);
        } finally {
            slow.stop(0);
            pool.shutdownNow();
        }
    }

    @Test
    void callbacksBeyondTheMemoryBoundWaitInTheJournalGoOutOldestFirstAndSurviveARestart(@TempDir Path dir)
            throws Exception {
        int calls = 20;
        AtomicBoolean accepting = new AtomicBoolean(false);
        List<String> received = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        receiver.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            String id = ex.getRequestHeaders().getFirst("X-Nucleon-Event-Id");
            if (accepting.get()) {
                received.add(id);
                ex.sendResponseHeaders(204, -1);
            } else {
                refused.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                ex.sendResponseHeaders(503, -1);
            }
            ex.close();
        });
        receiver.start();
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb";
        Consumer<Map<String, Object>> options = a -> {
            AsyncFunction.allowLoopbackCallbacks(a);
            a.put("callbackMaxPending", 1);
            a.put("callbackMaxPerHost", 1);
            a.put("callbackMaxAttempts", 100_000); // retried for the whole test: never given up
        };
        List<String> ids = new ArrayList<>();
        try {
            // one worker: calls finish in the order they were accepted, and so are their callbacks submitted
            try (AsyncFunction f = start(dir, 1, options)) {
                for (int i = 0; i < calls; i++) {
                    HttpResponse<String> r = f.post("/async/greet", "c" + i, "X-Callback-Url", hook);
                    assertEquals(202, r.statusCode(), r.body());
                    ids.add(json(r).get("id").asText());
                }
                // one callback held (retried against the 503s), the others owed in the journal; every call handled
                AsyncFunction.await(
                        "every call handled", Duration.ofSeconds(30), () -> status(f, "succeeded") == calls);
                AsyncFunction.await("19 owed", Duration.ofSeconds(10), () -> status(f, "callbacksOwed") == calls - 1);
                assertEquals(1, status(f, "callbacksPending"));
                assertEquals(calls - 1, metric(f, "nucleon_async_callbacks_owed"));
                assertEquals(1, refused.size(), "only the oldest callback was tried: " + refused.keySet());
                assertTrue(refused.containsKey(ids.get(0)), "and it is the oldest");
            }
            // the next start sends every one, one at a time (the bounds of 1), oldest first
            accepting.set(true);
            try (AsyncFunction f = start(dir, options)) {
                AsyncFunction.await(
                        "every callback delivered after the restart",
                        Duration.ofSeconds(30),
                        () -> received.size() >= calls);
                assertEquals(ids, received, "in the order the calls were accepted");
                for (String id : ids) {
                    awaitCallback(f, "/async/status/" + id, "delivered");
                }
                assertEquals(calls, status(f, "callbacksResent"));
                AsyncFunction.await(
                        "nothing owed",
                        Duration.ofSeconds(10),
                        () -> status(f, "callbacksOwed") == 0 && status(f, "callbacksPending") == 0);
            }
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aLargeResponseIsReadUpToTheCapAndTheStatusStands(@TempDir Path dir) throws Exception {
        try (Receivers.Raw flood = new Receivers.Raw(Receivers.Behaviour.FLOOD);
                AsyncFunction f = start(dir, a -> {
                    AsyncFunction.allowLoopbackCallbacks(a);
                    a.put("callbackTimeout", "20s");
                    a.put("callbackMaxAttempts", 1);
                })) {
            long t0 = System.nanoTime();
            String status =
                    statusOf(f.post("/async/greet", "x", "X-Callback-Url", "http://127.0.0.1:" + flood.port() + "/"));
            awaitCallback(f, status, "delivered");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15), "not read to the end of its 1 GiB");
            assertEquals(0, status(f, "callbacksTimedOut"));
            AsyncFunction.await("the receiver cut off", Duration.ofSeconds(10), () -> flood.current.get() == 0);
            assertTrue(flood.bytesWritten.get() < 64L << 20, "written before the cut: " + flood.bytesWritten.get());
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    /** Posts {@code n} async calls with {@code callbackUrl}, 32 at a time; returns their status URLs in order. */
    private static List<String> postMany(AsyncFunction f, int n, String callbackUrl) throws Exception {
        Semaphore window = new Semaphore(32);
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            window.acquire();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.port + "/async/many"))
                    .timeout(Duration.ofSeconds(30))
                    .header("X-Callback-Url", callbackUrl)
                    .POST(HttpRequest.BodyPublishers.ofString(Integer.toString(i)))
                    .build();
            all.add(f.http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, e) -> window.release()));
        }
        List<String> statuses = new ArrayList<>(n);
        for (CompletableFuture<HttpResponse<String>> c : all) {
            statuses.add(statusOf(c.get(60, TimeUnit.SECONDS)));
        }
        return statuses;
    }
}
