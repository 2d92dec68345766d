package io.nucleon.core.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nucleon.api.Response;
import io.nucleon.spi.AdminRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who may use the control server: the token on {@code /metrics}, {@code /status} and the triggers'
 * admin endpoints, the probes left open, and admin operations refused beyond loopback without a token
 * whatever the peer's address. Real servers on real sockets.
 */
class ControlAccessTest {
    private static final String TOKEN = "s3cret-control-token";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ControlServer> servers = new ArrayList<>();
    private final AtomicReference<AdminRequest> seen = new AtomicReference<>();

    @AfterEach
    void close() {
        servers.forEach(ControlServer::close);
    }

    private AdminEndpoints admin() {
        AdminEndpoints a = new AdminEndpoints();
        a.add("web", "/dead-letters/", Set.of("GET", "POST"), r -> {
            seen.set(r);
            return CompletableFuture.completedFuture(Response.status(200)
                    .body("admin " + r.method() + " " + r.path())
                    .build());
        });
        a.add(
                "web",
                "/broken",
                Set.of("GET"),
                r -> CompletableFuture.failedFuture(new IllegalStateException("internal detail")));
        a.add("web", "/never", Set.of("GET"), r -> new CompletableFuture<>());
        return a;
    }

    private ControlServer start(String host, String token) throws IOException {
        return start(host, token, ControlLimits.DEFAULTS);
    }

    private ControlServer start(String host, String token, ControlLimits limits) throws IOException {
        ControlServer s = new ControlServer(
                new InetSocketAddress(host, 0),
                List::of,
                registry,
                () -> Map.of("function", "t"),
                admin(),
                token,
                limits);
        servers.add(s);
        s.start();
        return s;
    }

    private HttpResponse<String> send(ControlServer s, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + s.address().getPort() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withATokenMetricsStatusAndAdminAskForItAndTheProbesDoNot() throws Exception {
        ControlServer s = start("127.0.0.1", TOKEN);
        assertEquals(200, send(s, "GET", "/live", null).statusCode());
        assertEquals(200, send(s, "GET", "/ready", null).statusCode());
        for (String path : List.of("/metrics", "/status", "/triggers/web/dead-letters")) {
            HttpResponse<String> none = send(s, "GET", path, null);
            assertEquals(401, none.statusCode(), path + ": " + none.body());
            assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer realm="), path);
            HttpResponse<String> wrong = send(s, "GET", path, "not-the-token");
            assertEquals(401, wrong.statusCode(), path);
            assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").contains("invalid_token"), path);
            assertFalse(wrong.body().contains(TOKEN), "the token is never echoed");
            assertEquals(200, send(s, "GET", path, TOKEN).statusCode(), path);
        }
        assertEquals(401, send(s, "GET", "/metrics", TOKEN + "x").statusCode(), "a longer token is not the token");
        assertEquals(401, send(s, "GET", "/metrics", TOKEN.substring(1)).statusCode(), "nor is a shorter one");
    }

    @Test
    void withoutATokenOnLoopbackEverythingAnswers() throws Exception {
        ControlServer s = start("127.0.0.1", null);
        assertFalse(s.openBeyondLoopback());
        assertEquals(200, send(s, "GET", "/metrics", null).statusCode());
        assertEquals(200, send(s, "GET", "/status", null).statusCode());
        assertEquals(
                200,
                send(s, "POST", "/triggers/web/dead-letters/replay-all", null).statusCode());
    }

    @Test
    void beyondLoopbackWithoutATokenAdminIsRefusedEvenToALoopbackPeer() throws Exception {
        ControlServer s = start("0.0.0.0", null);
        assertTrue(s.openBeyondLoopback(), "worth the warning at start");
        HttpResponse<String> r = send(s, "POST", "/triggers/web/dead-letters/replay-all", null);
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("control token"), r.body());
        assertEquals(null, seen.get(), "the endpoint never ran");
        assertEquals(
                200,
                send(s, "GET", "/metrics", null).statusCode(),
                "metrics stay open: the token is optional for them");
        assertEquals(200, send(s, "GET", "/live", null).statusCode());
    }

    @Test
    void beyondLoopbackWithATokenAdminAnswersWithIt() throws Exception {
        ControlServer s = start("0.0.0.0", TOKEN);
        assertFalse(s.openBeyondLoopback());
        assertEquals(401, send(s, "GET", "/triggers/web/dead-letters", null).statusCode());
        HttpResponse<String> r = send(s, "GET", "/triggers/web/dead-letters", TOKEN);
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void adminRequestsReachTheirEndpointWithThePathBelowItAndTheQuery() throws Exception {
        ControlServer s = start("127.0.0.1", null);
        HttpResponse<String> list = send(s, "GET", "/triggers/web/dead-letters?limit=5&after=x", null);
        assertEquals("admin GET /", list.body());
        assertEquals("limit=5&after=x", seen.get().query());
        HttpResponse<String> replay = send(s, "POST", "/triggers/web/dead-letters/e-1/replay", null);
        assertEquals("admin POST /e-1/replay", replay.body());
        assertEquals(null, seen.get().query());
        HttpResponse<String> head = send(s, "HEAD", "/triggers/web/dead-letters", null);
        assertEquals(200, head.statusCode());
        assertEquals("GET", seen.get().method(), "HEAD arrives as GET");
    }

    @Test
    void adminAnswersWrongMethodsUnknownPathsAndFailuresClearly() throws Exception {
        ControlServer s = start("127.0.0.1", null, ControlLimits.DEFAULTS.withEndpointTimeout(Duration.ofMillis(500)));
        HttpResponse<String> put = send(s, "PUT", "/triggers/web/dead-letters", null);
        assertEquals(405, put.statusCode(), put.body());
        assertEquals("GET, POST, HEAD", put.headers().firstValue("Allow").orElse(""));
        assertEquals(404, send(s, "GET", "/triggers/other/dead-letters", null).statusCode());
        assertEquals(404, send(s, "GET", "/triggers/web", null).statusCode());
        HttpResponse<String> broken = send(s, "GET", "/triggers/web/broken", null);
        assertEquals(500, broken.statusCode(), broken.body());
        assertTrue(broken.body().contains("errorId"), broken.body());
        assertFalse(broken.body().contains("internal detail"), "the cause goes to the log only: " + broken.body());
        HttpResponse<String> never = send(s, "GET", "/triggers/web/never", null);
        assertEquals(503, never.statusCode(), never.body());
        assertEquals(200, send(s, "GET", "/live", null).statusCode(), "a stuck admin endpoint holds nothing else up");
    }

    @Test
    void adminPathsAreCheckedWhenAdded() {
        AdminEndpoints a = new AdminEndpoints();
        a.add(
                "web",
                "/x",
                Set.of("GET"),
                r -> CompletableFuture.completedFuture(Response.status(204).build()));
        assertThrows(IllegalArgumentException.class, () -> a.add("web", "/x", Set.of("GET"), r -> null), "taken");
        assertThrows(IllegalArgumentException.class, () -> a.add("web", "x", Set.of("GET"), r -> null), "no leading /");
        assertThrows(
                IllegalArgumentException.class,
                () -> a.add("web", "/a/../b", Set.of("GET"), r -> null),
                "dot segments");
        assertThrows(
                IllegalArgumentException.class, () -> a.add("we b", "/x", Set.of("GET"), r -> null), "trigger name");
        assertThrows(IllegalArgumentException.class, () -> a.add("web", "/y", Set.of(), r -> null), "no methods");
        assertEquals(List.of("/triggers/web/x"), a.paths());
    }

    @Test
    void theTokenNeverShowsInTheOptionsText() {
        String text = new io.nucleon.core.ControlOptions(true, "127.0.0.1", 8082, TOKEN).toString();
        assertFalse(text.contains(TOKEN), text);
    }
}
