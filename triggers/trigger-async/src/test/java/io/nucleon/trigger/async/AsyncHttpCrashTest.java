package io.nucleon.trigger.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a processor holding accepted async calls: a new processor on the same journal handles
 * every call that got a 202 and was not handled before the kill.
 */
class AsyncHttpCrashTest {
    private static final int TOTAL = 40;

    @Test
    void everyAcceptedCallIsHandledAfterAKill(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("journal");
        Path portFile = tmp.resolve("port");
        Path handledLog = tmp.resolve("handled.txt");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ChronicleSetup.requiredJvmFlags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AsyncHttpCrashChild.class.getName(),
                dir.toString(), portFile.toString(), handledLog.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        Map<String, String> idToBody = new LinkedHashMap<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(portFile)) {
                assertTrue(child.isAlive(), () -> "the child died: " + read(tmp.resolve("child.log")));
                assertTrue(System.nanoTime() < deadline, "the child did not start in 60 s");
                Thread.sleep(20);
            }
            int port = Integer.parseInt(Files.readString(portFile).trim());
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < TOTAL; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/async/n"))
                        .POST(HttpRequest.BodyPublishers.ofString(Integer.toString(i))).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(202, r.statusCode(), r.body());
                idToBody.put(Json.mapper().readTree(r.body()).get("id").asText(), Integer.toString(i));
            }
            while (lines(handledLog).size() < 3) {
                assertTrue(child.isAlive(), () -> "the child died: " + read(tmp.resolve("child.log")));
                assertTrue(System.nanoTime() < deadline, "the child handled nothing");
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor(30, TimeUnit.SECONDS);
        }
        Set<String> before = lines(handledLog);
        assertTrue(before.size() < TOTAL, "killed before it handled everything: " + before.size());

        Set<String> after = ConcurrentHashMap.newKeySet();
        try (AsyncFunction f = AsyncFunction.start((ctx, e) -> {
            after.add(e.bodyAsString());
            return "parent " + e.bodyAsString();
        }, dir.toString(), 4, Duration.ofSeconds(30), a -> { })) {
            Set<String> expected = new HashSet<>(idToBody.values());
            expected.removeAll(before);
            AsyncFunction.await("every unhandled call handled after the restart", Duration.ofSeconds(30),
                    () -> after.containsAll(expected));
            for (Map.Entry<String, String> e : idToBody.entrySet()) {
                String url = "/async/status/" + e.getKey();
                AsyncFunction.await("status of " + e.getValue(), Duration.ofSeconds(30), () -> {
                    try {
                        return "succeeded".equals(f.get(url).headers().firstValue("X-Nucleon-State").orElse(null));
                    } catch (Exception x) {
                        return false;
                    }
                });
            }
            System.out.printf("async http crash test: %d accepted, %d handled before the kill, %d after%n",
                    TOTAL, before.size(), after.size());
        }
    }

    private static Set<String> lines(Path log) throws IOException {
        Set<String> s = new HashSet<>();
        if (!Files.exists(log)) {
            return s;
        }
        String text = Files.readString(log, StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n');
        if (end >= 0) {
            for (String line : text.substring(0, end).split("\n")) {
                s.add(line);
            }
        }
        return s;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
