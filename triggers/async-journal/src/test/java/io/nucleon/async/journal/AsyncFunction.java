package io.nucleon.async.journal;

import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.awaitility.Awaitility;

/** A processor with one http trigger (async enabled) and its control server on free loopback ports, for tests. */
final class AsyncFunction implements AutoCloseable {
    final Processor processor;
    final int port;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AsyncFunction(Processor processor) {
        this.processor = processor;
        this.port = (Integer) trigger().get("port");
    }

    /** Default async options on {@code directory}, changed by {@code async}. */
    static AsyncFunction start(
            Handler handler,
            String directory,
            int numWorkers,
            Duration eventTimeout,
            Consumer<Map<String, Object>> async)
            throws Exception {
        return start(handler, directory, numWorkers, eventTimeout, async, "127.0.0.1");
    }

    /** {@link #start(Handler, String, int, Duration, Consumer)} with the trigger listening on {@code host}. */
    static AsyncFunction start(
            Handler handler,
            String directory,
            int numWorkers,
            Duration eventTimeout,
            Consumer<Map<String, Object>> async,
            String host)
            throws Exception {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("enabled", true);
        a.put("directory", directory);
        a.put("retryDelay", "50ms");
        a.put("maxRetryDelay", "200ms");
        async.accept(a);
        Processor p = Processor.builder()
                .name("async-test")
                .handler(handler)
                .eventTimeout(eventTimeout)
                .drainTimeout(Duration.ofSeconds(5))
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(numWorkers)
                                .attribute("host", host)
                                .attribute("port", 0)
                                .attribute("async", a))
                .controlServer("127.0.0.1", 0)
                .build()
                .start();
        return new AsyncFunction(p);
    }

    /**
     * Lets callbacks reach receivers on 127.0.0.1, as the tests' receivers are: the documented way,
     * {@code callbackAllowedHosts} (loopback is refused without it).
     */
    static void allowLoopbackCallbacks(Map<String, Object> async) {
        async.put("callbackAllowedHosts", List.of("127.0.0.1"));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> trigger() {
        return ((List<Map<String, Object>>) processor.status().get("triggers")).get(0);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> asyncStatus() {
        return (Map<String, Object>) trigger().get("async");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code path} on the control server, e.g. {@code /triggers/web/dead-letters}. */
    URI controlUri(String path) {
        return URI.create("http://127.0.0.1:" + processor.controlAddress().getPort() + path);
    }

    /** A GET of the trigger's admin endpoint {@code path} (below {@code /triggers/web}) on the control server. */
    HttpResponse<String> adminGet(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(controlUri("/triggers/web" + path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A POST to the trigger's admin endpoint {@code path} (below {@code /triggers/web}) on the control server. */
    HttpResponse<String> adminPost(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(controlUri("/triggers/web" + path))
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The control server's {@code /metrics} (Prometheus text). */
    String metrics() throws IOException, InterruptedException {
        URI u = URI.create("http://127.0.0.1:" + processor.controlAddress().getPort() + "/metrics");
        return http.send(
                        HttpRequest.newBuilder(u)
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /**
     * The value of the sample {@code name} in Prometheus text whose labels include every one of
     * {@code labels} (such as {@code outcome="failed"}); NaN when there is none.
     */
    static double sample(String prometheus, String name, String... labels) {
        for (String line : prometheus.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits up to {@code timeout} for {@code condition}, failing with {@code what} when it does not come. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        Awaitility.await(what)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    @Override
    public void close() {
        processor.stop(Duration.ofSeconds(5));
    }
}
