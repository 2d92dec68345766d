package io.nucleon.examples.hellonode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged hello-node jar, with its packaged function.yaml, as a real process with real
 * Node.js wrapper processes (node from the PATH) talking to it over Unix domain sockets.
 */
class HelloNodeJarIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aNuclioNodeHandlerAnswersThroughContextCallback() throws Exception {
        int port = FunctionJar.freePort();
        try (FunctionProcess fn = FunctionJar.packaged()
                .override("spec.triggers.web.attributes.port", port)
                .start()) {
            String base = "http://127.0.0.1:" + port;
            // each exchange: request, expected status, content type and body
            List<List<String>> exchanges = List.of(
                    List.of("GET", "/?name=Ada", "", "200", "text/plain; charset=utf-8", "Hello, Ada!"),
                    List.of(
                            "POST",
                            "/",
                            "{\"name\":\"Grace\"}",
                            "200",
                            "application/json",
                            "{\"greeting\":\"Hello, Grace!\"}"),
                    List.of(
                            "POST",
                            "/",
                            "not json",
                            "400",
                            "application/json",
                            "{\"error\":\"the body must be JSON like {\\\"name\\\": \\\"Ada\\\"}\"}"));
            for (List<String> x : exchanges) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(java.net.URI.create(base + x.get(1)))
                                .method(
                                        x.get(0),
                                        x.get(2).isEmpty()
                                                ? HttpRequest.BodyPublishers.noBody()
                                                : HttpRequest.BodyPublishers.ofString(x.get(2)))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(
                        List.of(x.get(3), x.get(4), x.get(5)),
                        List.of(
                                String.valueOf(r.statusCode()),
                                r.headers().firstValue("content-type").orElse(""),
                                r.body()),
                        x.toString());
            }

            JsonNode runtime = fn.status().path("runtimeStatus");
            assertEquals(
                    Map.of("transport", "uds", "wrappers", 2),
                    Map.of(
                            "transport",
                            runtime.path("transport").asText(),
                            "wrappers",
                            runtime.path("wrappers").size()),
                    runtime.toString());
            String log = fn.output();
            assertTrue(
                    log.contains("worker ready") && log.contains("greeted from JSON") && log.contains("name=Grace"),
                    "initContext and logger.infoWith, in the processor's log with their fields: " + log);
            assertEquals(0, fn.stop(), "SIGTERM: the processor and its Node.js processes end");
        }
    }
}
