package io.nucleon.examples.hellonode;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged hello-node jar as a real process, with real Node.js wrapper processes. */
class HelloNodeJarIT {
    private static final Path JAR = Path.of(System.getProperty("hello.jar", "target/hello-node.jar"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killLeftovers() {
        processes.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        });
    }

    @Test
    void servesANodeHandlerLogsItsFieldsAndCleansUpOnSigterm() throws Exception {
        int port = freePort();
        int control = freePort();
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path yaml = dir.resolve("function.yaml");
        Files.writeString(yaml, String.join("\n",
                "metadata:",
                "  name: hello-node",
                "spec:",
                "  runtime: nodejs",
                "  handler: main:handler",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      numWorkers: 2",
                "      attributes:",
                "        host: 127.0.0.1",
                "        port: " + port,
                ""));
        Path log = dir.resolve("process.log");
        Process p = new ProcessBuilder(java(), "-Djava.io.tmpdir=" + tmp, "-jar", JAR.toString(), yaml.toString(),
                "--control-port", Integer.toString(control)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        awaitReady(control, p, log);

        HttpResponse<String> hello = get("http://127.0.0.1:" + port + "/?name=Ada");
        assertEquals(200, hello.statusCode(), hello.body());
        assertEquals("Hello, Ada!", hello.body());
        assertEquals("text/plain; charset=utf-8", hello.headers().firstValue("content-type").orElse(""));

        HttpResponse<String> json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Grace\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, json.statusCode(), json.body());
        assertEquals("Hello, Grace!", new ObjectMapper().readTree(json.body()).get("greeting").asText());
        assertEquals("application/json", json.headers().firstValue("content-type").orElse(""));

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode(), bad.body());

        JsonNode status = new ObjectMapper().readTree(get("http://127.0.0.1:" + control + "/status").body());
        JsonNode wrappers = status.path("runtimeStatus").path("wrappers");
        assertEquals(2, wrappers.size(), status.toString());
        assertEquals("uds", status.path("runtimeStatus").path("transport").asText(), status.toString());
        List<Long> pids = new ArrayList<>();
        wrappers.forEach(w -> pids.add(w.get("pid").asLong()));
        String output = Files.readString(log);
        assertTrue(output.contains("greeted from JSON") && output.contains("name=Grace"), output);
        assertTrue(output.contains("worker ready"), output);

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the processor exits after SIGTERM");
        assertEquals(0, p.exitValue(), Files.readString(log));
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "wrapper " + pid + " is gone");
        }
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("nucleon-")).toList(),
                    "the private run directory is removed");
        }
    }

    private void awaitReady(int control, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "the processor died: " + read(log));
            try {
                if (get("http://127.0.0.1:" + control + "/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not ready within 30 s: " + read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
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
