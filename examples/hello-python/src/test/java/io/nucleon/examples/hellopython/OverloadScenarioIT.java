package io.nucleon.examples.hellopython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The overload scenario of issue 10, as a new user would meet it: a Python function with one worker,
 * a queue of 16, a 1 s availability timeout and a handler that takes 5 s; 40 such calls at once,
 * then one call more. The packaged jar runs as a real process with a real Python wrapper.
 *
 * <p>Whatever {@code whenQueueFull} says, the extra call is answered within 100 ms: at once when it
 * finds no room, or 100 ms past its availability timeout when it waits for room; every call that
 * cannot be run within the timeout gets its 503 by then too, and {@code /live} answers within 100 ms
 * throughout.
 */
class OverloadScenarioIT {
    private static final Path JAR = Path.of(System.getProperty("hello.jar", "target/hello-python.jar"));
    private static final long AVAILABILITY_MS = 1000;
    private static final long SLACK_MS = 100;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private Process process;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "whenQueueFull: {0}, waitingListSize: {1}")
    @CsvSource({
        "wait,   default, at once",          // the default: 16 wait on the list, the extra call finds it full
        "wait,   64,      after the timeout", // room on the list: the extra call waits, then gets its 503
        "reject, none,    at once",
    })
    void theExtraCallIsAnsweredWithin100MsAndLiveStaysQuick(String mode, String waitingList, String extraAnswered)
            throws Exception {
        int port = freePort();
        int control = freePort();
        Files.writeString(dir.resolve("main.py"), String.join("\n",
                "import time",
                "",
                "def handler(context, event):",
                "    if event.path == '/slow':",
                "        time.sleep(5)",
                "    return 'done'",
                ""));
        List<String> yaml = new ArrayList<>(List.of(
                "metadata:",
                "  name: overload",
                "spec:",
                "  runtime: python",
                "  handler: main:handler",
                "  eventTimeout: 30s",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      numWorkers: 1",
                "      workerQueueSize: 16",
                "      workerAvailabilityTimeoutMilliseconds: " + AVAILABILITY_MS,
                "      whenQueueFull: " + mode));
        if (waitingList.matches("\\d+")) {
            yaml.add("      waitingListSize: " + waitingList);
        }
        yaml.addAll(List.of("      attributes:", "        host: 127.0.0.1", "        port: " + port, ""));
        Path function = dir.resolve("function.yaml");
        Files.write(function, yaml);
        Path log = dir.resolve("process.log");
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")), "-jar", JAR.toString(), function.toString(),
                "--control-port", Integer.toString(control)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitReady(control, log);

        LiveProbe live = new LiveProbe(control);
        live.start();
        try {
            List<CompletableFuture<Long>> slow = new ArrayList<>();
            List<Long> slowStatus = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int i = 0; i < 40; i++) {
                long sent = System.nanoTime();
                slow.add(http.sendAsync(request(port, "/slow"), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
                    slowStatus.add((long) r.statusCode());
                    return r.statusCode() == 503 ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent) : -1L;
                }));
            }
            // the extra call goes once the processor has taken all 40
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (taken(control) < 40) {
                assertTrue(System.nanoTime() < until, "the 40 calls did not arrive: " + status(control));
            }
            long sent = System.nanoTime();
            HttpResponse<String> extra = http.send(request(port, "/fast"), HttpResponse.BodyHandlers.ofString());
            long extraMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertEquals(503, extra.statusCode(), extra.body());
            assertEquals("1", extra.headers().firstValue("Retry-After").orElse(null));
            assertEquals("no worker available", json.readTree(extra.body()).path("error").asText(), extra.body());
            if (extraAnswered.equals("at once")) {
                assertTrue(extraMs < SLACK_MS, "the extra call was answered after " + extraMs + " ms, not at once");
            } else {
                assertTrue(extraMs >= AVAILABILITY_MS && extraMs <= AVAILABILITY_MS + SLACK_MS,
                        "the extra call was answered after " + extraMs + " ms, not within " + SLACK_MS + " ms past "
                                + AVAILABILITY_MS + " ms");
            }
            // every call that could not run within the timeout had its 503 by then; the one that ran, its 200
            for (CompletableFuture<Long> f : slow) {
                long ms = f.get(30, TimeUnit.SECONDS);
                assertTrue(ms <= AVAILABILITY_MS + SLACK_MS, "a 503 came after " + ms + " ms");
            }
            assertEquals(1, slowStatus.stream().filter(s -> s == 200).count(), slowStatus.toString());
            assertEquals(39, slowStatus.stream().filter(s -> s == 503).count(), slowStatus.toString());
        } finally {
            live.stop();
        }
        assertTrue(live.failures.isEmpty(), "/live failed: " + live.failures);
        assertTrue(live.probes.get() > 20, "/live was probed " + live.probes.get() + " times");
        assertTrue(live.slowestMs.get() < SLACK_MS, "/live took " + live.slowestMs.get() + " ms at worst");
        String metrics = get("http://127.0.0.1:" + control + "/metrics").body();
        assertTrue(metrics.contains("nucleon_events_rejected_total{function=\"overload\",kind=\"http\",trigger=\"web\"} 40.0"),
                metrics);

        process.destroy();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the processor exits after SIGTERM");
        assertEquals(0, process.exitValue(), Files.readString(log));
    }

    /** Calls /live on its own client every 20 ms and keeps the slowest answer. */
    private static final class LiveProbe implements Runnable {
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        private final int control;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread = new Thread(this, "live-probe");
        final AtomicLong slowestMs = new AtomicLong();
        final AtomicLong probes = new AtomicLong();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        LiveProbe(int control) {
            this.control = control;
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(5000);
        }

        @Override
        public void run() {
            HttpRequest live = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/live"))
                    .timeout(Duration.ofSeconds(2)).build();
            long next = System.nanoTime();
            while (running.get()) {
                long t0 = System.nanoTime();
                try {
                    HttpResponse<Void> r = client.send(live, HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() != 200) {
                        failures.add("status " + r.statusCode());
                    }
                } catch (IOException | InterruptedException e) {
                    failures.add(e.toString());
                }
                slowestMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), Math::max);
                probes.incrementAndGet();
                next += TimeUnit.MILLISECONDS.toNanos(20);
                java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
            }
        }
    }

    /** Calls the pool has taken: in flight plus rejected. */
    private long taken(int control) throws Exception {
        JsonNode trigger = status(control).path("triggers").path(0);
        return trigger.path("pool").path("inFlight").asLong() + trigger.path("events").path("rejected").asLong();
    }

    private JsonNode status(int control) throws Exception {
        return json.readTree(get("http://127.0.0.1:" + control + "/status").body());
    }

    private void awaitReady(int control, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), () -> "the processor died: " + read(log));
            try {
                if (get("http://127.0.0.1:" + control + "/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new AssertionError("not ready within 30 s: " + read(log));
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build();
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
