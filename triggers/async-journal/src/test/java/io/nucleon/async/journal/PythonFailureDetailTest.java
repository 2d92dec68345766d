package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Python handler that raises, called async through a real wrapper process: the status answer and
 * the dead-letter listing carry the failure's class and an error id, never the exception's text or
 * the wrapper's traceback.
 */
class PythonFailureDetailTest {
    private static final String DETAIL = "password=hunter2-in-a-traceback";

    @Test
    void noTracebackReachesTheCaller(@TempDir Path tmp) throws Exception {
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(
                code.resolve("main.py"),
                String.join(
                        "\n",
                        "def handler(context, event):",
                        "    secret = '" + DETAIL + "'",
                        "    raise ValueError('cannot go on with ' + secret)",
                        ""));
        Processor p = Processor.builder()
                .name("py-async")
                .runtime("python")
                .handler("main:handler")
                .runtimeAttribute("codeDir", code.toString())
                .eventTimeout(Duration.ofSeconds(10))
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(1)
                                .attribute("host", "127.0.0.1")
                                .attribute("port", 0)
                                .attribute(
                                        "async",
                                        Map.of(
                                                "enabled",
                                                true,
                                                "directory",
                                                tmp.resolve("journal").toString(),
                                                "maxRetries",
                                                1,
                                                "retryDelay",
                                                "50ms",
                                                "maxRetryDelay",
                                                "50ms")))
                .controlServer("127.0.0.1", 0)
                .build()
                .start();
        HttpClient http = HttpClient.newHttpClient();
        try {
            @SuppressWarnings("unchecked")
            int port =
                    (Integer) ((java.util.List<Map<String, Object>>) p.status().get("triggers"))
                            .get(0)
                            .get("port");
            HttpResponse<String> accepted = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/async/go"))
                            .POST(HttpRequest.BodyPublishers.ofString("x"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, accepted.statusCode(), accepted.body());
            String status =
                    Json.mapper().readTree(accepted.body()).get("status").asText();
            URI statusUri = URI.create("http://127.0.0.1:" + port + status);
            @SuppressWarnings({"unchecked", "rawtypes"}) // a holder the lambda can write
            HttpResponse<String>[] last = new HttpResponse[1];
            AsyncFunction.await("dead-lettered", Duration.ofSeconds(30), () -> {
                try {
                    last[0] =
                            http.send(HttpRequest.newBuilder(statusUri).build(), HttpResponse.BodyHandlers.ofString());
                    return "failed"
                            .equals(last[0].headers()
                                    .firstValue("X-Nucleon-State")
                                    .orElse(""));
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode s = Json.mapper().readTree(last[0].body());
            assertEquals("handler error", s.get("error").asText(), last[0].body());
            assertEquals(16, s.get("errorId").asText().length(), last[0].body());
            assertFalse(last[0].body().contains("hunter2"), "no exception text: " + last[0].body());
            assertFalse(last[0].body().contains("Traceback") || last[0].body().contains("ValueError"), last[0].body());

            URI list = URI.create("http://127.0.0.1:" + p.controlAddress().getPort() + "/triggers/web/dead-letters");
            HttpResponse<String> listing =
                    http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, listing.statusCode(), listing.body());
            assertTrue(listing.body().contains(s.get("errorId").asText()), "the same error id: " + listing.body());
            assertFalse(listing.body().contains("hunter2") || listing.body().contains("Traceback"), listing.body());
        } finally {
            p.stop(Duration.ofSeconds(5));
        }
    }
}
