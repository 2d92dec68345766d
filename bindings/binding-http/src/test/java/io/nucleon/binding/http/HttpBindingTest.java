package io.nucleon.binding.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.api.Response;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The http binding against a real local HTTP server (com.sun.net.httpserver), also through a real processor. */
class HttpBindingTest {
    private HttpServer server;
    private ExecutorService serverThreads;
    private String root;
    /** Requests seen by the server: "METHOD /path?query". */
    private final List<String> seen = new CopyOnWriteArrayList<>();

    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final CountDownLatch slowAnswers = new CountDownLatch(1);

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        // /flaky/<n>/<key>: 503 for the first n requests of each key, then 200
        server.createContext("/flaky/", ex -> {
            String[] parts = ex.getRequestURI().getPath().split("/");
            int failures = Integer.parseInt(parts[2]);
            int n = attempts.computeIfAbsent(ex.getRequestMethod() + " " + parts[3], k -> new AtomicInteger())
                    .incrementAndGet();
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            reply(ex, n <= failures ? 503 : 200, "attempt " + n);
        });
        // /slow: answers only once the test is over (or after 30 s)
        server.createContext("/slow", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            try {
                slowAnswers.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(ex, 200, "late");
        });
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            ex.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(), String.join(",", v)));
            byte[] body = ex.getRequestBody().readAllBytes();
            reply(
                    ex,
                    200,
                    ex.getRequestMethod() + " " + ex.getRequestURI() + " " + new String(body, StandardCharsets.UTF_8));
        });
        server.start();
        root = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() throws Exception {
        slowAnswers.countDown();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/plain");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private HttpBinding open(HttpBindingConfig c) {
        HttpBinding b = new HttpBinding("api", c);
        b.open();
        toClose.add(b);
        return b;
    }

    private HttpBindingConfig config() {
        HttpBindingConfig c = new HttpBindingConfig();
        c.baseUrl = root + "/api";
        c.retryDelay = Duration.ofMillis(10);
        return c;
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void idempotentRequestsAreRetriedOn503ButPostIsNot() throws Exception {
        HttpBinding b = open(config());
        HttpResponse<byte[]> get = await(b.get(root + "/flaky/2/a"));
        assertEquals(200, get.statusCode());
        assertEquals("attempt 3", text(get), "two 503s, then the third attempt");

        HttpResponse<byte[]> put =
                await(b.put(root + "/flaky/1/a", "text/plain", "x".getBytes(StandardCharsets.UTF_8)));
        assertEquals("attempt 2", text(put));

        HttpResponse<byte[]> post =
                await(b.post(root + "/flaky/2/a", "text/plain", "x".getBytes(StandardCharsets.UTF_8)));
        assertEquals(503, post.statusCode(), "POST is sent once: it may not be safe to repeat");
        assertEquals(1, attempts.get("POST a").get());

        HttpResponse<byte[]> exhausted = await(b.get(root + "/flaky/10/b"));
        assertEquals(503, exhausted.statusCode(), "the last 503 once the retries are spent");
        assertEquals(3, attempts.get("GET b").get(), "maxRetries 2: three attempts");
        assertEquals(2L + 1 + 2, b.status().get("retries"));
        assertEquals(Map.of("2xx", 2L, "5xx", 2L), b.status().get("requests"));
    }

    @Test
    void connectionErrorsAreRetriedForIdempotentMethodsOnly() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HttpBindingConfig c = config();
        c.baseUrl = "http://127.0.0.1:" + closedPort;
        HttpBinding b = open(c);
        ExecutionException get = assertThrows(ExecutionException.class, () -> await(b.get("/x?token=secret")));
        HttpBindingException e = assertInstanceOf(HttpBindingException.class, get.getCause());
        assertEquals(3, e.attempts());
        assertInstanceOf(ConnectException.class, e.getCause());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "GET http://127.0.0.1:" + closedPort + "/x failed after 3 attempts: ConnectException"),
                e.getMessage());
        assertFalse(e.getMessage().contains("secret"), "no query in messages");

        ExecutionException post =
                assertThrows(ExecutionException.class, () -> await(b.post("/x", "text/plain", new byte[1])));
        assertEquals(1, ((HttpBindingException) post.getCause()).attempts());
    }

    @Test
    void aSlowResponseTimesOutAndIsNotRetried() throws Exception {
        HttpBindingConfig c = config();
        c.baseUrl = root;
        c.requestTimeout = Duration.ofMillis(300);
        HttpBinding b = open(c);
        long start = System.nanoTime();
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(b.get("/slow")));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        HttpBindingException he = assertInstanceOf(HttpBindingException.class, e.getCause());
        assertInstanceOf(HttpTimeoutException.class, he.getCause());
        assertEquals(1, he.attempts());
        assertEquals("GET " + root + "/slow failed: got no response within 300ms", he.getMessage());
        // the server has not answered at all (it waits for the test to end): the bound is generous
        assertTrue(ms >= 250 && ms < 10_000, "bounded by requestTimeout: " + ms);
        assertEquals(1, seen.stream().filter(s -> s.startsWith("GET /slow")).count());
    }

    @Test
    void pathsAreResolvedAgainstTheBaseUrl() throws Exception {
        HttpBinding b = open(config()); // root + "/api"
        assertEquals("GET /api/items?x=1 ", text(await(b.get("items?x=1"))));
        assertEquals("GET /api/items ", text(await(b.get("/items"))));
        assertEquals("GET /other ", text(await(b.get(root + "/other"))), "a full URL as it is");
        assertEquals(URI.create(root + "/api/a/b"), b.resolve("a/b"));
        HttpBindingConfig c = config();
        c.baseUrl = root + "/api/";
        assertEquals(URI.create(root + "/api/a"), open(c).resolve("/a"));
        c = config();
        c.baseUrl = "";
        HttpBinding none = open(c);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> none.get("items"));
        assertTrue(e.getMessage().contains("has no baseUrl"), e.getMessage());
    }

    @Test
    void defaultHeadersAreSentAndNeverShown() throws Exception {
        HttpBindingConfig c = config();
        c.headers = Map.of("Authorization", "Bearer top-secret", "X-Tenant", "acme");
        HttpBinding b = open(c);
        await(b.send("delete", "things/1", Map.of("x-tenant", "other", "X-Trace", "t1"), null));
        assertEquals("DELETE /api/things/1", seen.get(seen.size() - 1));
        assertEquals("Bearer top-secret", lastHeaders.get("authorization"));
        assertEquals("other", lastHeaders.get("x-tenant"), "the request's own header wins");
        assertEquals("t1", lastHeaders.get("x-trace"));
        String status = b.status().toString();
        assertTrue(status.contains("Authorization") && !status.contains("top-secret"), status);
        assertFalse(b.toString().contains("top-secret"));
    }

    @Test
    void throughAProcessorAHandlerCallsTheServiceWithoutBlockingItsWorker() throws Exception {
        Processor p = Processor.builder()
                .name("http-out")
                .withoutControlServer()
                .dataBinding(
                        "api",
                        "http",
                        Map.of("baseUrl", root + "/api", "headers", Map.of("X-From", "nucleon"), "retryDelay", "10ms"))
                .handler((ctx, e) -> ctx.binding("api", HttpBinding.class)
                        .post("orders", "text/plain", e.body())
                        .thenApply(r ->
                                Response.status(r.statusCode()).body(r.body()).build()))
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(2).attribute("host", "127.0.0.1").attribute("port", 0))
                .build()
                .start();
        toClose.add(() -> p.stop(Duration.ofSeconds(5)));
        @SuppressWarnings("unchecked")
        int port = (Integer)
                ((List<Map<String, Object>>) p.status().get("triggers")).get(0).get("port");
        HttpClient http = HttpClient.newHttpClient();
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(20))
                            .POST(HttpRequest.BodyPublishers.ofString("order-" + i))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> r = all.get(i).get(30, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("POST /api/orders order-" + i, r.body());
        }
        assertEquals("nucleon", lastHeaders.get("x-from"));
        @SuppressWarnings("unchecked")
        Map<String, Object> status = ((List<Map<String, Object>>) p.status().get("dataBindings")).get(0);
        assertEquals(Map.of("2xx", 50L), status.get("requests"));
        assertEquals(true, status.get("ready"));
    }

    @Test
    void badAttributesAreNamedWithTheirPath() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .withoutControlServer()
                        .handler((ctx, ev) -> null)
                        .dataBinding(
                                "api",
                                "http",
                                Map.of(
                                        "baseUrl",
                                        "ftp://files",
                                        "maxRetries",
                                        -1,
                                        "httpVersion",
                                        "3",
                                        "headers",
                                        Map.of("Host", "x"),
                                        "requestTimeout",
                                        "soon"))
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        assertTrue(e.getMessage().contains("spec.dataBindings.api.attributes.requestTimeout: "), e.getMessage());
        FunctionConfigException f = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .withoutControlServer()
                        .handler((ctx, ev) -> null)
                        .dataBinding(
                                "api",
                                "http",
                                Map.of(
                                        "baseUrl",
                                        "ftp://files",
                                        "maxRetries",
                                        -1,
                                        "httpVersion",
                                        "3",
                                        "headers",
                                        Map.of("Host", "x")))
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        String m = f.getMessage();
        assertTrue(
                m.contains("spec.dataBindings.api.attributes.baseUrl: must be an http:// or https:// URL with a host"),
                m);
        assertTrue(m.contains("spec.dataBindings.api.attributes.maxRetries: must be from 0 to 100, got -1"), m);
        assertTrue(m.contains("spec.dataBindings.api.attributes.httpVersion: must be \"1.1\" or \"2\""), m);
        assertTrue(m.contains("spec.dataBindings.api.attributes.headers.Host: cannot be set"), m);
    }
}
