package io.nucleon.core.control;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nucleon.spi.ErrorResponses;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The control server over real sockets: what it answers, and that nothing a client does stalls /live. */
class ControlServerTest {
    /**
     * What "at once" means for /live: generous enough for a busy machine's scheduling delays, and below
     * every wait that /live would share if it were behind something (the 2 s endpoint timeout, the read
     * and idle timeouts of the stalled clients in these tests).
     */
    private static final long LIVE_BOUND_MILLIS = 1000;

    private static final String LIVE_BODY = "{\"live\":true}";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<Closeable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private ControlServer start(
            ControlLimits limits, Supplier<List<String>> readiness, Supplier<Map<String, Object>> status)
            throws IOException {
        ControlServer server =
                new ControlServer(new InetSocketAddress("127.0.0.1", 0), readiness, registry, status, limits);
        toClose.add(server::close);
        server.start();
        return server;
    }

    private ControlServer start(ControlLimits limits) throws IOException {
        return start(limits, List::of, () -> Map.of("function", "test"));
    }

    private Client connect(ControlServer server) throws IOException {
        Client c = new Client(server.address());
        toClose.add(c);
        return c;
    }

    /** Opens a fresh connection, then times one GET /live on it; asserts the bound, a few times. */
    private void assertLiveIsFast(ControlServer server, String whileWhat) throws IOException {
        for (int i = 0; i < 5; i++) {
            try (Client c = new Client(server.address())) {
                long start = System.nanoTime();
                Reply r = c.get("/live");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(200, r.status);
                assertEquals(LIVE_BODY, r.body);
                assertTrue(millis < LIVE_BOUND_MILLIS, "/live took " + millis + " ms " + whileWhat);
            }
        }
    }

    /** Loads the classes and warms the code of the paths measured, which a fresh JVM pays for once. */
    private static void warmUp(ControlServer server) throws IOException {
        for (int i = 0; i < 20; i++) {
            try (Client c = new Client(server.address())) {
                assertEquals(200, c.get("/live").status);
                assertEquals(200, c.get("/status").status);
            }
        }
    }

    // ---- /live is never behind anything -------------------------------------------------------

    @Test
    void liveAnswersAtOnceWhileAClientHoldsAHalfSentRequest() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        warmUp(server);
        Client holder = connect(server);
        holder.send("GET /status HTTP/1.1\r\nHost: test\r\nX-Never: finished");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 1);
        assertLiveIsFast(server, "while a client holds a half-sent request");
    }

    @Test
    void liveAnswersAtOnceWhileTwentyClientsHoldHalfSentRequests() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        warmUp(server);
        for (int i = 0; i < 20; i++) {
            connect(server).send("GET /metrics HTTP/1.1\r\nHost: te");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 20);
        assertLiveIsFast(server, "while 20 clients hold half-sent requests");
    }

    @Test
    void liveAnswersAtOnceWhileAStatusSupplierIsBlocked() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ControlServer server = start(ControlLimits.DEFAULTS, List::of, () -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of("function", "slow");
        });
        try (Client c = new Client(server.address())) {
            for (int i = 0; i < 20; i++) {
                assertEquals(200, c.get("/live").status);
            }
        }
        Client waiting = connect(server);
        waiting.send(request("GET", "/status"));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the status supplier was never called");
        try {
            assertLiveIsFast(server, "while a /status supplier is blocked");
        } finally {
            release.countDown();
        }
        Reply status = waiting.read(false);
        assertEquals(200, status.status);
        assertTrue(status.body.contains("\"slow\""), status.body);
    }

    @Test
    void aFullEndpointQueueIsAnswered503WithRetryAfterAndLiveStillAnswers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        ControlServer server = start(ControlLimits.DEFAULTS.withWorkers(1, 1), List::of, () -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of("function", "slow");
        });
        Client running = connect(server);
        running.send(request("GET", "/status"));
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        Client queued = connect(server);
        queued.send(request("GET", "/status"));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.endpointsWaiting() == 1);
        Client refused = connect(server);
        Reply r = refused.get("/status");
        assertEquals(503, r.status);
        assertEquals("1", r.header(ErrorResponses.RETRY_AFTER));
        assertEquals("application/json", r.header("content-type"));
        assertTrue(r.body.contains("\"error\":\"control server busy\""), r.body);
        assertEquals(200, refused.get("/live").status, "a 503 for a full queue keeps the connection");
        release.countDown();
        assertEquals(200, running.read(false).status);
        assertEquals(200, queued.read(false).status);
    }

    // ---- timeouts -----------------------------------------------------------------------------

    @Test
    void aHalfSentRequestIsAnswered408AndClosedAfterTheReadTimeout() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS.withTimeouts(
                Duration.ofMillis(300), Duration.ofSeconds(60), Duration.ofSeconds(2)));
        long start = System.nanoTime();
        Client c = connect(server);
        c.send("GET /live HTTP/1.1\r\nHost: test\r\n");
        Reply r = c.read(false);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(408, r.status);
        assertEquals("close", r.header("connection"));
        assertEquals(
                new String(
                        ErrorResponses.body("request timeout", null, "the request did not arrive whole within 300 ms"),
                        StandardCharsets.UTF_8),
                r.body);
        assertTrue(c.atEndOfStream(), "closed after the 408");
        assertTrue(millis >= 300, "answered 408 after " + millis + " ms, before the read timeout");
        assertLiveIsFast(server, "after a 408");
    }

    @Test
    void anEndpointThatDoesNotAnswerWithinTheEndpointTimeoutIs503AndClose() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ControlServer server =
                start(ControlLimits.DEFAULTS.withEndpointTimeout(Duration.ofMillis(300)), List::of, () -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Map.of("function", "late");
                });
        try {
            Client c = connect(server);
            Reply r = c.get("/status");
            assertEquals(503, r.status);
            assertEquals("1", r.header(ErrorResponses.RETRY_AFTER));
            assertTrue(r.body.contains("/status did not answer within 300 ms"), r.body);
            assertTrue(c.atEndOfStream());
        } finally {
            release.countDown();
        }
        try (Client c = new Client(server.address())) {
            assertEquals(200, c.get("/status").status, "the late answer was dropped, the next one is served");
        }
    }

    @Test
    void aConnectionThatSendsNothingIsAnswered408AfterTheReadTimeout() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS.withTimeouts(
                Duration.ofMillis(300), Duration.ofSeconds(60), Duration.ofSeconds(2)));
        Client c = connect(server);
        assertEquals(408, c.read(false).status);
        assertTrue(c.atEndOfStream());
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS.withTimeouts(
                Duration.ofSeconds(10), Duration.ofMillis(300), Duration.ofSeconds(2)));
        Client c = connect(server);
        long start = System.nanoTime();
        assertEquals(200, c.get("/live").status);
        assertTrue(c.atEndOfStream(), "closed when idle, without a response");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 300, "closed after " + millis + " ms, before the idle timeout");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 0);
    }

    @Test
    void aClientThatNeverReadsIsClosedAfterTheIdleTimeoutAndOthersAreServed() throws IOException {
        for (int i = 0; i < 300; i++) {
            registry.counter(
                            "padding.counter.with.a.rather.long.name",
                            "index",
                            Integer.toString(i),
                            "tag",
                            "x".repeat(100))
                    .increment();
        }
        // an idle timeout longer than LIVE_BOUND_MILLIS: a /live stuck behind the greedy client would show
        ControlServer server = start(ControlLimits.DEFAULTS.withTimeouts(
                Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(2)));
        warmUp(server);
        Socket greedy = new Socket();
        toClose.add(greedy);
        greedy.setReceiveBufferSize(4096);
        greedy.connect(server.address(), 5000);
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            requests.append(request("GET", "/metrics"));
        }
        greedy.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
        greedy.getOutputStream().flush();
        assertLiveIsFast(server, "while a client pipelines /metrics and never reads");
        await().atMost(Duration.ofSeconds(30)).until(() -> server.openConnections() == 0);
    }

    // ---- limits --------------------------------------------------------------------------------

    @Test
    void oversizedHeadersAre431AndClose() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        c.send("GET /live HTTP/1.1\r\nHost: test\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n");
        Reply r = c.read(false);
        assertEquals(431, r.status);
        assertEquals("close", r.header("connection"));
        assertTrue(r.body.contains("\"error\":\"request header fields too large\""), r.body);
        assertTrue(c.atEndOfStream());
        assertLiveIsFast(server, "after a 431");
    }

    @Test
    void anOversizedRequestLineIs414AndClose() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        c.send("GET /live?" + "q".repeat(9000) + " HTTP/1.1\r\nHost: test\r\n\r\n");
        Reply r = c.read(false);
        assertEquals(414, r.status);
        assertTrue(c.atEndOfStream());
    }

    @Test
    void bodiesAreReadAndDroppedUpToTheLimitLargerAre413AndChunkedIs411() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client small = connect(server);
        small.send("POST /nowhere HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals(404, small.read(false).status);
        assertEquals(200, small.get("/live").status, "the body was read, the connection goes on");

        Client large = connect(server);
        large.send("POST /live HTTP/1.1\r\nHost: test\r\nContent-Length: 70000\r\n\r\n" + "x".repeat(1000));
        Reply r = large.read(false);
        assertEquals(413, r.status);
        assertTrue(r.body.contains("at most 65536 bytes, this one 70000"), r.body);
        assertTrue(large.atEndOfStream());

        Client chunked = connect(server);
        chunked.send("POST /live HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertEquals(411, chunked.read(false).status);
        assertTrue(chunked.atEndOfStream());
    }

    @Test
    void expect100ContinueIsAnsweredBeforeTheBody() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        c.send("POST /live HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        assertEquals(100, c.read(true).status);
        c.send("hello");
        assertEquals(405, c.read(false).status);
    }

    @Test
    void overTheConnectionCapIs503AndClosedAndTheServerStillAnswers() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS.withMaxConnections(3));
        List<Client> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Client c = connect(server);
            assertEquals(200, c.get("/live").status);
            held.add(c);
        }
        Client extra = connect(server);
        extra.send(request("GET", "/live"));
        Reply r = extra.read(false);
        assertEquals(503, r.status);
        assertEquals("1", r.header(ErrorResponses.RETRY_AFTER));
        assertEquals("close", r.header("connection"));
        assertTrue(r.body.contains("\"error\":\"too many control connections\""), r.body);
        assertTrue(extra.atEndOfStream(), "closed after the 503");
        extra.close();

        assertEquals(200, held.get(0).get("/live").status, "the connections within the cap are still served");
        held.get(1).close();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 2);
        Client after = connect(server);
        assertEquals(200, after.get("/live").status);
    }

    // ---- what it answers ---------------------------------------------------------------------

    @Test
    void endpointsAnswerAsBefore() throws IOException {
        List<String> notReady = new ArrayList<>(List.of("trigger web: not listening yet"));
        registry.counter("nucleon.test.count").increment();
        ControlServer server = start(ControlLimits.DEFAULTS, () -> List.copyOf(notReady), () -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("function", "orders");
            m.put("state", "running");
            return m;
        });
        Client c = connect(server);

        Reply live = c.get("/live");
        assertEquals(200, live.status);
        assertEquals("application/json", live.header("content-type"));
        assertEquals("no-store", live.header("cache-control"));
        assertEquals(LIVE_BODY, live.body);

        Reply ready = c.get("/ready");
        assertEquals(503, ready.status);
        assertEquals("{\"ready\":false,\"notReady\":[\"trigger web: not listening yet\"]}", ready.body);
        notReady.clear();
        ready = c.get("/ready");
        assertEquals(200, ready.status);
        assertEquals("{\"ready\":true}", ready.body);

        Reply metrics = c.get("/metrics");
        assertEquals(200, metrics.status);
        assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.header("content-type"));
        assertTrue(metrics.body.contains("nucleon_test_count_total 1.0"), metrics.body);

        Reply status = c.get("/status");
        assertEquals(200, status.status);
        assertEquals("application/json", status.header("content-type"));
        assertTrue(status.body.contains("\"function\" : \"orders\""), status.body);

        Reply missing = c.get("/nope");
        assertEquals(404, missing.status);
        assertEquals("application/json", missing.header("content-type"));
        assertEquals(
                new String(
                        ErrorResponses.body(
                                "not found",
                                null,
                                "the control server serves /live, /ready, /metrics, /status and /triggers/…"),
                        StandardCharsets.UTF_8),
                missing.body);

        assertEquals(200, c.get("/live?verbose=1").status, "a query does not change the path");
    }

    @Test
    void postToLiveIs405WithAllowAndTheConnectionStaysUsable() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        c.send("POST /live HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\nping");
        Reply r = c.read(false);
        assertEquals(405, r.status);
        assertEquals("GET, HEAD", r.header("allow"));
        assertTrue(r.body.contains("\"error\":\"method not allowed\""), r.body);
        assertNull(r.header("connection"));
        assertEquals(200, c.get("/live").status);
    }

    @Test
    void headIsAnsweredWithoutABody() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        c.send(request("HEAD", "/live") + request("HEAD", "/status") + request("GET", "/live"));
        Reply head = c.read(true);
        assertEquals(200, head.status);
        assertEquals(Integer.toString(LIVE_BODY.length()), head.header("content-length"));
        assertEquals(200, c.read(true).status);
        // had either HEAD answer carried a body, this would read it instead of a status line
        Reply get = c.read(false);
        assertEquals(200, get.status);
        assertEquals(LIVE_BODY, get.body);
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        for (int i = 0; i < 3; i++) {
            for (String path : List.of("/live", "/ready", "/metrics", "/status")) {
                Reply r = c.get(path);
                assertEquals(200, r.status, path);
                assertNull(r.header("connection"), path);
            }
        }
        assertEquals(1, server.openConnections());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        c.send(request("GET", "/status") + request("GET", "/live") + request("GET", "/nope")
                + request("GET", "/ready") + "POST /live HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /live HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        Reply status = c.read(false);
        assertEquals(200, status.status);
        assertTrue(status.body.contains("\"function\""), status.body);
        assertEquals(LIVE_BODY, c.read(false).body);
        assertEquals(404, c.read(false).status);
        assertEquals("{\"ready\":true}", c.read(false).body);
        assertEquals(405, c.read(false).status);
        Reply last = c.read(false);
        assertEquals(LIVE_BODY, last.body);
        assertEquals("close", last.header("connection"));
        assertTrue(c.atEndOfStream());
    }

    @Test
    void http10AndConnectionCloseAreHonoured() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client old = connect(server);
        old.send("GET /live HTTP/1.0\r\n\r\n");
        Reply r = old.read(false);
        assertEquals(200, r.status);
        assertEquals("close", r.header("connection"));
        assertTrue(old.atEndOfStream());

        Client oldKeepAlive = connect(server);
        oldKeepAlive.send("GET /live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertEquals("keep-alive", oldKeepAlive.read(false).header("connection"));
        oldKeepAlive.send("GET /live HTTP/1.0\r\n\r\n");
        assertEquals(200, oldKeepAlive.read(false).status);
        assertTrue(oldKeepAlive.atEndOfStream());

        Client closing = connect(server);
        closing.send("GET /ready HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        r = closing.read(false);
        assertEquals(200, r.status);
        assertEquals("close", r.header("connection"));
        assertTrue(closing.atEndOfStream());
    }

    @Test
    void malformedRequestsAre400AndClose() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client noHost = connect(server);
        noHost.send("GET /live HTTP/1.1\r\n\r\n");
        Reply r = noHost.read(false);
        assertEquals(400, r.status);
        assertTrue(r.body.contains("exactly one Host header"), r.body);
        assertTrue(noHost.atEndOfStream());

        Client garbage = connect(server);
        garbage.send("GET  /live HTTP/1.1\r\nHost: test\r\n\r\n");
        assertEquals(400, garbage.read(false).status);
        assertTrue(garbage.atEndOfStream());

        Client http2 = connect(server);
        http2.send("GET /live HTTP/2.0\r\nHost: test\r\n\r\n");
        assertEquals(505, http2.read(false).status);
    }

    @Test
    void aFailingSupplierIsAnswered500() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS, List::of, () -> {
            throw new IllegalStateException("status broke (on purpose, in a test)");
        });
        Client c = connect(server);
        Reply r = c.get("/status");
        assertEquals(500, r.status);
        assertTrue(
                r.body.matches("\\{\"error\":\"internal error\",\"errorId\":\"[0-9a-f]{16}\","
                        + "\"message\":\"see the processor's log for this error id\"}"),
                r.body);
        assertTrue(!r.body.contains("on purpose"), "the cause is in the log only");
        assertEquals(200, c.get("/live").status);
    }

    @Test
    void closeClosesEveryConnectionAndIsIdempotent() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        Client c = connect(server);
        assertEquals(200, c.get("/live").status);
        InetSocketAddress address = server.address();
        server.close();
        assertTrue(c.atEndOfStream(), "an open connection is closed");
        server.close();
        assertThrows(ConnectException.class, () -> new Socket(address.getAddress(), address.getPort()).close());
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void aPortInUseFailsWithTheAddressInTheMessage() throws IOException {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            java.net.BindException e = assertThrows(
                    java.net.BindException.class,
                    () -> new ControlServer(
                            new InetSocketAddress("127.0.0.1", taken.getLocalPort()), List::of, registry, Map::of));
            assertTrue(
                    e.getMessage()
                            .startsWith("the control server cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": "),
                    e.getMessage());
        }
    }

    @Test
    void portZeroPicksAPort() throws IOException {
        ControlServer server = start(ControlLimits.DEFAULTS);
        assertTrue(server.address().getPort() > 0);
        assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
    }

    // ---- a plain HTTP/1.1 client over a socket ------------------------------------------------

    private static String request(String method, String path) {
        return method + " " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    /** One response as read off the wire; header names in lower case. */
    private record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A blocking client socket with a 10 s read timeout, so that a stalled server fails a test rather than hangs it. */
    private static final class Client implements Closeable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(address, 5000);
            socket.setSoTimeout(10_000);
            in = new java.io.BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        Reply get(String path) throws IOException {
            send(request("GET", path));
            return read(false);
        }

        /** Reads one response; {@code head}: it has no body whatever its Content-Length. */
        Reply read(boolean head) throws IOException {
            String statusLine = line();
            if (statusLine == null) {
                throw new EOFException("the connection ended before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            assertEquals("HTTP/1.1", parts[0], statusLine);
            int status = Integer.parseInt(parts[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(); line != null && !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.put(
                        line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
            int length = head || status == 100 ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            if (body.length != length) {
                throw new EOFException("the body ended after " + body.length + " of " + length + " bytes");
            }
            return new Reply(status, headers, new String(body, StandardCharsets.UTF_8));
        }

        /** Whether the server has ended the stream (an orderly close, not a reset). */
        boolean atEndOfStream() throws IOException {
            return in.read() == -1;
        }

        private String line() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b == -1) {
                    return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
                }
                buf.write(b);
            }
            String s = buf.toString(StandardCharsets.ISO_8859_1);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
