package io.nucleon.examples.hellopython;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged hello-python jar, with its packaged function.yaml, as a real process with real
 * Python wrapper processes (python3 from the PATH) talking to it over shared memory.
 */
class HelloPythonJarIT {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port = FunctionJar.freePort();

    @Test
    void servesAPythonHandlerLogsItsFieldsAndCleansUpOnSigterm() throws Exception {
        try (FunctionProcess fn = FunctionJar.packaged()
                .override("spec.triggers.web.attributes.port", port)
                .start()) {
            HttpResponse<String> hello = send(HttpRequest.newBuilder(url("/?name=Ada")));
            assertEquals(200, hello.statusCode(), hello.body());
            assertEquals("Hello, Ada!", hello.body());
            assertEquals(
                    "text/plain; charset=utf-8",
                    hello.headers().firstValue("content-type").orElse(""));

            // a dict returned by the handler is JSON; context.Response sets the status
            HttpResponse<String> json = send(
                    HttpRequest.newBuilder(url("/")).POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Grace\"}")));
            assertEquals("{\"greeting\": \"Hello, Grace!\"}", json.body());
            assertEquals(
                    "application/json",
                    json.headers().firstValue("content-type").orElse(""));
            assertEquals(
                    400,
                    send(HttpRequest.newBuilder(url("/")).POST(HttpRequest.BodyPublishers.ofString("not json")))
                            .statusCode());

            JsonNode runtime = fn.status().path("runtimeStatus");
            assertEquals("shm", runtime.path("transport").asText(), runtime.toString());
            assertEquals(2, runtime.path("wrappers").size(), "one Python process per worker: " + runtime);
            // init_context and logger.info_with, in the processor's log with their fields
            assertTrue(fn.output().contains("worker ready"), fn.output());
            assertTrue(fn.output().contains("greeted from JSON") && fn.output().contains("name=Grace"), fn.output());

            assertEquals(0, fn.stop(), "SIGTERM: a graceful stop, the wrappers gone with it");
            try (var left = Files.list(fn.tempDirectory())) {
                assertEquals(
                        List.of(),
                        left.filter(f -> f.getFileName().toString().startsWith("nucleon-"))
                                .toList(),
                        "the private run directory, where the code was unpacked, is removed");
            }
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
