package io.nucleon.trigger.http;

import static io.nucleon.trigger.http.HttpAuthJwtTest.ECHO;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.Json;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code auth.kind: basic} and {@code bearer}, exempt paths, and how refusals sit in the connection. */
class HttpAuthBasicBearerTest {
    @TempDir
    Path dir;

    private static JsonNode fields(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return Json.mapper().readTree(r.body()).get("fields");
    }

    private static final String BASIC_CHALLENGE = "Basic realm=\"greeter\", charset=\"UTF-8\"";

    private static void assertBasicRefusal(HttpResponse<String> r) {
        assertEquals(401, r.statusCode(), r.body());
        assertEquals(BASIC_CHALLENGE, r.headers().firstValue("WWW-Authenticate").orElseThrow());
    }

    @Test
    void basicCredentialsFromAFileOfUserPasswordLines() throws Exception {
        String adaPassword = AuthFixtures.randomHex(12);
        Path file = AuthFixtures.write(
                dir.resolve("credentials"), "# who may greet\nada:" + adaPassword + "\r\n\nbob:pa:ss:word\n");
        try (RunningFunction f = RunningFunction.start(
                ECHO,
                t -> t.attribute(
                        "auth", Map.of("kind", "basic", "realm", "greeter", "credentialsFile", file.toString())))) {
            assertEquals(
                    "ada",
                    fields(f.get("/", "Authorization", AuthFixtures.basic("ada", adaPassword)))
                            .get("auth.subject")
                            .asText());
            assertEquals(
                    "bob",
                    fields(f.get("/", "Authorization", AuthFixtures.basic("bob", "pa:ss:word")))
                            .get("auth.subject")
                            .asText());
            assertEquals(
                    "ada",
                    fields(f.get(
                                    "/",
                                    "Authorization",
                                    "basic "
                                            + AuthFixtures.basic("ada", adaPassword)
                                                    .substring(6)))
                            .get("auth.subject")
                            .asText(),
                    "the scheme is case-insensitive");

            assertBasicRefusal(f.get("/", "Authorization", AuthFixtures.basic("ada", adaPassword + "x")));
            assertBasicRefusal(f.get("/", "Authorization", AuthFixtures.basic("ada", "")));
            assertBasicRefusal(f.get("/", "Authorization", AuthFixtures.basic("eve", adaPassword)));
            HttpResponse<String> r = f.get("/", "Authorization", "Basic !!!not-base64");
            assertBasicRefusal(r);
            assertTrue(r.body().contains("the Basic credentials cannot be read"), r.body());
            r = f.get("/");
            assertBasicRefusal(r);
            assertTrue(r.body().contains("send an Authorization header with the Basic scheme"), r.body());
            r = f.get("/", "Authorization", "Bearer " + adaPassword);
            assertBasicRefusal(r);
            assertFalse(r.body().contains(adaPassword));
        }
    }

    @Test
    void basicCredentialsFromOpenFaasStyleSecretFilesAndTheirRealmDefaultsToTheFunctionName() throws Exception {
        String password = AuthFixtures.randomHex(12);
        Path user = AuthFixtures.write(dir.resolve("basic-auth-user"), "admin\n");
        Path pass = AuthFixtures.write(dir.resolve("basic-auth-password"), password + "\n");
        try (RunningFunction f = RunningFunction.start(
                ECHO,
                t -> t.attribute(
                        "auth",
                        Map.of("kind", "basic", "userFile", user.toString(), "passwordFile", pass.toString())))) {
            assertEquals(
                    "admin",
                    fields(f.get("/", "Authorization", AuthFixtures.basic("admin", password)))
                            .get("auth.subject")
                            .asText());
            HttpResponse<String> r = f.get("/", "Authorization", AuthFixtures.basic("admin", password + "\n"));
            assertEquals(401, r.statusCode());
            assertEquals(
                    "Basic realm=\"test\", charset=\"UTF-8\"",
                    r.headers().firstValue("WWW-Authenticate").orElseThrow());
        }
    }

    @Test
    void bearerTokensFromAFileWithOptionalNames() throws Exception {
        String named = AuthFixtures.randomHex(24);
        String anonymous = AuthFixtures.randomHex(24);
        Path tokens = AuthFixtures.write(
                dir.resolve("tokens"), "ci-deployer " + named + "\n  " + anonymous + "  \n# old: none\n");
        try (RunningFunction f = RunningFunction.start(
                ECHO, t -> t.attribute("auth", Map.of("kind", "bearer", "tokensFile", tokens.toString())))) {
            assertEquals(
                    "ci-deployer",
                    fields(f.get("/", "Authorization", "Bearer " + named))
                            .get("auth.subject")
                            .asText());
            JsonNode unnamed = fields(f.get("/", "Authorization", "Bearer " + anonymous));
            assertFalse(unnamed.has("auth.subject"), unnamed.toString());

            String wrong = named.substring(0, named.length() - 1) + (named.endsWith("0") ? "1" : "0");
            HttpResponse<String> r = f.get("/", "Authorization", "Bearer " + wrong);
            assertEquals(401, r.statusCode());
            assertEquals(
                    "Bearer realm=\"test\", error=\"invalid_token\", error_description=\"the credentials are not valid\"",
                    r.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertFalse(r.body().contains(wrong));
            r = f.get("/", "Authorization", "Bearer " + named + " " + named);
            assertEquals(401, r.statusCode());
            r = f.get("/");
            assertEquals(
                    "Bearer realm=\"test\"",
                    r.headers().firstValue("WWW-Authenticate").orElseThrow());
        }
    }

    @Test
    void aRewrittenTokensFileIsReloadedAndABrokenOneKeepsTheTokensInForce() throws Exception {
        String first = AuthFixtures.randomHex(24);
        String second = AuthFixtures.randomHex(24);
        Path tokens = AuthFixtures.write(dir.resolve("tokens"), first + "\n");
        try (RunningFunction f = RunningFunction.start(
                ECHO,
                t -> t.attribute(
                        "auth", Map.of("kind", "bearer", "tokensFile", tokens.toString(), "reloadInterval", "1s")))) {
            assertEquals(200, f.get("/", "Authorization", "Bearer " + first).statusCode());
            AuthFixtures.write(dir.resolve("tokens.new"), second + "\n");
            Files.move(dir.resolve("tokens.new"), tokens, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> f.get("/", "Authorization", "Bearer " + second).statusCode() == 200);
            assertEquals(401, f.get("/", "Authorization", "Bearer " + first).statusCode());

            AuthFixtures.write(tokens, "short\n");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> f.getControl("/status").body().contains("lastReloadProblem"));
            assertEquals(200, f.get("/", "Authorization", "Bearer " + second).statusCode());
            String status = f.getControl("/status").body();
            assertTrue(status.contains("line 1: a token must be at least 16 characters"), status);
            assertFalse(status.contains("short"), "the problem names the line, not what it holds: " + status);
        }
    }

    @Test
    void exemptPathsAreLetInWithoutCredentialsButNotPathsThatOnlyLookLikeThem() throws Exception {
        String token = AuthFixtures.randomHex(24);
        Path tokens = AuthFixtures.write(dir.resolve("tokens"), token + "\n");
        AtomicInteger handled = new AtomicInteger();
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> {
                    handled.incrementAndGet();
                    return e.path();
                },
                t -> t.attribute(
                        "auth",
                        Map.of(
                                "kind",
                                "bearer",
                                "tokensFile",
                                tokens.toString(),
                                "exemptPaths",
                                List.of("/healthz", "/public/"))))) {
            for (String open :
                    List.of("/healthz", "/healthz?probe=1", "/public/", "/public/logo.png", "/public/a/b%20c")) {
                assertEquals(200, f.get(open).statusCode(), open);
            }
            for (String closed : List.of(
                    "/",
                    "/healthz/",
                    "/healthzx",
                    "/public",
                    "/publicity",
                    "/public/../admin",
                    "/public/./x",
                    "/public/%2e%2e/admin",
                    "/public/a%2Fb",
                    "/public/..",
                    "/public/a\\b".replace("\\", "%5C"))) {
                try (RunningFunction.RawConnection c = f.raw()) {
                    c.send("GET " + closed + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertEquals(401, c.read().status(), closed);
                }
            }
            assertEquals(5, handled.get(), "only the exempt requests reached the handler");
        }
    }

    @Test
    void aRefusedRequestsBodyIsNeverHeldAndTheConnectionGoesOnInOrder() throws Exception {
        String token = AuthFixtures.randomHex(24);
        Path tokens = AuthFixtures.write(dir.resolve("tokens"), token + "\n");
        try (RunningFunction f = RunningFunction.start(
                        (ctx, e) -> "got " + e.body().length,
                        t -> t.attribute("maxRequestBodySize", "1KiB")
                                .attribute("auth", Map.of("kind", "bearer", "tokensFile", tokens.toString())));
                RunningFunction.RawConnection c = f.raw()) {
            // pipelined: refused with a small body (read and dropped), accepted, accepted, refused with a body
            // larger than allowed (not read: the connection closes after the 401)
            c.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /b HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /d HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n"
                    + "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + "z".repeat(2000));
            RunningFunction.RawResponse a = c.read();
            assertEquals(401, a.status());
            assertEquals("got 3", c.read().body());
            assertEquals("got 0", c.read().body());
            RunningFunction.RawResponse large = c.read();
            assertEquals(401, large.status(), "credentials are checked before the body's size: no 413 to a stranger");
            assertEquals("close", large.headers().get("Connection"));
            assertTrue(c.closedByServer());
            String metrics = f.getControl("/metrics").body();
            assertTrue(
                    metrics.contains("nucleon_http_body_bytes{function=\"test\",kind=\"http\",trigger=\"web\"} 0.0"),
                    metrics);
        }
    }

    @Test
    void aRefusedChunkedUploadIsAnsweredAndClosedWithoutReadingIt() throws Exception {
        Path tokens = AuthFixtures.write(dir.resolve("tokens"), AuthFixtures.randomHex(24) + "\n");
        try (RunningFunction f = RunningFunction.start(
                        ECHO, t -> t.attribute("auth", Map.of("kind", "bearer", "tokensFile", tokens.toString())));
                RunningFunction.RawConnection c = f.raw()) {
            c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n");
            RunningFunction.RawResponse r = c.read();
            assertEquals(401, r.status());
            assertEquals("close", r.headers().get("Connection"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aRefusedRequestThatExpectsContinueIsAnsweredBeforeItsBodyAndClosed() throws Exception {
        Path tokens = AuthFixtures.write(dir.resolve("tokens"), AuthFixtures.randomHex(24) + "\n");
        try (RunningFunction f = RunningFunction.start(
                        ECHO, t -> t.attribute("auth", Map.of("kind", "bearer", "tokensFile", tokens.toString())));
                RunningFunction.RawConnection c = f.raw()) {
            c.send("PUT /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n\r\n");
            RunningFunction.RawResponse r = c.read();
            assertEquals(401, r.status());
            assertEquals("close", r.headers().get("Connection"));
            assertTrue(c.closedByServer());
        }
    }
}
