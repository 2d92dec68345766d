package io.nucleon.runtime.external;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The http trigger's {@code auth.subject} reaches Python and Node.js handlers as an event field,
 * like any field, and a caller's {@code ?auth.subject=} does not.
 */
class AuthFieldsInWrappersTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, whoami:handler", "nodejs, whoami:handler"})
    void theVerifiedSubjectReachesTheHandlerAndAForgedOneDoesNot(String runtime, String handler) throws Exception {
        String token = "t" + Long.toHexString(System.nanoTime()) + "0123456789abcdef";
        Path tokens = Files.writeString(dir.resolve("tokens"), "deployer " + token + "\n");
        Processor p = Processor.builder()
                .name("auth-" + runtime)
                .runtime(runtime)
                .handler(handler)
                .runtimeAttribute(
                        "codeDir", ExternalRuntimeTest.FUNCTIONS.resolve("auth").toString())
                .eventTimeout(Duration.ofSeconds(10))
                .drainTimeout(Duration.ofSeconds(5))
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(1)
                                .attribute("host", "127.0.0.1")
                                .attribute("port", 0)
                                .attribute("auth", Map.of("kind", "bearer", "tokensFile", tokens.toString())))
                .controlServer("127.0.0.1", 0)
                .build()
                .start();
        try {
            @SuppressWarnings("unchecked")
            int port = (Integer) ((List<Map<String, Object>>) p.status().get("triggers"))
                    .get(0)
                    .get("port");
            URI uri = URI.create("http://127.0.0.1:" + port + "/?auth.subject=mallory&name=ada");
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(uri)
                            .header("Authorization", "Bearer " + token)
                            .header("auth.subject", "mallory")
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode fields = Json.mapper().readTree(r.body());
            assertEquals("deployer", fields.get("auth.subject").asText(), r.body());
            assertEquals("ada", fields.get("name").asText(), r.body());
            assertEquals(2, fields.size(), r.body());

            r = HTTP.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode());
            assertFalse(r.body().contains("mallory"));
        } finally {
            p.close();
        }
    }
}
