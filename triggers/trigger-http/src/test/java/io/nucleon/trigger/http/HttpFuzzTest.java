package io.nucleon.trigger.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Handler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Mutation fuzzing of raw request bytes against a real http trigger on a real socket, for a bounded
 * time: well-formed requests of every kind the trigger understands (query fields, chunked bodies,
 * CloudEvents in both modes, pipelining, 100-continue, HTTP/1.0) are mutated (bytes flipped, set,
 * inserted, deleted, duplicated, spliced, truncated, tokens such as {@code %zz} or a second
 * {@code Content-Length} inserted) and sent on fresh connections by a few threads at once. The handler
 * touches every accessor of the event, so a decoding bug surfaces as a handler failure.
 *
 * <p>Every input is something only the client got wrong, so the trigger must never answer 5xx, never
 * log a WARN or an ERROR, never hang (each connection must end within the read timeout and a margin),
 * never leak a buffer ({@code FailOnNettyLeaks} checks after the class) nor a body-budget byte or a
 * connection, and must still serve afterwards.
 *
 * <p>System properties: {@code nucleon.fuzz.seconds} (default 20) and {@code nucleon.fuzz.tls.seconds}
 * (default 5) bound the two tests; {@code nucleon.fuzz.seed} repeats a run (the seed is printed at
 * the start and in every failure, with the failing input hex-escaped); {@code nucleon.fuzz.threads}
 * (default 4); {@code nucleon.fuzz.input} sends one hex-escaped input (as printed) instead of fuzzing.
 */
class HttpFuzzTest {
    private static final long SECONDS = Long.getLong("nucleon.fuzz.seconds", 20);
    private static final long TLS_SECONDS = Long.getLong("nucleon.fuzz.tls.seconds", 5);
    private static final int THREADS = Integer.getInteger("nucleon.fuzz.threads", 4);
    private static final Duration READ_TIMEOUT = Duration.ofMillis(300);
    private static final Duration TLS_READ_TIMEOUT = Duration.ofSeconds(2);
    /** Short, for the inputs whose body swallows the sentinel: the connection is then idle, waiting for a next request. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
    /** How long one connection may take to end: the read or idle timeout, their check period and slack for a busy machine. */
    private static final int HANG_MILLIS = 10_000;

    private static final Pattern STATUS = Pattern.compile("(?m)^HTTP/1\\.[01] (\\d{3}) ");
    /** Ends every input, so that the server closes once it has read everything (or times the rest out). */
    private static final byte[] SENTINEL = "\r\n\r\nGET /fuzz-end HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    private static final List<byte[]> CORPUS = List.of(
            ascii(
                    "GET /items/7?color=red&tag=a&tag=b&e=%C3%A9&p=a+b HTTP/1.1\r\nHost: x\r\nX-Trace: abc\r\nCookie: a=b; c=d\r\n\r\n"),
            ascii(
                    "POST /submit?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":[1,2,3]}"),
            ascii(
                    "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
            ascii(
                    "POST /ce HTTP/1.1\r\nHost: x\r\nce-id: 42\r\nce-type: com.example.t\r\nce-source: /s\r\nce-specversion: 1.0\r\n"
                            + "ce-time: 2024-01-01T00:00:00Z\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"),
            ascii(
                    "POST /ce HTTP/1.1\r\nHost: x\r\nContent-Type: application/cloudevents+json; charset=utf-8\r\nContent-Length: 131\r\n\r\n"
                            + "{\"id\":\"1\",\"source\":\"/s\",\"specversion\":\"1.0\",\"type\":\"t\",\"time\":\"2024-01-01T00:00:00Z\",\"data\":{\"k\":[1,\"v\"]},\"x\":\"y\"}"),
            ascii(
                    "POST /ce64 HTTP/1.1\r\nHost: x\r\nContent-Type: application/cloudevents+json\r\nContent-Length: 93\r\n\r\n"
                            + "{\"id\":\"1\",\"source\":\"/s\",\"specversion\":\"1.0\",\"type\":\"t\",\"datacontenttype\":\"text/plain\",\"data_base64\":\"aGk=\"}"),
            ascii("GET /old?q=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
            ascii("PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"),
            ascii(
                    "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?x=%41 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /c HTTP/1.1\r\nHost: x\r\n\r\n"),
            ascii("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
            ascii("GET http://example.com/abs?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Type: \r\nX-Empty:\r\n\r\n"),
            ascii("DELETE /d;m=1?a&b=&=c&&d=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));

    private static final List<byte[]> TOKENS = List.of(
            ascii("%"),
            ascii("%%"),
            ascii("%zz"),
            ascii("%2"),
            ascii("%C3"),
            ascii("%FF"),
            ascii("%00"),
            ascii("+"),
            ascii("?"),
            ascii("&"),
            ascii("="),
            ascii("#"),
            ascii(";"),
            ascii("\r\n"),
            ascii("\n"),
            ascii("\r"),
            ascii(":"),
            ascii(" "),
            ascii("\r\n\r\n"),
            ascii("\u0000"),
            ascii("\u00ff"),
            new byte[] {(byte) 0xC3, (byte) 0xA9},
            new byte[] {(byte) 0xED, (byte) 0xA0},
            ascii("Content-Length: 99999999999999999999\r\n"),
            ascii("Content-Length: -1\r\n"),
            ascii("Content-Length: 3\r\n"),
            ascii("Transfer-Encoding: chunked\r\n"),
            ascii("Transfer-Encoding: gzip, chunked\r\n"),
            ascii("Content-Type: application/cloudevents+json\r\n"),
            ascii("ce-time: not-a-time\r\n"),
            ascii("ce-id: \u00ff\r\n"),
            ascii("Expect: 100-continue\r\n"),
            ascii("Expect: nonsense\r\n"),
            ascii("Connection: close\r\n"),
            ascii("Connection: upgrade\r\n"),
            ascii("Upgrade: websocket\r\n"),
            ascii("X-Nucleon-Async: true\r\n"),
            ascii("{"),
            ascii("}"),
            ascii("\"data_base64\":\"!!\","),
            ascii("\"data\":"),
            ascii("[[[[[[[[[[[[[[[["),
            ascii("\"id\":1,"),
            ascii("ffffffffffffffff\r\n"),
            ascii("0\r\n\r\n"),
            ascii("HTTP/1.1"),
            ascii("HTTP/2.0"),
            ascii("HTTP/0.9"),
            ascii("GET "),
            ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));

    @TempDir
    Path dir;

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final WarningsAndErrors logged = new WarningsAndErrors();
    private long seed;

    /** Keeps every WARN and ERROR (any thread), with the fuzzed inputs in flight when it was logged. */
    private final class WarningsAndErrors extends AppenderBase<ILoggingEvent> {
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        volatile AtomicReferenceArray<byte[]> inFlight;

        @Override
        protected void append(ILoggingEvent e) {
            if (!e.getLevel().isGreaterOrEqual(Level.WARN)) {
                return;
            }
            StringBuilder sb =
                    new StringBuilder(e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage());
            if (e.getThrowableProxy() != null) {
                sb.append(" (")
                        .append(e.getThrowableProxy().getClassName())
                        .append(": ")
                        .append(e.getThrowableProxy().getMessage())
                        .append(')');
            }
            AtomicReferenceArray<byte[]> now = inFlight;
            if (now != null) {
                sb.append("\n  inputs in flight then (seed ").append(seed).append("):");
                for (int i = 0; i < now.length(); i++) {
                    byte[] input = now.get(i);
                    if (input != null) {
                        sb.append("\n    thread ")
                                .append(i)
                                .append(": \"")
                                .append(escape(input))
                                .append('"');
                    }
                }
            }
            lines.add(sb.toString());
        }
    }

    @BeforeEach
    void listen() {
        seed = Long.getLong("nucleon.fuzz.seed", System.nanoTime());
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        root.detachAppender(logged);
    }

    @Test
    void mutatedRequestsGetNo5xxNoWarningNoHangAndNoLeak() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                touchEverything(),
                t -> t.numWorkers(4)
                        .attribute("readTimeout", READ_TIMEOUT.toMillis() + "ms")
                        .attribute("idleTimeout", IDLE_TIMEOUT.toMillis() + "ms")
                        .attribute("maxRequestBodySize", "64KiB"))) {
            Stats stats = fuzz(f.port, SECONDS, false, null);
            System.out.println("[fuzz] plain HTTP, seed " + seed + ": " + stats);
            afterFuzzing(f);
        }
    }

    @Test
    void mutatedBytesOnATlsPortGetNoWarningNoHangAndNoLeak() throws Exception {
        TestPki.Ca ca = TestPki.Ca.create("Fuzz CA");
        TestPki.Files2 files = ca.server(1).write(dir, "server");
        SSLContext client = TestPki.clientContext(ca.certificate(), null);
        try (RunningFunction f = RunningFunction.start(
                touchEverything(),
                t -> t.numWorkers(2)
                        // also the handshake's deadline: long enough for the JDK's client on a busy machine
                        .attribute("readTimeout", TLS_READ_TIMEOUT.toMillis() + "ms")
                        .attribute("idleTimeout", IDLE_TIMEOUT.toMillis() + "ms")
                        .attribute(
                                "tls",
                                Map.of(
                                        "certFile",
                                        files.cert().toString(),
                                        "keyFile",
                                        files.key().toString())))) {
            Stats stats = fuzz(f.port, TLS_SECONDS, true, clientHello(client, f.port));
            System.out.println("[fuzz] TLS port, seed " + seed + ": " + stats);
            try (javax.net.ssl.SSLSocket s =
                    (javax.net.ssl.SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", f.port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(ascii("GET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertEquals(200, new RunningFunction.RawConnection(s).read().status());
            }
            afterFuzzing(f);
        }
    }

    /** The server still serves, and holds no connection and no body byte any more. */
    private void afterFuzzing(RunningFunction f) {
        assertEquals(List.of(), List.copyOf(logged.lines));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            Map<String, Object> s = triggerStatus(f);
            assertEquals(0L, ((Number) s.get("bodyBytesInFlight")).longValue(), "body budget bytes still held");
            assertEquals(0, ((Number) s.get("connections")).intValue(), "connections still open");
        });
    }

    /** A handler that reads every accessor of the event, so that whatever decodes lazily is decoded. */
    private static Handler touchEverything() {
        return (ctx, e) -> {
            long n = e.id().length()
                    + e.triggerClass().length()
                    + e.triggerKind().length()
                    + e.triggerName().length();
            n += length(e.contentType())
                    + e.headers().size()
                    + length(e.header("content-type"))
                    + length(e.header("X-Trace"));
            for (Map.Entry<String, String> h : e.headers().entrySet()) {
                n += h.getKey().length() + h.getValue().length();
            }
            n += e.fields().size() + (e.field("x") == null ? 0 : 1);
            n += e.body().length + e.bodyAsString().length() + e.timestamp().getNano();
            n += length(e.path())
                    + length(e.url())
                    + length(e.method())
                    + length(e.type())
                    + length(e.typeVersion())
                    + length(e.version())
                    + length(e.source())
                    + length(e.topic())
                    + e.shardId()
                    + e.totalShards()
                    + e.offset();
            try {
                n += e.bodyAs(JsonNode.class).size(); // an empty body is refused before the codec is asked
            } catch (UncheckedIOException notJson) {
                // documented: a body that is not JSON
            }
            return "ok " + n;
        };
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    // ---- the fuzzer ---------------------------------------------------------------------------------

    /** What a run saw. */
    static final class Stats {
        final AtomicLong inputs = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final Map<String, AtomicLong> statuses = new ConcurrentSkipListMap<>();

        @Override
        public String toString() {
            return inputs + " inputs, " + resets + " ended by a reset, statuses " + statuses;
        }
    }

    private Stats fuzz(int port, long seconds, boolean tls, byte[] clientHello) throws Exception {
        Stats stats = new Stats();
        String replay = System.getProperty("nucleon.fuzz.input");
        System.out.println("[fuzz] seed " + seed + " (repeat with -Dnucleon.fuzz.seed=" + seed + "), " + seconds
                + " s, " + THREADS + " threads" + (tls ? ", TLS port" : ""));
        if (replay != null) {
            exchange(port, unescape(replay), stats, -1, -1);
            return stats;
        }
        AtomicReferenceArray<byte[]> inFlight = new AtomicReferenceArray<>(THREADS);
        logged.inFlight = inFlight;
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                runs.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed + thread * 0x9E3779B97F4A7C15L);
                    for (long i = 0; System.nanoTime() - deadline < 0; i++) {
                        byte[] input = tls
                                ? tlsInput(random, clientHello)
                                : mutate(random, CORPUS.get(random.nextInt(CORPUS.size())));
                        inFlight.set(thread, input);
                        exchange(port, input, stats, thread, i);
                        inFlight.set(thread, null);
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                try {
                    run.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof AssertionError a) {
                        throw a;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
            logged.inFlight = null;
        }
        return stats;
    }

    /** Sends one input and the sentinel on a fresh connection, reads until the server closes, checks the answers. */
    private void exchange(int port, byte[] input, Stats stats, int thread, long iteration) throws IOException {
        stats.inputs.incrementAndGet();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(HANG_MILLIS);
            OutputStream out = s.getOutputStream();
            try {
                out.write(input);
                out.write(SENTINEL);
                out.flush();
            } catch (SocketException closedEarly) {
                // the server answered and closed before reading everything (a 400, say): read what it sent
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) != -1; ) {
                    if (received.size() < (1 << 20)) {
                        received.write(buf, 0, n);
                    }
                }
            } catch (SocketTimeoutException hang) {
                fail("the server neither answered nor closed within " + HANG_MILLIS + " ms: "
                        + where(thread, iteration, input) + "\n  received: \"" + escape(received.toByteArray()) + "\"");
            } catch (SocketException reset) {
                stats.resets.incrementAndGet(); // closed with our bytes unread: the answer before it may be lost
            }
        }
        Matcher m = STATUS.matcher(received.toString(StandardCharsets.ISO_8859_1));
        while (m.find()) {
            String status = m.group(1);
            stats.statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
            if (status.charAt(0) == '5') {
                fail("answered " + status + ": " + where(thread, iteration, input) + "\n  the answers: \""
                        + escape(received.toByteArray()) + "\"");
            }
        }
    }

    private String where(int thread, long iteration, byte[] input) {
        return "seed " + seed + ", thread " + thread + ", input " + iteration + " (repeat with -Dnucleon.fuzz.seed="
                + seed + ", or alone with -Dnucleon.fuzz.input='"
                + escape(input).replace("'", "'\\''") + "')\n  input: \"" + escape(input) + "\"";
    }

    /** One to four mutations of {@code seed}, each of a random kind. */
    static byte[] mutate(SplittableRandom r, byte[] seedInput) {
        byte[] b = seedInput;
        int rounds = 1 + r.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
            switch (r.nextInt(8)) {
                case 0 -> { // flip a bit
                    if (b.length > 0) {
                        b = b.clone();
                        b[Math.min(at, b.length - 1)] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> { // set a byte to one of the tokens' bytes, or anything
                    if (b.length > 0) {
                        b = b.clone();
                        byte[] token = TOKENS.get(r.nextInt(TOKENS.size()));
                        b[Math.min(at, b.length - 1)] = r.nextBoolean() ? token[0] : (byte) r.nextInt(256);
                    }
                }
                case 2, 3 -> b = insert(b, at, TOKENS.get(r.nextInt(TOKENS.size())));
                case 4 -> { // delete a range
                    int len = Math.min(b.length - at, 1 + r.nextInt(16));
                    b = concat(slice(b, 0, at), slice(b, at + len, b.length));
                }
                case 5 -> { // duplicate a range, sometimes many times
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    byte[] range = slice(b, at, at + len);
                    int times = r.nextInt(10) == 0 ? 1 + r.nextInt(2000) : 1;
                    ByteArrayOutputStream copies = new ByteArrayOutputStream();
                    for (int t = 0; t < times; t++) {
                        copies.writeBytes(range);
                    }
                    b = insert(b, at, copies.toByteArray());
                }
                case 6 -> { // splice in a part of another request
                    byte[] other = CORPUS.get(r.nextInt(CORPUS.size()));
                    int from = r.nextInt(other.length);
                    b = insert(b, at, slice(other, from, Math.min(other.length, from + 1 + r.nextInt(64))));
                }
                default -> b = slice(b, 0, at); // truncate
            }
        }
        return b;
    }

    /** A mutated ClientHello, plain HTTP, or random bytes, for the TLS port. */
    private static byte[] tlsInput(SplittableRandom r, byte[] clientHello) {
        return switch (r.nextInt(4)) {
            case 0 -> mutate(r, CORPUS.get(r.nextInt(CORPUS.size())));
            case 1 -> {
                byte[] random = new byte[r.nextInt(64)];
                for (int i = 0; i < random.length; i++) {
                    random[i] = (byte) r.nextInt(256);
                }
                yield random;
            }
            default -> mutate(r, clientHello);
        };
    }

    private static byte[] clientHello(SSLContext client, int port) throws Exception {
        SSLEngine engine = client.createSSLEngine("localhost", port);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> triggerStatus(RunningFunction f) {
        return ((List<Map<String, Object>>) f.processor.status().get("triggers")).get(0);
    }

    // ---- bytes ----------------------------------------------------------------------------------------

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(
                b, Math.min(from, b.length), Math.max(Math.min(to, b.length), Math.min(from, b.length)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        return concat(concat(slice(b, 0, at), what), slice(b, at, b.length));
    }

    /** Printable ASCII as is (backslash doubled), {@code \r}, {@code \n}, and {@code \xNN} for every other byte. */
    static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 'x' -> {
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> out.write(next);
            }
        }
        return out.toByteArray();
    }

    @Test
    void escapesAndUnescapesEveryByte() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        assertTrue(java.util.Arrays.equals(all, unescape(escape(all))));
    }
}
