package io.nucleon.runtime.external;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Processor;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * An elastic pool of Python wrappers ({@code minWorkers} below {@code numWorkers}): concurrent slow
 * requests start wrapper processes one at a time, and once the load is gone the idle ones stop, down
 * to {@code minWorkers}. Watched from outside: the processor's child processes and the runtime's
 * {@code /status}.
 */
class ElasticWrappersTest {
    /** What a worker started on demand logs (WorkerPool's logger) once its wrapper answered the handshake. */
    private static final Pattern GREW = Pattern.compile("^events found no idle worker: started worker");

    @Test
    void pythonWrappersAppearUnderLoadAndGoAwayWhenIdle() throws Exception {
        try (WrapperLogTest.Capture capture = new WrapperLogTest.Capture("python");
                Processor p = Processor.builder()
                        .name("ext-python")
                        .runtime("python")
                        .handler("echo:handler")
                        .runtimeAttribute(
                                "codeDir",
                                ExternalRuntimeTest.FUNCTIONS.resolve("python").toString())
                        .runtimeAttribute("transport", "shm")
                        .eventTimeout(Duration.ofSeconds(30))
                        .drainTimeout(Duration.ofSeconds(5))
                        .trigger(
                                "web",
                                "http",
                                t -> t.numWorkers(3)
                                        .minWorkers(1)
                                        .workerIdleTimeout(Duration.ofMillis(500))
                                        .attribute("host", "127.0.0.1")
                                        .attribute("port", 0))
                        .controlServer("127.0.0.1", 0)
                        .build()
                        .start()) {
            int port = (Integer) trigger(p).get("port");
            assertEquals(1, wrapperChildren().size(), "one wrapper: minWorkers");
            assertEquals(1, alivePids(p).size());
            long first = alivePids(p).get(0);

            // three slow requests at once: the one wrapper takes one, two more start one at a time
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pending.add(ExternalRuntimeTest.HTTP.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sleep?seconds=3"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> capture.count(ExternalRuntimeTest.SLEEPING) == 3); // three wrappers hold one each
            assertEquals(2, capture.count(GREW));
            Set<Long> grown = new HashSet<>(alivePids(p));
            assertEquals(3, grown.size(), "three wrappers alive: " + grown);
            assertTrue(grown.contains(first));
            assertEquals(3, wrapperChildren().size());
            assertEquals(3, pool(p).get("workers"));
            String metrics = metrics(p);
            assertTrue(
                    metrics.contains(
                            "nucleon_workers_state{function=\"ext-python\",kind=\"http\",state=\"busy\",trigger=\"web\"}"
                                    + " 3.0"),
                    metrics);
            for (CompletableFuture<HttpResponse<String>> r : pending) {
                HttpResponse<String> done = r.get();
                assertEquals(200, done.statusCode(), done.body());
                assertEquals("woke", done.body());
            }

            // idle for 500 ms, two wrappers stop; one stays
            await().atMost(Duration.ofSeconds(20)).until(() -> alivePids(p).size() == 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> wrapperChildren().size() == 1);
            long kept = alivePids(p).get(0);
            for (long pid : grown) {
                if (pid != kept) {
                    assertTrue(
                            ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "wrapper " + pid + " stopped");
                }
            }
            assertEquals(1, pool(p).get("workers"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> pool(p).get("retiring").equals(0));
            assertTrue(p.isReady());
            assertTrue(metrics(p)
                    .contains("nucleon_worker_retirements_total{function=\"ext-python\",kind=\"http\",trigger=\"web\"}"
                            + " 2.0"));

            // the remaining wrapper still answers
            HttpResponse<String> r = ExternalRuntimeTest.HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pid"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(String.valueOf(kept), r.body());
        }
    }

    /** This JVM's child processes that run the Python wrapper. */
    private static List<ProcessHandle> wrapperChildren() {
        return ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .filter(h ->
                        h.info().commandLine().map(c -> c.contains("python")).orElse(false))
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> trigger(Processor p) {
        return ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pool(Processor p) {
        return (Map<String, Object>) trigger(p).get("pool");
    }

    @SuppressWarnings("unchecked")
    private static List<Long> alivePids(Processor p) {
        Map<String, Object> rs = (Map<String, Object>) p.status().get("runtimeStatus");
        return ((List<Map<String, Object>>) rs.get("wrappers"))
                .stream()
                        .filter(w -> Boolean.TRUE.equals(w.get("alive")))
                        .map(w -> ((Number) w.get("pid")).longValue())
                        .toList();
    }

    private static String metrics(Processor p) throws Exception {
        return ExternalRuntimeTest.HTTP
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + p.controlAddress().getPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
