package io.nucleon.core.control;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nucleon.api.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor's control plane on its own port (default {@value #DEFAULT_PORT}, loopback unless
 * told otherwise): {@code /live}, {@code /ready}, {@code /metrics} (Prometheus text) and
 * {@code /status} (JSON). Served by the JDK's HTTP server on one thread, apart from the triggers.
 */
public final class ControlServer implements AutoCloseable {
    /** The default control port. */
    public static final int DEFAULT_PORT = 8082;
    /** The default control address: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * @param readiness returns the names of whatever is not ready; empty when the processor is ready
     */
    public ControlServer(InetSocketAddress address, Supplier<java.util.List<String>> readiness,
                         PrometheusMeterRegistry registry, Supplier<Map<String, Object>> status) throws IOException {
        server = HttpServer.create(address, 16);
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nucleon-control");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/live", ex -> respond(ex, 200, "application/json", "{\"live\":true}"));
        server.createContext("/ready", ex -> {
            java.util.List<String> notReady = readiness.get();
            if (notReady.isEmpty()) {
                respond(ex, 200, "application/json", "{\"ready\":true}");
            } else {
                respond(ex, 503, "application/json", Json.mapper().writeValueAsString(Map.of("ready", false, "notReady", notReady)));
            }
        });
        server.createContext("/metrics", ex -> serve(ex, PROMETHEUS_TEXT, registry::scrape));
        server.createContext("/status", ex -> serve(ex, "application/json",
                () -> Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(status.get())));
        server.createContext("/", ex -> respond(ex, 404, "application/json",
                "{\"error\":\"not found\",\"message\":\"the control server serves /live, /ready, /metrics and /status\"}"));
    }

    public void start() {
        server.start();
    }

    /** The bound address (useful when the port was 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Answers 200 with what {@code body} makes, or 500 (and a log line) when making it fails. */
    private static void serve(HttpExchange ex, String contentType, java.util.concurrent.Callable<String> body) throws IOException {
        String text;
        try {
            text = body.call();
        } catch (Exception e) {
            LOG.error("control endpoint {} failed", ex.getRequestURI().getPath(), e);
            respond(ex, 500, "application/json", "{\"error\":\"internal error\",\"message\":\"see the processor's log\"}");
            return;
        }
        respond(ex, 200, contentType, text);
    }

    private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", contentType);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("control request failed", e);
            throw e;
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
