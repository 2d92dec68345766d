package io.nucleon.async.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The http trigger's {@code auth} in front of async calls: a call without credentials is never
 * journaled, the status URL needs credentials too (unless exempted), and the verified subject is
 * journaled with the call (the credentials are not) so the handler sees it when the call runs.
 */
class AsyncAuthTest {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private Processor start(Map<String, Object> auth) throws Exception {
        return Processor.builder()
                .name("async-auth")
                .handler((ctx, e) -> e.field("auth.subject") + " " + e.field("name") + " " + e.header("Authorization"))
                .eventTimeout(Duration.ofSeconds(10))
                .drainTimeout(Duration.ofSeconds(5))
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
                                                dir.resolve("journal").toString()))
                                .attribute("auth", auth))
                .controlServer("127.0.0.1", 0)
                .build()
                .start();
    }

    @SuppressWarnings("unchecked")
    private static int port(Processor p) {
        return (Integer)
                ((List<Map<String, Object>>) p.status().get("triggers")).get(0).get("port");
    }

    private HttpResponse<String> send(Processor p, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(p) + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        method.equals("POST")
                                ? HttpRequest.BodyPublishers.ofString("{}")
                                : HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private double accepted(Processor p) throws Exception {
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + p.controlAddress().getPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return AsyncFunction.sample(metrics, "nucleon_async_accepted_total");
    }

    @Test
    void asyncCallsAndTheirStatusUrlsNeedCredentialsAndTheSubjectIsJournaledWithoutThem() throws Exception {
        String token = "tok-" + Long.toHexString(System.nanoTime()) + "abcdef0123";
        Path tokens = Files.writeString(dir.resolve("tokens"), "deployer " + token + "\n");
        Processor p = start(Map.of("kind", "bearer", "tokensFile", tokens.toString()));
        try {
            HttpResponse<String> refused = send(p, "POST", "/async/greet?name=ada&auth.subject=mallory", null);
            assertEquals(401, refused.statusCode(), refused.body());
            assertEquals(0.0, accepted(p), "a refused call is never journaled");

            HttpResponse<String> r = send(p, "POST", "/async/greet?name=ada&auth.subject=mallory", token);
            assertEquals(202, r.statusCode(), r.body());
            String status = Json.mapper().readTree(r.body()).get("status").asText();

            assertEquals(401, send(p, "GET", status, null).statusCode(), "the status URL needs credentials too");
            AtomicReference<HttpResponse<String>> done = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                done.set(send(p, "GET", status, token));
                return "succeeded"
                        .equals(done.get()
                                .headers()
                                .firstValue("X-Nucleon-State")
                                .orElse(null));
            });
            assertEquals(
                    "deployer ada null",
                    done.get().body(),
                    "the subject, not the forged one, and no Authorization header");
        } finally {
            p.close();
        }
    }

    @Test
    void statusUrlsCanBeExempted() throws Exception {
        String token = "tok-" + Long.toHexString(System.nanoTime()) + "abcdef0123";
        Path tokens = Files.writeString(dir.resolve("tokens"), token + "\n");
        Processor p = start(
                Map.of("kind", "bearer", "tokensFile", tokens.toString(), "exemptPaths", List.of("/async/status/")));
        try {
            HttpResponse<String> r = send(p, "POST", "/async/greet?name=bo", token);
            assertEquals(202, r.statusCode(), r.body());
            String status = Json.mapper().readTree(r.body()).get("status").asText();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> "succeeded"
                            .equals(send(p, "GET", status, null)
                                    .headers()
                                    .firstValue("X-Nucleon-State")
                                    .orElse(null)));
            assertTrue(send(p, "GET", status, null).body().endsWith(" bo null"));
            assertEquals(401, send(p, "POST", "/async/greet", null).statusCode());
        } finally {
            p.close();
        }
    }
}
