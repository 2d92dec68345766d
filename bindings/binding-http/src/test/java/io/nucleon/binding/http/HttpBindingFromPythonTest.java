package io.nucleon.binding.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A real Python handler calling the http binding over the wrapper protocol, against a local HTTP server. */
class HttpBindingFromPythonTest {
    private static final Path FUNCTIONS =
            Path.of("src/test/resources/functions").toAbsolutePath();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpServer server;
    private Processor processor;

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/echo", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            byte[] out = ("got:" + new String(in, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders()
                    .add(
                            "X-Got",
                            ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("X-A"));
            ex.sendResponseHeaders(201, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (processor != null) {
            processor.stop(Duration.ofSeconds(5));
        }
        server.stop(0);
    }

    @SuppressWarnings("unchecked")
    private JsonNode post(String path, String body) throws Exception {
        int port = (Integer) ((List<Map<String, Object>>) processor.status().get("triggers"))
                .get(0)
                .get("port");
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Json.mapper().readTree(r.body());
    }

    @Test
    void aPythonHandlerSendsRequestsAndSeesStatusHeadersAndBody() throws Exception {
        processor = Processor.builder()
                .name("http-from-python")
                .withoutControlServer()
                .runtime("python")
                .handler("caller:handler")
                .runtimeAttribute("codeDir", FUNCTIONS.resolve("http-python").toString())
                .eventTimeout(Duration.ofSeconds(20))
                .dataBinding(
                        "web",
                        "http",
                        Map.of(
                                "baseUrl",
                                "http://127.0.0.1:" + server.getAddress().getPort() + "/api"))
                .trigger("web", "http", t -> t.attribute("host", "127.0.0.1").attribute("port", 0))
                .build()
                .start();

        JsonNode r = post("/call", "h\u00e9llo");
        assertEquals(201, r.path("status").asInt(), r.toString());
        assertEquals("got:h\u00e9llo", r.path("body").asText());
        assertEquals("POST 1", r.path("got").asText());

        JsonNode bad = post("/bad", "");
        assertEquals("badArguments", bad.path("error").asText());
        assertTrue(bad.path("message").asText().contains("has no argument 'verb'"), bad.toString());
    }

    /**
     * With one worker and many callers, the worker sends queued events to the wrapper ahead of its
     * answers (runtimeAttributes.eventsInFlight) while the handler waits for its binding call's result:
     * the wrapper keeps those events for later, and every caller gets the answer to its own call.
     */
    @ParameterizedTest(name = "python over {0}")
    @ValueSource(strings = {"shm", "uds"})
    void eventsSentAheadWhileAHandlerWaitsForItsCallAreServedInTurn(String transport) throws Exception {
        processor = Processor.builder()
                .name("http-from-python")
                .withoutControlServer()
                .runtime("python")
                .handler("caller:handler")
                .runtimeAttribute("codeDir", FUNCTIONS.resolve("http-python").toString())
                .runtimeAttribute("transport", transport)
                .runtimeAttribute("eventsInFlight", 8)
                .eventTimeout(Duration.ofSeconds(20))
                .dataBinding(
                        "web",
                        "http",
                        Map.of(
                                "baseUrl",
                                "http://127.0.0.1:" + server.getAddress().getPort() + "/api"))
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(1).attribute("host", "127.0.0.1").attribute("port", 0))
                .build()
                .start();
        ExecutorService callers = Executors.newFixedThreadPool(12);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < 12; c++) {
                int caller = c;
                all.add(callers.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        String body = "caller " + caller + " call " + i;
                        JsonNode r = post("/call", body);
                        assertEquals("got:" + body, r.path("body").asText(), r.toString());
                    }
                    return null;
                }));
            }
            for (Future<?> each : all) {
                each.get();
            }
        } finally {
            callers.shutdownNow();
        }
        @SuppressWarnings("unchecked")
        long sentAhead = ((List<Map<String, Object>>)
                        ((Map<String, Object>) processor.status().get("runtimeStatus")).get("wrappers"))
                .stream()
                        .mapToLong(w -> ((Number) w.get("eventsSentAhead")).longValue())
                        .sum();
        assertTrue(sentAhead > 0, "no event was sent ahead, so the case was not exercised");
    }
}
