package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the journal keeps from callers and who may reach it: a private directory, no credentials at
 * rest, no dead-letter operations on the public port, no paths in a 503. Real processors, real
 * journals on disk.
 */
class JournalPrivacyTest {
    private static final String SECRET = "Bearer do-not-store-me-4c1f";
    private static final String COOKIE = "session=cookie-not-on-disk-77a2";

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(r.body(), e);
        }
    }

    @Test
    void anExistingDirectoryOthersCanReachIsMadePrivate(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("journal");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (AsyncFunction f =
                AsyncFunction.start((ctx, e) -> "ok", dir.toString(), 1, Duration.ofSeconds(5), a -> {})) {
            assertEquals(202, f.post("/async/x", "").statusCode());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
    }

    @SuppressWarnings("try") // the resource is held for its effect, not used
    @Test
    void aDirectoryThatCannotBeMadePrivateStopsTheStartNamingItsMode(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("shared");
        try (ReadOnlyDirectory ro = ReadOnlyDirectory.mountedWithMode(dir, "0755")) {
            Exception e = assertThrows(
                    Exception.class,
                    () -> AsyncFunction.start((ctx, ev) -> "ok", dir.toString(), 1, Duration.ofSeconds(5), a -> {})
                            .close());
            String all = messages(e);
            assertTrue(all.contains("rwxr-xr-x"), all);
            assertTrue(all.contains(dir.toString()), all);
            assertTrue(all.contains("chmod 700"), "says what to do: " + all);
        }
    }

    @Test
    void credentialsAreDroppedBeforeTheCallIsJournaled(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("journal");
        Map<String, String> seen = new ConcurrentHashMap<>();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    seen.put("authorization", String.valueOf(e.header("Authorization")));
                    seen.put("cookie", String.valueOf(e.header("Cookie")));
                    seen.put("x-keep", String.valueOf(e.header("X-Keep")));
                    return "ok";
                },
                dir.toString(),
                1,
                Duration.ofSeconds(5),
                a -> {})) {
            HttpResponse<String> r =
                    f.post("/async/x", "body", "Authorization", SECRET, "Cookie", COOKIE, "X-Keep", "kept");
            assertEquals(202, r.statusCode(), r.body());
            String status = json(r).get("status").asText();
            AsyncFunction.await("handled", Duration.ofSeconds(20), () -> seen.size() == 3);
            assertEquals("null", seen.get("authorization"));
            assertEquals("null", seen.get("cookie"));
            assertEquals("kept", seen.get("x-keep"));
            AsyncFunction.await("succeeded", Duration.ofSeconds(20), () -> {
                try {
                    return "succeeded"
                            .equals(f.get(status)
                                    .headers()
                                    .firstValue("X-Nucleon-State")
                                    .orElse(""));
                } catch (Exception x) {
                    return false;
                }
            });
        }
        assertFalse(anyFileHolds(dir, "do-not-store-me"), "the token is nowhere in the journal");
        assertFalse(anyFileHolds(dir, "cookie-not-on-disk"), "the cookie is nowhere in the journal");
    }

    @Test
    void anEmptyDropListKeepsEveryHeader(@TempDir Path tmp) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    seen.put("authorization", String.valueOf(e.header("Authorization")));
                    return "ok";
                },
                tmp.resolve("journal").toString(),
                1,
                Duration.ofSeconds(5),
                a -> a.put("journalDropHeaders", List.of()))) {
            assertEquals(202, f.post("/async/x", "", "Authorization", SECRET).statusCode());
            AsyncFunction.await("handled", Duration.ofSeconds(20), () -> seen.containsKey("authorization"));
            assertEquals(SECRET, seen.get("authorization"));
        }
    }

    @Test
    void deadLetterOperationsAreNotOnThePublicPortNotEvenForLoopback(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("journal");
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            Entries.deadLettered(j, 0, 2);
        }
        try (AsyncFunction f =
                AsyncFunction.start((ctx, e) -> "ok", dir.toString(), 1, Duration.ofSeconds(5), a -> {})) {
            for (String path : List.of(
                    "/async/dead-letters", "/async/dead-letters/replay-all", "/async/dead-letters/e-00000/replay")) {
                HttpResponse<String> get = f.get(path);
                HttpResponse<String> post = f.post(path, "");
                assertEquals(404, get.statusCode(), path + ": " + get.body());
                assertEquals(404, post.statusCode(), path + ": " + post.body());
                assertFalse(post.body().contains("e-0000"), "nothing listed: " + post.body());
            }
            assertEquals(2, json(f.adminGet("/dead-letters")).get("total").asInt(), "nothing was replayed");
            assertEquals(0, ((Number) f.asyncStatus().get("accepted")).intValue(), "nor taken as an async call");
        }
    }

    @SuppressWarnings("try") // the resource is held for its effect, not used
    @Test
    void aJournalThatCannotBeUsedIsA503WithAnErrorIdAndNoPath(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ro");
        try (ReadOnlyDirectory ro = ReadOnlyDirectory.make(dir);
                AsyncFunction f =
                        AsyncFunction.start((ctx, e) -> "ok", dir.toString(), 1, Duration.ofSeconds(5), a -> {})) {
            HttpResponse<String> r = f.post("/async/x", "");
            assertEquals(503, r.statusCode(), r.body());
            JsonNode body = json(r);
            assertEquals("async journal unavailable", body.get("error").asText());
            assertEquals(16, body.get("errorId").asText().length(), r.body());
            assertFalse(r.body().contains(tmp.toString()), "no path reaches the caller: " + r.body());
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
            HttpResponse<String> again = f.post("/async/x", "");
            assertEquals(
                    body.get("errorId").asText(),
                    json(again).get("errorId").asText(),
                    "one cause, one id, one log line");
            HttpResponse<String> status = f.get("/async/status/nope");
            assertEquals(503, status.statusCode(), status.body());
            assertFalse(status.body().contains(tmp.toString()), "no path in a status answer either: " + status.body());
        }
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static boolean anyFileHolds(Path dir, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                byte[] b = Files.readAllBytes(p);
                outer:
                for (int i = 0; i + needle.length <= b.length; i++) {
                    for (int k = 0; k < needle.length; k++) {
                        if (b[i + k] != needle[k]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }
}
