package io.nucleon.runtime.external;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * The python and nodejs runtimes end to end: an http trigger, real interpreters running the real
 * wrappers, real sockets and shared memory.
 */
class ExternalRuntimeTest {
    static final Path FUNCTIONS = Path.of("src/test/resources/functions").toAbsolutePath();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** What the test handlers log when they start sleeping on {@code /sleep}. */
    static final Pattern SLEEPING = Pattern.compile("^sleeping$");

    /** A processor running one function with an http trigger on a free port. */
    static final class Running implements AutoCloseable {
        final Processor processor;
        final int port;

        Running(
                String runtime,
                String handler,
                String codeDir,
                String transport,
                int workers,
                Duration eventTimeout,
                Consumer<Processor.Builder> more)
                throws Exception {
            Processor.Builder b = Processor.builder()
                    .name("ext-" + runtime)
                    .runtime(runtime)
                    .handler(handler)
                    .runtimeAttribute("codeDir", FUNCTIONS.resolve(codeDir).toString())
                    .eventTimeout(eventTimeout)
                    .drainTimeout(Duration.ofSeconds(5))
                    .trigger(
                            "web",
                            "http",
                            t -> t.numWorkers(workers)
                                    .attribute("host", "127.0.0.1")
                                    .attribute("port", 0)
                                    .attribute("maxRequestBodySize", "8MiB"))
                    .controlServer("127.0.0.1", 0);
            if (transport != null) {
                b.runtimeAttribute("transport", transport);
            }
            more.accept(b);
            processor = b.build().start();
            @SuppressWarnings("unchecked")
            Map<String, Object> trigger =
                    ((List<Map<String, Object>>) processor.status().get("triggers")).get(0);
            port = (Integer) trigger.get("port");
        }

        HttpResponse<byte[]> send(String method, String path, byte[] body) throws Exception {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30));
            r.method(
                    method,
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
        }

        String get(String path) throws Exception {
            HttpResponse<byte[]> r = send("GET", path, null);
            assertEquals(200, r.statusCode(), () -> path + " answered " + r.statusCode() + ": " + new String(r.body()));
            return new String(r.body());
        }

        String metrics() throws Exception {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + processor.controlAddress().getPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> runtimeStatus() {
            return (Map<String, Object>) processor.status().get("runtimeStatus");
        }

        @SuppressWarnings("unchecked")
        List<Long> pids() {
            return ((List<Map<String, Object>>) runtimeStatus().get("wrappers"))
                    .stream()
                            .filter(w -> Boolean.TRUE.equals(w.get("alive")))
                            .map(w -> ((Number) w.get("pid")).longValue())
                            .collect(Collectors.toList());
        }

        @Override
        public void close() {
            processor.close();
        }
    }

    static Running python(String transport) throws Exception {
        return new Running("python", "echo:handler", "python", transport, 1, Duration.ofSeconds(10), b -> {});
    }

    static Running node() throws Exception {
        return new Running("nodejs", "echo:handler", "node", "uds", 1, Duration.ofSeconds(10), b -> {});
    }

    static Running start(String runtime, String transport) throws Exception {
        return runtime.equals("python") ? python(transport) : node();
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"python, shm", "python, uds", "nodejs, uds"})
    void echoesBodiesOfEverySizeByteForByte(String runtime, String transport) throws Exception {
        try (Running f = start(runtime, transport)) {
            assertEquals(transport, f.runtimeStatus().get("transport"));
            Random random = new Random(7);
            for (int size : new int[] {0, 100, 64 << 10, 4 << 20, 100, 0}) {
                byte[] body = new byte[size];
                random.nextBytes(body);
                HttpResponse<byte[]> r = f.send("POST", "/echo", body);
                assertEquals(200, r.statusCode(), () -> new String(r.body()));
                assertArrayEquals(body, r.body(), "echo of " + size + " bytes");
                assertEquals("yes", r.headers().firstValue("x-echo").orElse(null));
                assertEquals(
                        "application/octet-stream",
                        r.headers().firstValue("content-type").orElse(null));
            }
            for (int i = 0; i < 500; i++) { // many round trips: the rings wrap, the sleeping flag flips
                byte[] body = ("event " + i).getBytes();
                assertArrayEquals(body, f.send("POST", "/echo", body).body());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void mapsReturnValuesAndHandlerErrors(String runtime, String transport) throws Exception {
        try (Running f = start(runtime, transport)) {
            String json = f.get("/json");
            assertTrue(json.contains("\"worker\": 0") || json.contains("\"worker\":0"), json);
            assertTrue(json.contains("GET") && json.contains("http"), json);
            HttpResponse<byte[]> r = f.send("GET", "/fail", null);
            assertEquals(500, r.statusCode());
            String body = new String(r.body());
            assertTrue(body.contains("errorId"), body);
            assertTrue(!body.contains("bad input"), "the traceback stays in the log: " + body);
            assertEquals(
                    "ok",
                    new String(f.send("POST", "/echo", "ok".getBytes()).body()),
                    "the wrapper survives a handler error");
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"python, shm", "python, uds", "nodejs, uds"})
    void aKilledWrapperFailsItsEventWith5xxAndIsRestarted(String runtime, String transport) throws Exception {
        try (WrapperLogTest.Capture capture = new WrapperLogTest.Capture(runtime);
                Running f = start(runtime, transport)) {
            long pid = Long.parseLong(f.get("/pid"));
            assertEquals(List.of(pid), f.pids());
            var pending = HTTP.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.port + "/sleep?seconds=20"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> capture.count(SLEEPING) == 1); // the wrapper holds the event
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
            HttpResponse<String> r = pending.get();
            assertEquals(502, r.statusCode(), r.body());
            assertTrue(r.body().contains("killed by signal 9"), r.body());
            for (int i = 0; i < 5; i++) {
                assertEquals(
                        "after " + i,
                        new String(f.send("POST", "/echo", ("after " + i).getBytes())
                                .body()));
            }
            long newPid = Long.parseLong(f.get("/pid"));
            assertNotEquals(pid, newPid);
            assertEquals(1L, ((Number) f.runtimeStatus().get("restarts")).longValue());
            assertTrue(
                    f.metrics()
                            .contains("nucleon_runtime_restarts_total{function=\"ext-" + runtime
                                    + "\",reason=\"crash\",runtime=\"" + runtime + "\"} 1.0"),
                    f.metrics());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void aHandlerPastTheEventTimeoutGets504AndTheNextRequestIsServed(String runtime, String transport)
            throws Exception {
        String handler = "echo:handler";
        try (Running f = new Running(
                runtime,
                handler,
                runtime.equals("python") ? "python" : "node",
                transport,
                1,
                Duration.ofMillis(700),
                b -> {})) {
            long pid = Long.parseLong(f.get("/pid"));
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = f.send("GET", "/sleep?seconds=30", null);
            assertEquals(504, r.statusCode());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "answered near the timeout, not after the sleep");
            assertEquals(
                    "next",
                    new String(f.send("POST", "/echo", "next".getBytes()).body()));
            assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the timed-out wrapper was killed");
            assertTrue(f.metrics().contains("reason=\"timeout\",runtime=\"" + runtime + "\"} 1.0"), f.metrics());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void handlerLogLinesReachTheProcessorLogWithTheirFields(String runtime, String transport) throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("nucleon.function.ext-" + runtime);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try (Running f = start(runtime, transport)) {
            assertEquals("logged", f.get("/log"));
            List<ILoggingEvent> lines = List.copyOf(appender.list);
            ILoggingEvent info = lines.stream()
                    .filter(e -> e.getMessage().equals("handled a log request"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no log line in " + lines));
            assertEquals(ch.qos.logback.classic.Level.INFO, info.getLevel());
            Map<String, Object> kv =
                    info.getKeyValuePairs().stream().collect(Collectors.toMap(p -> p.key, p -> p.value));
            assertEquals(42L, ((Number) kv.get("order_id")).longValue());
            assertEquals("ada", kv.get("customer"));
            assertEquals(0, kv.get("worker"));
            assertEquals("web", kv.get("trigger"));
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void decodeJsonBodyGivesAPythonHandlerTheDecodedValueAsNuclioDoes() throws Exception {
        try (Running f = new Running(
                "python",
                "echo:handler",
                "python",
                "shm",
                1,
                Duration.ofSeconds(10),
                b -> b.runtimeAttribute("decodeJsonBody", true))) {
            HttpResponse<byte[]> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.port + "/jsonbody"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"n\": 41}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), new String(r.body()));
            assertEquals("42", new String(r.body()));
        }
    }

    @Test
    void idleWrappersAndProcessorUseAlmostNoCpu() throws Exception {
        try (Running py = new Running("python", "echo:handler", "python", "shm", 2, Duration.ofSeconds(10), b -> {});
                Running js = node()) {
            for (int i = 0; i < 50; i++) {
                py.get("/pid");
                js.get("/pid");
            }
            List<Long> pids = new java.util.ArrayList<>(py.pids());
            pids.addAll(js.pids());
            assertEquals(3, pids.size());
            // the wrappers have gone to sleep: their CPU time stands still from one look to the next
            Map<Long, Long> before = new java.util.HashMap<>();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        Map<Long, Long> now = new java.util.HashMap<>();
                        for (long p : pids) {
                            now.put(p, cpuTicks(p));
                        }
                        boolean settled = now.equals(before);
                        before.putAll(now);
                        return settled;
                    });
            long self = ProcessHandle.current().pid();
            long selfBefore = cpuTicks(self);
            Thread.sleep(5000); // the behaviour under test: 5 s of idling, measured
            for (long p : pids) {
                long used = cpuTicks(p) - before.get(p);
                assertTrue(used <= 5, "wrapper " + p + " used " + used + " ticks (1/100 s) in 5 s of idling");
            }
            long selfUsed = cpuTicks(self) - selfBefore;
            assertTrue(selfUsed <= 50, "the processor used " + selfUsed + " ticks (1/100 s) in 5 s of idling");
        }
    }

    /** utime + stime of a process, in clock ticks. */
    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    @Test
    void aHandlerThatFailsToLoadFailsTheStartWithItsStderr() {
        Exception e = assertThrows(
                Exception.class,
                () -> new Running("python", "broken:handler", "broken", "uds", 1, Duration.ofSeconds(5), b -> {})
                        .close());
        String m = messages(e);
        assertTrue(m.contains("this module is broken on purpose"), m);
        assertTrue(m.contains("about to fail on purpose"), m);
        assertTrue(m.contains("broken:handler") && m.contains("python3"), m);
    }

    @Test
    void anOversizedFrameFromAWrapperRestartsItAndNeverHangs() throws Exception {
        try (Running f = new Running(
                "python",
                "echo:handler",
                "python",
                "uds",
                1,
                Duration.ofSeconds(10),
                b -> b.runtimeAttribute(
                                "interpreterArgs",
                                List.of(FUNCTIONS.resolve("broken/garbage.py").toString()))
                        .runtimeAttribute("maxRestartDelay", "200ms"))) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> r = f.send("POST", "/echo", "x".getBytes());
                assertEquals(502, r.statusCode());
                assertTrue(new String(r.body()).contains("broke the protocol"), new String(r.body()));
            }
            assertTrue(f.metrics().contains("reason=\"protocol\",runtime=\"python\"} 3.0"), f.metrics());
        }
    }

    @Test
    void configurationErrorsNameTheFieldAndWhatIsAllowed() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .runtime("nodejs")
                        .handler("echo:handler")
                        .runtimeAttribute("codeDir", FUNCTIONS.resolve("node").toString())
                        .runtimeAttribute("transport", "shm")
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        assertTrue(e.getMessage().contains("spec.runtimeAttributes.transport"), e.getMessage());
        e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .runtime("nodejs")
                        .handler("echo:handler")
                        .runtimeAttribute("codeDir", FUNCTIONS.resolve("node").toString())
                        .runtimeAttribute("decodeJsonBody", true)
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        assertTrue(
                e.getMessage().contains("spec.runtimeAttributes.decodeJsonBody: is a python runtime setting"),
                e.getMessage());
        e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .runtime("python")
                        .handler("missing:handler")
                        .runtimeAttribute("codeDir", FUNCTIONS.resolve("python").toString())
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        assertTrue(e.getMessage().contains("spec.handler") && e.getMessage().contains("missing.py"), e.getMessage());
        e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .runtime("python")
                        .handler("echo:handler")
                        .runtimeAttribute("interpreter", "no-such-python")
                        .runtimeAttribute("codeDir", FUNCTIONS.resolve("python").toString())
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        assertTrue(
                e.getMessage().contains("spec.runtimeAttributes.interpreter")
                        && e.getMessage().contains("no-such-python"),
                e.getMessage());
        e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .runtime("python")
                        .handler("echo:handler")
                        .runtimeAttribute("ringBytes", 5)
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        assertTrue(
                e.getMessage().contains("spec.runtimeAttributes.ringBytes")
                        && e.getMessage().contains("ringSize"),
                e.getMessage());
    }

    @Test
    void everyConfigurationProblemIsReportedAtOnce() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .runtime("python")
                        .handler("echo:handler")
                        .runtimeAttribute("codeDir", FUNCTIONS.resolve("python").toString())
                        .runtimeAttribute("transport", "tcp")
                        .runtimeAttribute("ringSize", "100KiB")
                        .runtimeAttribute("maxFrameSize", 10)
                        .runtimeAttribute("startTimeout", "0s")
                        .runtimeAttribute("logLineBurst", 0)
                        .runtimeAttribute("inheritEnvNames", List.of("MY-VAR", "OK_NAME", "A*B"))
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        List<String> problems =
                e.problems().stream().map(p -> p.path() + ": " + p.message()).toList();
        List<String> expected = List.of(
                "spec.runtimeAttributes.transport: must be shm or uds",
                "spec.runtimeAttributes.ringSize: must be a power of two from 64KiB to 1GiB",
                "spec.runtimeAttributes.maxFrameSize: must be from 1KiB to 2GiB",
                "spec.runtimeAttributes.startTimeout: must be a positive duration",
                "spec.runtimeAttributes.logLineBurst: must be at least 1, got 0",
                "spec.runtimeAttributes.inheritEnvNames: entry 0 (\"MY-VAR\")",
                "spec.runtimeAttributes.inheritEnvNames: entry 2 (\"A*B\")");
        assertEquals(expected.size(), problems.size(), e.getMessage());
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(problems.get(i).startsWith(expected.get(i)), problems.get(i));
        }
        assertTrue(e.getMessage().startsWith(expected.size() + " configuration problems:"), e.getMessage());
    }

    static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
