package io.nucleon.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged hello-java jar as a real process, the way a user does, with its packaged function.yaml. */
class HelloJavaJarIT {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port = FunctionJar.freePort();

    @TempDir
    Path dir;

    /** The packaged jar and function, on a free port of the loopback interface. */
    private FunctionJar jar() {
        return FunctionJar.packaged()
                .workDirectory(dir)
                .override("spec.triggers.web.attributes.port", port)
                .override("spec.triggers.web.attributes.host", "127.0.0.1");
    }

    @Test
    void servesRequestsReportsReadinessAndMetricsAndExitsZeroOnSigterm() throws Exception {
        try (FunctionProcess fn = jar().start()) {
            HttpResponse<String> hello = get("/?name=Ada");
            assertEquals(200, hello.statusCode());
            assertEquals("Hello, Ada!", hello.body());

            HttpResponse<String> json = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Grace\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, json.statusCode());
            assertEquals("{\"greeting\":\"Hello, Grace!\"}", json.body());
            assertEquals(
                    "application/json",
                    json.headers().firstValue("content-type").orElse(""));

            assertEquals(200, fn.control("/ready").statusCode());
            String metrics = fn.control("/metrics").body();
            assertTrue(
                    metrics.contains(
                            "nucleon_events_total{function=\"hello-java\",kind=\"http\",outcome=\"success\",trigger=\"web\"} 2.0"),
                    metrics);
            assertTrue(metrics.contains("nucleon_event_duration_seconds_bucket"), "histogram is exported");

            assertEquals(0, fn.stop(), "SIGTERM: a graceful stop");
        }
    }

    @Test
    void sigtermLetsInFlightRequestsFinishThenExitsZero() throws Exception {
        try (FunctionProcess fn = jar().start()) {
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                inFlight.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/?name=slow&sleepMs=1500"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            fn.await(
                    "four requests in the handler",
                    Duration.ofSeconds(10),
                    () -> fn.metric("nucleon_events_in_flight", Map.of()) >= 4);
            fn.process().destroy(); // SIGTERM while four requests are inside the handler
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertEquals("Hello, slow!", r.body());
            }
            assertEquals(0, fn.awaitExit(Duration.ofSeconds(30)));
        }
    }

    @Test
    void badFunctionYamlExitsNonZeroNamingFileLineAndFieldWithoutAStackTrace() throws Exception {
        String out = rejected(
                "numWorkers: lots",
                8,
                "spec.triggers.web.numWorkers: must be an integer from 1 to 10000, got \"lots\"");
        assertFalse(out.contains("Exception"), out);
        assertFalse(out.contains("\tat "), out);
    }

    @Test
    void unknownAttributeIsAnErrorWithItsLine() throws Exception {
        String out = rejected(
                "attributes:\n        maxBodySize: 10",
                9,
                "spec.triggers.web.attributes.maxBodySize: unknown attribute; allowed:");
        assertTrue(out.contains("maxRequestBodySize"), out);
    }

    /**
     * Runs the jar on a function.yaml with {@code trigger} (lines of the web trigger, indented as its
     * numWorkers), expecting it to refuse it with exit code 2 and {@code error} at {@code line}; returns its output.
     */
    private String rejected(String trigger, int line, String error) throws Exception {
        Path yaml = Files.writeString(
                dir.resolve("function.yaml"),
                String.join(
                        "\n",
                        "metadata:",
                        "  name: broken",
                        "spec:",
                        "  handler: io.nucleon.examples.hello.HelloHandler",
                        "  triggers:",
                        "    web:",
                        "      kind: http",
                        "      " + trigger,
                        ""));
        try (FunctionProcess fn =
                FunctionJar.packaged().workDirectory(dir).functionYaml(yaml).launch()) {
            assertEquals(2, fn.awaitExit(Duration.ofSeconds(30)), fn.output());
            assertTrue(fn.output().contains(yaml + ":" + line + ": " + error), fn.output());
            return fn.output();
        }
    }

    @Test
    void aControlTokenFileGuardsMetricsAndStatusButNotTheProbes() throws Exception {
        String token = "tok-" + Long.toHexString(System.nanoTime()) + "-never-logged";
        Path tokenFile = Files.writeString(dir.resolve("control.token"), token + "\n");
        try (FunctionProcess fn =
                jar().args("--control-token-file", tokenFile.toString()).start()) { // /ready needs no token
            assertEquals(200, fn.control("/live").statusCode());
            for (String path : List.of("/metrics", "/status")) {
                HttpResponse<String> none = fn.control(path);
                assertEquals(401, none.statusCode(), path);
                assertTrue(none.headers().firstValue("WWW-Authenticate").isPresent(), path);
                HttpResponse<String> with = http.send(
                        HttpRequest.newBuilder(fn.controlUrl(path))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, with.statusCode(), path);
            }
            assertEquals(0, fn.stop());
            assertFalse(fn.output().contains(token), "the token never reaches the log");
        }

        Path empty = Files.writeString(dir.resolve("empty.token"), "\n");
        try (FunctionProcess bad =
                jar().args("--control-token-file", empty.toString()).launch()) {
            assertEquals(2, bad.awaitExit(Duration.ofSeconds(30)), bad.output());
            assertTrue(
                    bad.output().contains("control token file") && bad.output().contains("empty"), bad.output());
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
