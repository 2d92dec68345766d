package io.nucleon.trigger.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The http trigger's connection cap and body budget against a real server in a process of its own
 * (its own heap limit and file descriptors): no OutOfMemoryError, clean refusals, and service goes on.
 */
class HttpLimitsInAProcessTest {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process child;
    private Path log;
    private int port;
    private int controlPort;

    @TempDir
    Path dir;

    @AfterEach
    void stopChild() throws Exception {
        if (child != null) {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void tenThousandIdleConnectionsAgainstACapOfFiveThousandAreRefusedCleanlyAndTheServerGoesOnServing()
            throws Exception {
        start(List.of("-Xmx256m"), "maxConnections=5000", "idleTimeout=5m", "readTimeout=5m");
        List<SocketChannel> sockets = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < 10_000; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, new StringBuilder());
                sockets.add(ch);
            }
            // the refused ones get a 503 and an end of stream; the accepted ones hear nothing (they are idle)
            ByteBuffer buf = ByteBuffer.allocate(4096);
            int[] refused = {0};
            List<String> badAnswers = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        selector.select(100);
                        for (SelectionKey key : selector.selectedKeys()) {
                            SocketChannel ch = (SocketChannel) key.channel();
                            StringBuilder got = (StringBuilder) key.attachment();
                            buf.clear();
                            int n;
                            try {
                                n = ch.read(buf);
                            } catch (IOException reset) {
                                badAnswers.add("reset: " + reset);
                                key.cancel();
                                continue;
                            }
                            if (n > 0) {
                                got.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                            } else if (n < 0) {
                                key.cancel();
                                if (got.toString().startsWith("HTTP/1.1 503 ") && got.indexOf("maxConnections") > 0) {
                                    refused[0]++;
                                } else {
                                    badAnswers.add(got.toString());
                                }
                            }
                        }
                        selector.selectedKeys().clear();
                        return refused[0] + badAnswers.size() >= 5000;
                    });
            assertEquals(List.of(), badAnswers);
            assertEquals(5000, refused[0]);
            assertEquals(5000, triggerStatus("\"connections\""));

            // the accepted connections are served
            for (SocketChannel ch : sockets) {
                SelectionKey key = ch.keyFor(selector);
                if (key != null && key.isValid()) {
                    key.cancel();
                    selector.selectNow();
                    ch.configureBlocking(true);
                    ch.write(ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                    buf.clear();
                    ch.read(buf);
                    assertTrue(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1)
                            .startsWith("HTTP/1.1 200 "));
                    break;
                }
            }
            assertTrue(metrics()
                    .contains("nucleon_http_rejected_total{function=\"child\",kind=\"http\",reason=\"connections\","
                            + "trigger=\"web\"} 5000.0"));
        } finally {
            for (SocketChannel ch : sockets) {
                ch.close();
            }
        }
        // and once they are gone, new ones are taken again
        await().atMost(Duration.ofSeconds(20)).until(() -> triggerStatus("\"connections\"") == 0);
        assertEquals("ok", get("/").body());
        assertFalse(Files.readString(log).contains("Too many open files"), Files.readString(log));
    }

    @Test
    void twoHundredSlowFourMiBUploadsUnderA256MiBHeapGet503sBeyondTheBudgetAndLeaveNothingBehind() throws Exception {
        start(List.of("-Xmx256m", "-XX:MaxDirectMemorySize=256m"));
        long heapBefore = Long.parseLong(get("/heap").body());
        int uploads = 200;
        int size = 4 << 20;
        int chunk = 128 << 10;
        List<Upload> all = new ArrayList<>();
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < uploads; i++) {
                Upload u = new Upload(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)), size);
                u.ch.configureBlocking(false);
                u.ch.register(selector, SelectionKey.OP_READ, u);
                all.add(u);
            }
            // every 50 ms each upload sends its next 128 KiB: 4 MiB take 1.6 s, all 200 at once
            ScheduledFuture<?> sending = pacer.scheduleAtFixedRate(
                    () -> {
                        for (Upload u : all) {
                            u.sendSome(chunk);
                        }
                    },
                    0,
                    50,
                    TimeUnit.MILLISECONDS);
            // meanwhile other calls are served
            HttpResponse<String> ping = get("/ping");
            assertEquals(200, ping.statusCode());

            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        selector.select(100);
                        for (SelectionKey key : selector.selectedKeys()) {
                            Upload u = (Upload) key.attachment();
                            buf.clear();
                            int n = u.ch.read(buf);
                            if (n > 0) {
                                u.answer.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
                            } else if (n < 0) {
                                key.cancel();
                            }
                        }
                        selector.selectedKeys().clear();
                        return all.stream().allMatch(Upload::answered);
                    });
            sending.cancel(false);
        } finally {
            pacer.shutdownNow();
            for (Upload u : all) {
                u.ch.close();
            }
        }
        long ok = all.stream().filter(u -> u.status().equals("200")).count();
        long busy = all.stream().filter(u -> u.status().equals("503")).count();
        System.out.printf("200 slow 4 MiB uploads under -Xmx256m: %d taken, %d answered 503%n", ok, busy);
        assertEquals(
                uploads,
                ok + busy,
                () -> "every upload got 200 or 503; others: "
                        + all.stream()
                                .filter(u ->
                                        !u.status().equals("200") && !u.status().equals("503"))
                                .map(Upload::status)
                                .distinct()
                                .toList());
        assertTrue(
                ok >= 1 && ok <= 16,
                "the default budget (a quarter of 256 MiB) holds at most 16 bodies of 4 MiB: " + ok);
        assertTrue(busy >= uploads - 16);
        for (Upload u : all) {
            if (u.status().equals("200")) {
                assertTrue(u.answer.toString().endsWith("\r\n\r\n" + size), u.answer.toString());
            } else {
                assertTrue(u.answer.indexOf("Retry-After: 1") > 0 && u.answer.indexOf("maxInflightBodyBytes") > 0);
            }
        }
        // nothing left behind: no body held, the heap back where it was, no OutOfMemoryError
        await().atMost(Duration.ofSeconds(10)).until(() -> triggerStatus("\"bodyBytesInFlight\"") == 0);
        long heapAfter = Long.parseLong(get("/heap").body());
        assertTrue(
                heapAfter - heapBefore < (16L << 20),
                "live heap before " + (heapBefore >> 20) + " MiB, after " + (heapAfter >> 20) + " MiB");
        assertTrue(child.isAlive());
        String output = Files.readString(log);
        assertFalse(output.contains("OutOfMemoryError"), output);
    }

    /** One slow upload: its headers at once, then its body a slice at a time. */
    private static final class Upload {
        final SocketChannel ch;
        final StringBuilder answer = new StringBuilder();
        private final ByteBuffer out;
        private volatile String writeFailure;

        Upload(SocketChannel ch, int size) {
            this.ch = ch;
            byte[] head =
                    ("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                                    + size + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
            out = ByteBuffer.allocate(head.length + size).put(head);
            out.flip();
            out.limit(head.length);
        }

        synchronized void sendSome(int bytes) {
            try {
                ch.write(out);
                if (!out.hasRemaining()) {
                    out.limit(Math.min(out.capacity(), out.limit() + bytes));
                }
            } catch (IOException e) {
                writeFailure = e.toString();
            }
        }

        boolean answered() {
            String a = answer.toString();
            int end = a.indexOf("\r\n\r\n");
            if (writeFailure != null) {
                return true;
            }
            if (end < 0) {
                return false;
            }
            int cl = a.toLowerCase().indexOf("content-length: ");
            int length =
                    Integer.parseInt(a.substring(cl + 16, a.indexOf("\r\n", cl)).trim());
            return a.length() >= end + 4 + length;
        }

        String status() {
            if (writeFailure != null) {
                return "write failed: " + writeFailure;
            }
            return answer.length() >= 12 ? answer.substring(9, 12) : answer.toString();
        }
    }

    private void start(List<String> jvm, String... attributes) throws Exception {
        Path portFile = dir.resolve("ports");
        log = dir.resolve("child.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvm);
        cmd.addAll(List.of(
                "-cp", System.getProperty("java.class.path"), HttpServerChild.class.getName(), portFile.toString()));
        cmd.addAll(List.of(attributes));
        child = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !child.isAlive());
        assertTrue(child.isAlive(), () -> "the child exited: " + read(log));
        String[] ports = Files.readString(portFile).trim().split(" ");
        port = Integer.parseInt(ports[0]);
        controlPort = Integer.parseInt(ports[1]);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String metrics() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** A number from the child's /status, found by its quoted key (the first one: the http trigger's). */
    private long triggerStatus(String key) throws Exception {
        String status = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + controlPort + "/status"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        int i = status.indexOf(key);
        int colon = status.indexOf(':', i);
        int end = colon + 1;
        while (end < status.length()
                && (Character.isWhitespace(status.charAt(end)) || Character.isDigit(status.charAt(end)))) {
            end++;
        }
        return Long.parseLong(status.substring(colon + 1, end).trim());
    }
}
