package io.nucleon.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged hello-java jar as a real process, the way a user does. */
class HelloJavaJarIT {
    private static final Path JAR = Path.of(System.getProperty("hello.jar", "target/hello-java.jar"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void servesRequestsReportsReadinessAndMetricsAndExitsZeroOnSigterm() throws Exception {
        int port = freePort();
        int control = freePort();
        Path yaml = writeYaml(port);
        Process p = start(yaml.toString(), "--control-port", Integer.toString(control));
        awaitReady(control, p);

        HttpResponse<String> hello = get("http://127.0.0.1:" + port + "/?name=Ada");
        assertEquals(200, hello.statusCode());
        assertEquals("Hello, Ada!", hello.body());

        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Grace\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, json.statusCode());
        assertEquals("{\"greeting\":\"Hello, Grace!\"}", json.body());
        assertEquals("application/json", json.headers().firstValue("content-type").orElse(""));

        HttpResponse<String> ready = get("http://127.0.0.1:" + control + "/ready");
        assertEquals(200, ready.statusCode());
        HttpResponse<String> metrics = get("http://127.0.0.1:" + control + "/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("nucleon_events_total{function=\"hello-jar\",kind=\"http\",outcome=\"success\",trigger=\"web\"} 2.0"),
                metrics.body());
        assertTrue(metrics.body().contains("nucleon_event_duration_seconds_bucket"), "histogram is exported");

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the processor exits after SIGTERM");
        assertEquals(0, p.exitValue());
    }

    @Test
    void sigtermLetsInFlightRequestsFinishThenExitsZero() throws Exception {
        int port = freePort();
        int control = freePort();
        Process p = start(writeYaml(port).toString(), "--control-port", Integer.toString(control));
        awaitReady(control, p);

        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?name=slow&sleepMs=1500"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        awaitInFlight(control, 4);
        p.destroy(); // SIGTERM while four requests are inside the handler
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("Hello, slow!", r.body());
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    @Test
    void badFunctionYamlExitsNonZeroNamingFileLineAndFieldWithoutAStackTrace() throws Exception {
        Path yaml = dir.resolve("function.yaml");
        Files.writeString(yaml, String.join("\n",
                "metadata:",
                "  name: broken",
                "spec:",
                "  handler: io.nucleon.examples.hello.HelloHandler",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      numWorkers: lots",
                "      attributes:",
                "        port: 8080",
                ""));
        Process p = new ProcessBuilder(java(), "-jar", JAR.toString(), yaml.toString()).redirectErrorStream(true).start();
        processes.add(p);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains(yaml + ":8: spec.triggers.web.numWorkers: must be an integer from 1 to 10000, got \"lots\""), out);
        assertFalse(out.contains("Exception"), out);
        assertFalse(out.contains("\tat "), out);
    }

    @Test
    void unknownAttributeIsAnErrorWithItsLine() throws Exception {
        Path yaml = dir.resolve("function.yaml");
        Files.writeString(yaml, String.join("\n",
                "metadata:",
                "  name: broken",
                "spec:",
                "  handler: io.nucleon.examples.hello.HelloHandler",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      attributes:",
                "        port: 8080",
                "        maxBodySize: 10",
                ""));
        Process p = new ProcessBuilder(java(), "-jar", JAR.toString(), yaml.toString()).redirectErrorStream(true).start();
        processes.add(p);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains(yaml + ":10: spec.triggers.web.attributes.maxBodySize: unknown attribute; allowed:"), out);
        assertTrue(out.contains("maxRequestBodySize"), out);
    }

    @Test
    void aControlTokenFileGuardsMetricsAndStatusButNotTheProbes() throws Exception {
        int port = freePort();
        int control = freePort();
        String token = "tok-" + Long.toHexString(System.nanoTime()) + "-never-logged";
        Path tokenFile = Files.writeString(dir.resolve("control.token"), token + "\n");
        Process p = start(writeYaml(port).toString(), "--control-port", Integer.toString(control),
                "--control-token-file", tokenFile.toString());
        awaitReady(control, p); // /ready needs no token: it is a probe
        assertEquals(200, get("http://127.0.0.1:" + control + "/live").statusCode());
        for (String path : List.of("/metrics", "/status")) {
            HttpResponse<String> none = get("http://127.0.0.1:" + control + path);
            assertEquals(401, none.statusCode(), path);
            assertTrue(none.headers().firstValue("WWW-Authenticate").isPresent(), path);
            HttpResponse<String> with = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + path))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, with.statusCode(), path);
        }
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertFalse(log().contains(token), "the token never reaches the log");

        Path empty = Files.writeString(dir.resolve("empty.token"), "\n");
        Process bad = new ProcessBuilder(java(), "-jar", JAR.toString(), writeYaml(freePort()).toString(),
                "--control-token-file", empty.toString()).redirectErrorStream(true).start();
        processes.add(bad);
        String out = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue(), out);
        assertTrue(out.contains("control token file") && out.contains("empty"), out);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private Path writeYaml(int port) throws IOException {
        Path yaml = dir.resolve("function.yaml");
        Files.writeString(yaml, String.join("\n",
                "metadata:",
                "  name: hello-jar",
                "spec:",
                "  handler: io.nucleon.examples.hello.HelloHandler",
                "  eventTimeout: 10s",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      numWorkers: 4",
                "      attributes:",
                "        host: 127.0.0.1",
                "        port: " + port,
                ""));
        return yaml;
    }

    private Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("process-" + processes.size() + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private void awaitReady(int control, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "the processor died: " + log());
            try {
                if (get("http://127.0.0.1:" + control + "/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not ready within 30 s: " + log());
    }

    private void awaitInFlight(int control, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String m = get("http://127.0.0.1:" + control + "/metrics").body();
            for (String line : m.split("\n")) {
                if (line.startsWith("nucleon_events_in_flight{") && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= n) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("requests did not reach the handler");
    }

    private String log() {
        try (var files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".log"))::iterator) {
                sb.append(Files.readString(f));
            }
            return sb.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
