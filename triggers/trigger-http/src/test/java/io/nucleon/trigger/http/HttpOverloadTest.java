package io.nucleon.trigger.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The http trigger at and beyond saturation: its event loops never wait for a worker, every buffer
 * has a bound, and what does not fit gets a clear 503 while the rest goes on being served.
 */
class HttpOverloadTest {

    @Test
    void aFullPoolNeverHoldsTheEventLoop() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    if (e.path().equals("/slow")) {
                        release.await(30, TimeUnit.SECONDS);
                    }
                    return "ok";
                },
                t -> t.numWorkers(1)
                        .workerQueueSize(1)
                        .waitingListSize(1)
                        .workerAvailabilityTimeout(Duration.ofSeconds(5))
                        .attribute("eventLoopThreads", 1))) {
            List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            String[] stage = {"available", "queued", "waiting"};
            Object[] expected = {0, 1L, 1};
            for (int i = 0; i < 3; i++) { // one runs, one is queued, one waits on the waiting list
                slow.add(f.http.sendAsync(
                        java.net.http.HttpRequest.newBuilder(f.uri("/slow")).build(),
                        HttpResponse.BodyHandlers.ofString()));
                int n = i;
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> pool(f).get(stage[n]).equals(expected[n]));
            }

            // the one event loop still serves at once: the extra call is rejected, a bad request answered
            long t0 = System.nanoTime();
            HttpResponse<String> extra = f.get("/fast");
            long extraMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(503, extra.statusCode());
            assertEquals("5", extra.headers().firstValue("Retry-After").orElse(null));
            assertTrue(
                    extra.body().contains("\"error\":\"no worker available\"")
                            && extra.body().contains("waiting list"),
                    extra.body());
            // "at once": well below the 5 s availability timeout an event loop waiting for a worker would take
            assertTrue(extraMs < 3000, "the 503 came after " + extraMs + " ms");
            try (RunningFunction.RawConnection c = f.raw()) {
                t0 = System.nanoTime();
                c.send("BAD REQUEST LINE\r\n\r\n");
                assertEquals(400, c.read().status());
                long badMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(badMs < 3000, "the 400 came after " + badMs + " ms");
            }
            String metrics = f.getControl("/metrics").body();
            assertTrue(
                    metrics.contains(
                            "nucleon_events_rejected_total{function=\"test\",kind=\"http\",trigger=\"web\"} 1.0"),
                    metrics);
            release.countDown();
            for (CompletableFuture<HttpResponse<String>> r : slow) {
                assertEquals(200, r.get(10, TimeUnit.SECONDS).statusCode());
            }
        }
    }

    @Test
    void repliesTheTriggerWritesItselfCountAgainstMaxPipelinedRequests() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (RunningFunction f = RunningFunction.start(
                        (ctx, e) -> {
                            release.await(30, TimeUnit.SECONDS);
                            return "slow";
                        },
                        t -> t.attribute("maxPipelinedRequests", 8));
                SocketChannel ch = SocketChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 32 * 1024);
            ch.connect(new InetSocketAddress("127.0.0.1", f.port));
            ch.configureBlocking(false);
            // one slow call, then 20 000 requests the trigger answers itself (a CloudEvent without its
            // required attributes: 400); none can be written before the slow reply
            String bad =
                    "POST /ce HTTP/1.1\r\nHost: t\r\nContent-Type: application/cloudevents+json\r\nContent-Length: 2\r\n\r\n{}";
            int n = 20_000;
            ByteBuffer out = ByteBuffer.wrap(
                    ("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n" + bad.repeat(n)).getBytes(StandardCharsets.US_ASCII));
            long total = out.remaining();
            AtomicLong lastProgress = new AtomicLong(System.nanoTime());
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (ch.write(out) > 0) {
                            lastProgress.set(System.nanoTime());
                        }
                        return !out.hasRemaining()
                                || System.nanoTime() - lastProgress.get() > TimeUnit.SECONDS.toNanos(1);
                    });
            long written = total - out.remaining();
            assertTrue(written < (1 << 20), "the trigger kept reading: " + written + " of " + total + " bytes taken");

            // once the slow call is answered, everything is answered, in order
            release.countDown();
            ResponseCounter counter = new ResponseCounter();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        if (out.hasRemaining()) {
                            ch.write(out);
                        }
                        in.clear();
                        int r = ch.read(in);
                        if (r < 0) {
                            throw new IOException("closed after " + counter.responses + " responses");
                        }
                        counter.feed(in.array(), r);
                        return counter.responses == n + 1;
                    });
            assertEquals("200", counter.first);
            assertEquals(n, counter.count400);
        }
    }

    @Test
    void aClientThatPipelinesWithoutReadingStopsBeingReadAndIsClosedAfterTheIdleTimeout() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        // the idle timeout leaves the client's one second of "no progress" (below) a wide margin before the
        // server closes the stalled connection, however slowly a busy machine runs the two
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> "x".repeat(1024),
                t -> t.attribute("idleTimeout", "5s").attribute("readTimeout", "5s"))) {
            // 100 000 requests of about half a KiB: 50 MiB, more than the kernel's socket buffers can hold
            int n = 100_000;
            String request = "GET /page HTTP/1.1\r\nHost: t\r\nX-Padding: " + "p".repeat(480) + "\r\n\r\n";
            byte[] requests = request.repeat(n).getBytes(StandardCharsets.US_ASCII);
            System.gc();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            try (SocketChannel ch = SocketChannel.open()) {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 32 * 1024);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, 32 * 1024);
                ch.connect(new InetSocketAddress("127.0.0.1", f.port));
                ch.configureBlocking(false);
                ByteBuffer out = ByteBuffer.wrap(requests);
                AtomicLong lastProgress = new AtomicLong(System.nanoTime());
                // write without ever reading, until the server stops taking requests
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> {
                            try {
                                if (ch.write(out) > 0) {
                                    lastProgress.set(System.nanoTime());
                                }
                            } catch (IOException closedByTheServer) {
                                return true; // it stopped taking requests long enough ago to have closed on us: done as
                                // well
                            }
                            return !out.hasRemaining()
                                    || System.nanoTime() - lastProgress.get() > TimeUnit.SECONDS.toNanos(1);
                        });
                assertTrue(
                        out.hasRemaining(), "the server took all " + n + " requests from a client that reads nothing");
                // what the stalled connection holds: its unanswered requests and replies, one read, one slice decoded
                // ahead
                System.gc();
                long stalledHeap = memory.getHeapMemoryUsage().getUsed();

                // meanwhile everybody else is served
                HttpResponse<String> other = f.get("/other");
                assertEquals(200, other.statusCode());

                // and the stalled client is closed once its replies make no progress for the idle timeout
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> metric(f, "nucleon_http_slow_readers_closed_total") == 1.0);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> trigger(f).get("connections").equals(0));
                System.gc();
                long heapAfter = memory.getHeapMemoryUsage().getUsed();
                long grewBy = stalledHeap - heapBefore;
                System.out.printf(
                        "one client pipelining %d requests without reading: %d taken, live heap +%d KiB while stalled,"
                                + " +%d KiB after it was closed%n",
                        n,
                        (requests.length - out.remaining()) / request.length(),
                        grewBy >> 10,
                        (heapAfter - heapBefore) >> 10);
                assertTrue(
                        grewBy < (16L << 20),
                        "the live heap grew by " + (grewBy >> 10) + " KiB for one stalled client");
                assertTrue(
                        heapAfter - heapBefore < (8L << 20),
                        "heap after: +" + ((heapAfter - heapBefore) >> 10) + " KiB");
            }
        }
    }

    @Test
    void bodiesBeyondTheBudgetGet503AndTheBudgetIsGivenBackWhenTheyAreAnswered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(2);
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    if (e.path().equals("/hold")) {
                        running.countDown();
                        release.await(30, TimeUnit.SECONDS);
                    }
                    return Integer.toString(e.body().length);
                },
                t -> t.numWorkers(4)
                        .attribute("maxRequestBodySize", "512KiB")
                        .attribute("maxInflightBodyBytes", "1MiB"))) {
            byte[] body = new byte[400 * 1024];
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(f.http.sendAsync(
                        java.net.http.HttpRequest.newBuilder(f.uri("/hold"))
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            assertTrue(running.await(10, TimeUnit.SECONDS));
            assertEquals(800L * 1024, ((Number) trigger(f).get("bodyBytesInFlight")).longValue());

            // 800 KiB are held: another 400 KiB does not fit, whether its length is declared or chunked
            HttpResponse<String> over = f.post("/more", "application/octet-stream", body);
            assertEquals(503, over.statusCode());
            assertEquals("1", over.headers().firstValue("Retry-After").orElse(null));
            assertTrue(over.body().contains("maxInflightBodyBytes"), over.body());
            try (RunningFunction.RawConnection c = f.raw()) {
                StringBuilder chunked =
                        new StringBuilder("POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (int i = 0; i < 50; i++) {
                    chunked.append("2000\r\n").append("y".repeat(0x2000)).append("\r\n");
                }
                chunked.append("0\r\n\r\n");
                c.send(chunked.toString());
                assertEquals(503, c.read().status());
                c.send("GET /small HTTP/1.1\r\nHost: t\r\n\r\n"); // the refused body was read and dropped: the
                // connection goes on
                RunningFunction.RawResponse small = c.read();
                assertEquals(200, small.status());
                assertEquals("0", small.body());
            }
            assertTrue(metric(
                            f,
                            "nucleon_http_rejected_total{function=\"test\",kind=\"http\",reason=\"body_budget\",trigger=\"web\"}")
                    >= 2.0);

            release.countDown();
            for (CompletableFuture<HttpResponse<String>> r : held) {
                assertEquals("409600", r.get(10, TimeUnit.SECONDS).body());
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> ((Number) trigger(f).get("bodyBytesInFlight")).longValue() == 0);
            assertEquals(
                    "409600", f.post("/more", "application/octet-stream", body).body());
        }
    }

    @Test
    void connectionsBeyondMaxConnectionsGet503AndCloseWhileTheOthersAreServed() throws Exception {
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "ok", t -> t.attribute("maxConnections", 3))) {
            List<RunningFunction.RawConnection> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    held.add(f.raw());
                }
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> trigger(f).get("connections").equals(3));
                try (RunningFunction.RawConnection refused = f.raw()) {
                    RunningFunction.RawResponse r = refused.read();
                    assertNotNull(r);
                    assertEquals(503, r.status());
                    assertEquals("close", r.headers().get("Connection"));
                    assertEquals("1", r.headers().get("Retry-After"));
                    assertTrue(r.body().contains("maxConnections"), r.body());
                    assertTrue(refused.closedByServer());
                }
                RunningFunction.RawConnection first = held.get(0);
                first.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
                assertEquals(200, first.read().status());
                held.remove(0).close();
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> trigger(f).get("connections").equals(2));
                try (RunningFunction.RawConnection again = f.raw()) {
                    again.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
                    assertEquals(200, again.read().status());
                }
                assertEquals(
                        1.0,
                        metric(
                                f,
                                "nucleon_http_rejected_total{function=\"test\",kind=\"http\",reason=\"connections\",trigger=\"web\"}"));
            } finally {
                for (RunningFunction.RawConnection c : held) {
                    c.close();
                }
            }
        }
    }

    /** Counts HTTP responses in a byte stream of small Content-Length responses. */
    private static final class ResponseCounter {
        private final StringBuilder pending = new StringBuilder();
        int responses;
        int count400;
        String first;

        void feed(byte[] bytes, int n) {
            pending.append(new String(bytes, 0, n, StandardCharsets.ISO_8859_1));
            while (true) {
                int end = pending.indexOf("\r\n\r\n");
                if (end < 0) {
                    return;
                }
                String head = pending.substring(0, end);
                int cl = head.toLowerCase().indexOf("content-length:");
                int length = cl < 0
                        ? 0
                        : Integer.parseInt(head.substring(
                                        cl + 15,
                                        head.indexOf("\r\n", cl) < 0 ? head.length() : head.indexOf("\r\n", cl))
                                .trim());
                if (pending.length() < end + 4 + length) {
                    return;
                }
                String status = head.substring(9, 12);
                if (first == null) {
                    first = status;
                }
                if (status.equals("400")) {
                    count400++;
                }
                responses++;
                pending.delete(0, end + 4 + length);
            }
        }
    }

    private static double metric(RunningFunction f, String name) throws Exception {
        for (String line : f.getControl("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ") || (line.startsWith(name + "{") && !name.contains("{"))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> trigger(RunningFunction f) {
        return ((List<java.util.Map<String, Object>>) f.processor.status().get("triggers")).get(0);
    }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> pool(RunningFunction f) {
        return (java.util.Map<String, Object>) trigger(f).get("pool");
    }
}
