package io.nucleon.async.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call reaches the handler as the same event whether it is answered at once (sync) or journaled and
 * run later (async): here, a repeated query parameter is a {@code List<String>} on both paths.
 */
class SameEventOnEveryPathTest {

    @Test
    void aRepeatedQueryParameterIsAListOnTheSyncAndTheAsyncPath(@TempDir Path dir) throws Exception {
        Map<String, Map<String, Object>> fieldsByPath = new ConcurrentHashMap<>();
        try (AsyncFunction f = AsyncFunction.start(
                (ctx, e) -> {
                    fieldsByPath.put(e.triggerClass(), e.fields());
                    return "ok";
                },
                dir.resolve("journal").toString(),
                2,
                Duration.ofSeconds(10),
                a -> {})) {
            HttpResponse<String> sync = f.get("/fn?a=1&a=2&b=x");
            assertEquals(200, sync.statusCode(), sync.body());
            HttpResponse<String> async = f.post("/async/fn?a=1&a=2&b=x", "");
            assertEquals(202, async.statusCode(), async.body());
            await().atMost(Duration.ofSeconds(20)).until(() -> fieldsByPath.containsKey("async"));

            Map<String, Object> expected = Map.of("a", List.of("1", "2"), "b", "x");
            assertEquals(expected, fieldsByPath.get("sync"));
            assertEquals(expected, fieldsByPath.get("async"));
            assertEquals(List.of("1", "2"), fieldsByPath.get("async").get("a"));
        }
    }
}
