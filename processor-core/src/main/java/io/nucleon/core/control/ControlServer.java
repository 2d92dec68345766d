package io.nucleon.core.control;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nucleon.api.Response;
import io.nucleon.spi.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The processor's control plane on its own port (default {@value #DEFAULT_PORT}, loopback unless
 * told otherwise): {@code /live}, {@code /ready}, {@code /metrics} (Prometheus text) and
 * {@code /status} (JSON), over HTTP/1.1 with keep-alive, and the triggers' admin endpoints under
 * {@code /triggers/<trigger>/…} (see {@link AdminEndpoints}).
 *
 * <p>Access: {@code /live} and {@code /ready} answer anyone who reaches the port (they are probes).
 * With a token, {@code /metrics}, {@code /status} and the admin endpoints ask for
 * {@code Authorization: Bearer <token>} (401 without it). Without a token they answer anyone,
 * except that the admin endpoints are refused (403) when the server listens beyond loopback: a
 * peer's address alone never authorises an admin operation there (see {@link ControlAccess}).
 *
 * <p>A small non-blocking server of its own, apart from the triggers: one selector thread
 * ({@code nucleon-control}) accepts, reads and writes every connection and answers {@code /live}
 * itself, so no client and no slow supplier can delay it; {@code /ready}, {@code /metrics} and
 * {@code /status} run on two endpoint threads ({@code nucleon-control-worker-*}) behind a bounded
 * queue (full: 503 with Retry-After). Every connection is bounded: request line and headers
 * 8 KiB (414/431), a body 64 KiB with Content-Length (413; chunked bodies 411), a request whole
 * within 10 s (408), 60 s at rest before a keep-alive connection is closed, 30 s for an endpoint
 * thread to answer (503), and 128 connections (one more is answered 503 and closed). Each of
 * those closes the connection after its answer.
 *
 * <p>The suppliers are called on the endpoint threads, possibly two at a time: they must be
 * thread-safe. {@link #start()}, {@link #address()} and {@link #close()} may be called from any
 * thread.
 */
public final class ControlServer implements AutoCloseable {
    /** The default control port. */
    public static final int DEFAULT_PORT = 8082;
    /** The default control address: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Response LIVE = Response.status(200)
            .contentType(Response.APPLICATION_JSON)
            .body("{\"live\":true}".getBytes(StandardCharsets.UTF_8))
            .build();
    private static final Response READY = Response.status(200)
            .contentType(Response.APPLICATION_JSON)
            .body("{\"ready\":true}".getBytes(StandardCharsets.UTF_8))
            .build();

    /** The methods an admin endpoint may answer; each endpoint narrows them (405 for the others). */
    private static final java.util.Set<String> ADMIN_METHODS = java.util.Set.of("GET", "POST", "PUT", "DELETE");

    private final ControlEventLoop loop;
    private final ControlAccess access;

    /**
     * Binds {@code address} (port 0 picks a free one); serves once {@link #start()} is called. No
     * token and no admin endpoints.
     *
     * @param readiness returns the names of whatever is not ready; empty when the processor is ready
     * @param status    the body of {@code /status}, serialised as JSON
     * @throws IOException when the address cannot be bound
     */
    public ControlServer(
            InetSocketAddress address,
            Supplier<List<String>> readiness,
            PrometheusMeterRegistry registry,
            Supplier<Map<String, Object>> status)
            throws IOException {
        this(address, readiness, registry, status, new AdminEndpoints(), null, ControlLimits.DEFAULTS);
    }

    /**
     * Binds {@code address} (port 0 picks a free one); serves once {@link #start()} is called.
     *
     * @param readiness returns the names of whatever is not ready; empty when the processor is ready
     * @param status    the body of {@code /status}, serialised as JSON
     * @param admin     the triggers' admin endpoints, served under {@value AdminEndpoints#PREFIX}
     * @param token     the bearer token {@code /metrics}, {@code /status} and the admin endpoints ask
     *                  for, or {@code null} for none: then the admin endpoints answer only when the
     *                  server listens on loopback
     * @throws IOException when the address cannot be bound
     */
    public ControlServer(
            InetSocketAddress address,
            Supplier<List<String>> readiness,
            PrometheusMeterRegistry registry,
            Supplier<Map<String, Object>> status,
            AdminEndpoints admin,
            String token)
            throws IOException {
        this(address, readiness, registry, status, admin, token, ControlLimits.DEFAULTS);
    }

    /** The same with other limits (tests use short timeouts and small caps). */
    ControlServer(
            InetSocketAddress address,
            Supplier<List<String>> readiness,
            PrometheusMeterRegistry registry,
            Supplier<Map<String, Object>> status,
            ControlLimits limits)
            throws IOException {
        this(address, readiness, registry, status, new AdminEndpoints(), null, limits);
    }

    ControlServer(
            InetSocketAddress address,
            Supplier<List<String>> readiness,
            PrometheusMeterRegistry registry,
            Supplier<Map<String, Object>> status,
            AdminEndpoints admin,
            String token,
            ControlLimits limits)
            throws IOException {
        this.access = new ControlAccess(token);
        ControlRoutes routes = new ControlRoutes()
                .get("/live", ControlRoutes.Runs.ON_SELECTOR, request -> LIVE)
                .get("/ready", ControlRoutes.Runs.ON_WORKER, request -> ready(readiness.get()))
                .get(
                        "/metrics",
                        ControlRoutes.Runs.ON_WORKER,
                        access.guarded(
                                false,
                                request -> Response.status(200)
                                        .contentType(PROMETHEUS_TEXT)
                                        .body(registry.scrape().getBytes(StandardCharsets.UTF_8))
                                        .build()))
                .get(
                        "/status",
                        ControlRoutes.Runs.ON_WORKER,
                        access.guarded(
                                false,
                                request -> Response.status(200)
                                        .contentType(Response.APPLICATION_JSON)
                                        .body(Json.mapper()
                                                .writerWithDefaultPrettyPrinter()
                                                .writeValueAsBytes(status.get()))
                                        .build()))
                .addStaged(ADMIN_METHODS, AdminEndpoints.PREFIX, request -> {
                    Response refusal = access.check(request, true);
                    return refusal != null
                            ? java.util.concurrent.CompletableFuture.completedFuture(refusal)
                            : admin.answer(request);
                });
        loop = new ControlEventLoop(address, limits, routes);
        access.bound(loop.address());
    }

    private static Response ready(List<String> notReady) throws IOException {
        if (notReady.isEmpty()) {
            return READY;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", false);
        body.put("notReady", notReady);
        return Response.status(503)
                .contentType(Response.APPLICATION_JSON)
                .body(Json.mapper().writeValueAsBytes(body))
                .build();
    }

    /**
     * Starts the selector thread.
     *
     * @throws IllegalStateException when already started or closed
     */
    public void start() {
        loop.start();
    }

    /** The bound address (useful when the port was 0). */
    public InetSocketAddress address() {
        return loop.address();
    }

    /**
     * Whether this server listens beyond loopback without a token: {@code /metrics} and {@code /status}
     * then answer anyone who reaches it (admin endpoints do not).
     */
    public boolean openBeyondLoopback() {
        return access.openBeyondLoopback();
    }

    /** Open control connections, for tests. */
    int openConnections() {
        return loop.openConnections();
    }

    /** Requests waiting for an endpoint thread, for tests. */
    int endpointsWaiting() {
        return loop.endpointsWaiting();
    }

    /**
     * Stops the selector thread (waiting up to 10 s for it), closes every connection and the
     * listening socket, and interrupts endpoints still running. Idempotent.
     */
    @Override
    public void close() {
        loop.close();
    }
}
