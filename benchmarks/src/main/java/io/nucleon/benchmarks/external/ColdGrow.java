package io.nucleon.benchmarks.external;

import io.nucleon.api.Processor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * What a cold grow of an elastic pool of Python wrappers costs ({@code minWorkers: 1},
 * {@code numWorkers: 2}), over HTTP on 127.0.0.1, in one line:
 * {@code java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.external.ColdGrow [rounds] [transport] [loadMillis]}.
 *
 * <ul>
 *   <li><b>cold grow</b>: the one wrapper holds a request (its handler waits for a file); the time from
 *       sending the next request, which finds no idle worker, until its answer, which comes from the
 *       wrapper started for it (checked by pid). That is the wrapper's start (interpreter, handshake,
 *       the handler's module) plus one round trip.</li>
 *   <li><b>during a grow</b>: two closed-loop clients send quick requests to the pool at its minimum
 *       (one wrapper); it grows, and until the new wrapper answers its first request, the running one
 *       serves both. The latency of the requests sent in that window, against those sent after it (two
 *       wrappers) and against a fixed pool of one wrapper under the same load: a wrapper started on
 *       demand must not hold up requests that a running one can take; what it costs them is the CPU
 *       its start takes on a small machine.</li>
 * </ul>
 *
 * Between rounds the pool shrinks back to one wrapper ({@code workerIdleTimeout: 200ms}). With
 * {@code RESULTS_DIR} set, the figures also go to {@code $RESULTS_DIR/cold-grow.tsv}.
 */
public final class ColdGrow {
    private static final String HANDLER = String.join(
            "\n",
            "import os",
            "import time",
            "",
            "",
            "def handler(context, event):",
            "    if event.path == '/hold':",
            "        release = event.fields.get('file')",
            "        while not os.path.exists(release):",
            "            time.sleep(0.001)",
            "    return str(os.getpid())",
            "");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One quick request of the load: when it was sent ({@link System#nanoTime()}), how long it took, who answered. */
    record Sample(long sentAt, long nanos, long pid) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String transport = args.length > 1 ? args[1] : "shm";
        long loadMillis = args.length > 2 ? Long.parseLong(args[2]) : 1500;
        Path code = Files.createTempDirectory("nucleon-cold-grow");
        Files.writeString(code.resolve("grow.py"), HANDLER);
        Path release = code.resolve("release");
        try {
            List<Long> cold = new ArrayList<>();
            List<Long> growUnderLoad = new ArrayList<>();
            List<Long> during = new ArrayList<>();
            List<Long> after = new ArrayList<>();
            List<Long> fixed = new ArrayList<>();
            int invalid = 0;
            try (Processor p = start(code, transport, true)) {
                String base = "http://127.0.0.1:" + port(p);
                for (int round = 0; round < rounds; round++) {
                    awaitWorkers(p, 1);
                    Files.deleteIfExists(release);
                    CompletableFuture<HttpResponse<String>> hold =
                            HTTP.sendAsync(get(base + "/hold?file=" + release), HttpResponse.BodyHandlers.ofString());
                    awaitPool(p, "available", 0);
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = HTTP.send(get(base + "/pid"), HttpResponse.BodyHandlers.ofString());
                    long t1 = System.nanoTime();
                    Files.createFile(release);
                    String holder = hold.get().body();
                    if (r.statusCode() != 200 || r.body().equals(holder)) {
                        invalid++; // answered by the held wrapper once it was let go: not a cold grow
                    } else {
                        cold.add(t1 - t0);
                    }
                }
                for (int round = 0; round < rounds; round++) {
                    awaitWorkers(p, 1);
                    long before = Long.parseLong(HTTP.send(get(base + "/pid"), HttpResponse.BodyHandlers.ofString())
                            .body());
                    long start = System.nanoTime();
                    List<Sample> samples = load(base, 2, loadMillis);
                    long firstNew = samples.stream()
                            .filter(s -> s.pid != before)
                            .mapToLong(s -> s.sentAt + s.nanos)
                            .min()
                            .orElse(Long.MAX_VALUE);
                    if (firstNew == Long.MAX_VALUE) {
                        invalid++; // it did not grow within the load
                        continue;
                    }
                    growUnderLoad.add(firstNew - start);
                    for (Sample s : samples) {
                        (s.sentAt < firstNew ? during : after).add(s.nanos);
                    }
                }
            }
            try (Processor p = start(code, transport, false)) {
                String base = "http://127.0.0.1:" + port(p);
                for (int round = 0; round < Math.max(1, rounds / 3); round++) {
                    load(base, 2, loadMillis).forEach(s -> fixed.add(s.nanos));
                }
            }
            String line = String.format(
                    "coldGrow python/%s: a wrapper started on demand answers its first event after p50 %.1f ms,"
                            + " p90 %.1f ms (%d rounds); under 2 closed-loop clients the grow takes p50 %.1f ms and"
                            + " requests during it see p50 %.2f ms p99 %.2f ms max %.1f ms (n=%d), after it p50 %.2f ms"
                            + " p99 %.2f ms (n=%d), a fixed pool of 1 wrapper p50 %.2f ms p99 %.2f ms (n=%d)%s",
                    transport,
                    ms(pct(cold, 50)),
                    ms(pct(cold, 90)),
                    cold.size(),
                    ms(pct(growUnderLoad, 50)),
                    ms(pct(during, 50)),
                    ms(pct(during, 99)),
                    ms(pct(during, 100)),
                    during.size(),
                    ms(pct(after, 50)),
                    ms(pct(after, 99)),
                    after.size(),
                    ms(pct(fixed, 50)),
                    ms(pct(fixed, 99)),
                    fixed.size(),
                    invalid == 0 ? "" : "; " + invalid + " rounds discarded");
            System.out.println(line);
            writeTsv(
                    transport,
                    cold,
                    growUnderLoad,
                    List.of(List.of("during grow", during), List.of("after grow", after), List.of("fixed 1", fixed)));
        } finally {
            try (Stream<Path> files = Files.walk(code)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static Processor start(Path code, String transport, boolean elastic) throws Exception {
        return Processor.builder()
                .name("cold-grow")
                .runtime("python")
                .handler("grow:handler")
                .runtimeAttribute("codeDir", code.toString())
                .runtimeAttribute("transport", transport)
                .eventTimeout(Duration.ofSeconds(30))
                .drainTimeout(Duration.ofSeconds(2))
                .withoutControlServer()
                .trigger("web", "http", t -> {
                    t.attribute("host", "127.0.0.1").attribute("port", 0);
                    if (elastic) {
                        t.numWorkers(2).minWorkers(1).workerIdleTimeout(Duration.ofMillis(200));
                    } else {
                        t.numWorkers(1);
                    }
                })
                .build()
                .start();
    }

    /** {@code clients} threads each sending quick requests one after another for {@code millis}. */
    private static List<Sample> load(String base, int clients, long millis) throws Exception {
        List<Sample> all = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + millis * 1_000_000;
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                try {
                    HttpRequest req = get(base + "/pid");
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
                        long t1 = System.nanoTime();
                        if (r.statusCode() != 200) {
                            throw new IOException("status " + r.statusCode() + ": " + r.body());
                        }
                        all.add(new Sample(t0, t1 - t0, Long.parseLong(r.body())));
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        return all;
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> trigger(Processor p) {
        return ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
    }

    private static int port(Processor p) {
        return (Integer) trigger(p).get("port");
    }

    @SuppressWarnings("unchecked")
    private static void awaitPool(Processor p, String field, int value) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Integer.valueOf(value).equals(((Map<String, Object>) trigger(p).get("pool")).get(field))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pool's " + field + " did not reach " + value + " in 30 s");
            }
            LockSupport.parkNanos(2_000_000);
        }
    }

    /** Waits until the pool has {@code n} workers and none is still stopping. */
    private static void awaitWorkers(Processor p, int n) {
        awaitPool(p, "workers", n);
        awaitPool(p, "retiring", 0);
    }

    private static long pct(List<Long> values, int percentile) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    @SuppressWarnings("unchecked")
    private static void writeTsv(String transport, List<Long> cold, List<Long> growUnderLoad, List<List<Object>> loads)
            throws IOException {
        String dir = System.getenv("RESULTS_DIR");
        if (dir == null || dir.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("setup\tn\tp50_ms\tp90_ms\tp99_ms\tmax_ms\n");
        row(sb, "cold grow python/" + transport, cold);
        row(sb, "grow under load python/" + transport, growUnderLoad);
        for (List<Object> l : loads) {
            row(sb, "requests " + l.get(0) + " python/" + transport, (List<Long>) l.get(1));
        }
        Path out = Path.of(dir, "cold-grow.tsv");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb.toString());
    }

    private static void row(StringBuilder sb, String setup, List<Long> v) {
        sb.append(String.format(
                "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f%n",
                setup, v.size(), ms(pct(v, 50)), ms(pct(v, 90)), ms(pct(v, 99)), ms(pct(v, 100))));
    }
}
