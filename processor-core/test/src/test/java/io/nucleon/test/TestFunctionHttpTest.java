package io.nucleon.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Response;
import io.nucleon.spi.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TestFunctionHttpTest {
    private final Probe probe = new Probe();

    private TestFunction function() {
        return TestFunction.of(b -> b.name("probe")
                        .handler(probe)
                        .trigger("web", "http", t -> t.numWorkers(2).attribute("port", 8080)))
                .start();
    }

    @Test
    void theHandlerGetsTheEventTheHttpTriggerMakes() throws Exception {
        try (TestFunction fn = function()) {
            HttpResult r = fn.send(HttpCall.post("/orders/7?dryRun=true&tag=a&tag=b&auth.subject=mallory&q=a%20b")
                    .header("X-Tenant", "acme")
                    .header("x-tenant", "beta")
                    .json("{\"id\":7}"));
            assertEquals(200, r.status(), r::toString);
            assertEquals("{\"id\":7}", r.bodyAsString());
            assertEquals("application/json", r.header("CONTENT-TYPE"));

            Map<String, Object> p = probe.next();
            assertEquals("sync", p.get("triggerClass"));
            assertEquals("http", p.get("triggerKind"));
            assertEquals("web", p.get("triggerName"));
            assertEquals("http", p.get("context.triggerKind"), "the pool is the http trigger's");
            assertEquals("web", p.get("context.triggerName"));
            assertEquals("POST", p.get("method"));
            assertEquals("/orders/7", p.get("path"));
            assertEquals("/orders/7?dryRun=true&tag=a&tag=b&auth.subject=mallory&q=a%20b", p.get("url"));
            assertEquals(
                    Map.of("dryRun", "true", "tag", List.of("a", "b"), "q", "a b"),
                    p.get("fields"),
                    "a repeated parameter is a list; auth.* never comes from the query");
            assertEquals(
                    Map.of("X-Tenant", "acme, beta", "Content-Type", "application/json", "Content-Length", "8"),
                    Map.copyOf((Map<?, ?>) p.get("headers")));
            assertEquals(true, p.get("headerLookupIgnoresCase"));
            assertEquals("application/json", p.get("contentType"));
        }
    }

    @Test
    void cloudEventsInBinaryModeGiveIdTypeSourceVersionAndTime() throws Exception {
        try (TestFunction fn = function()) {
            fn.send(HttpCall.post("/")
                    .header("ce-id", "e-1")
                    .header("ce-type", "com.example.order")
                    .header("ce-source", "/shop")
                    .header("ce-specversion", "1.0")
                    .header("ce-time", "2026-01-02T03:04:05Z")
                    .body("x"));
            Map<String, Object> p = probe.next();
            assertEquals("e-1", p.get("id"));
            assertEquals("com.example.order", p.get("type"));
            assertEquals("/shop", p.get("source"));
            assertEquals("1.0", p.get("version"));
            assertEquals(Instant.parse("2026-01-02T03:04:05Z"), p.get("timestamp"));
        }
    }

    @Test
    void aHandlerThatThrowsGetsTheTriggers500AndTheTestGetsTheError() {
        try (TestFunction fn = TestFunction.of(b -> b.name("failing")
                        .handler((ctx, e) -> {
                            throw new IllegalStateException("no stock for " + e.field("item"));
                        })
                        .trigger("web", "http", t -> {}))
                .start()) {
            HttpResult r = fn.send(HttpCall.get("/?item=socks"));
            assertEquals(Outcome.HANDLER_ERROR, r.outcome());
            assertEquals(500, r.status());
            assertInstanceOf(IllegalStateException.class, r.error());
            assertEquals("no stock for socks", r.error().getMessage());
            assertTrue(
                    !r.bodyAsString().contains("socks"),
                    "the caller gets an error id, not the message: " + r.bodyAsString());
        }
    }

    @Test
    void aHandlerPastTheEventTimeoutIs504() {
        CountDownLatch never = new CountDownLatch(1);
        try (TestFunction fn = TestFunction.of(b -> b.name("slow")
                        .eventTimeout(Duration.ofMillis(200))
                        .handler((ctx, e) -> {
                            never.await(30, TimeUnit.SECONDS); // until the worker is interrupted
                            return "late";
                        })
                        .trigger("web", "http", t -> {}))
                .start()) {
            HttpResult r = fn.send(HttpCall.get("/"));
            assertEquals(Outcome.TIMEOUT, r.outcome());
            assertEquals(504, r.status());
        }
    }

    @Test
    void aFullPoolRejectsWith503AsTheTriggerWould() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inHandler = new CountDownLatch(1);
        try (TestFunction fn = TestFunction.of(b -> b.name("busy")
                        .handler((ctx, e) -> {
                            inHandler.countDown();
                            release.await(30, TimeUnit.SECONDS);
                            return "done";
                        })
                        .trigger(
                                "web",
                                "http",
                                t -> t.numWorkers(1).workerQueueSize(1).whenQueueFull("reject")))
                .start()) {
            var first = fn.dispatch(HttpCall.get("/1"));
            assertTrue(inHandler.await(30, TimeUnit.SECONDS));
            var queued = fn.dispatch(HttpCall.get("/2"));
            HttpResult rejected = fn.send(HttpCall.get("/3"));
            assertEquals(Outcome.REJECTED, rejected.outcome());
            assertEquals(503, rejected.status());
            release.countDown();
            assertEquals(200, first.get(30, TimeUnit.SECONDS).status());
            assertEquals(200, queued.get(30, TimeUnit.SECONDS).status());
        }
    }

    @Test
    void aQueryTheTriggerCannotDecodeNeverReachesTheHandler() {
        try (TestFunction fn = function()) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> fn.send(HttpCall.get("/?name=%zz")));
            assertTrue(e.getMessage().contains("answers 400"), e.getMessage());
        }
    }

    @Test
    void withTwoHttpTriggersTheTestNamesOne() throws Exception {
        try (TestFunction fn = TestFunction.of(b -> b.name("two")
                        .handler(probe)
                        .trigger("public", "http", t -> t.attribute("port", 8080))
                        .trigger("admin", "http", t -> t.attribute("port", 8081)))
                .start()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fn.send(HttpCall.get("/")));
            assertTrue(e.getMessage().contains("public (http), admin (http)"), e.getMessage());
            fn.send("admin", HttpCall.get("/"));
            assertEquals("admin", probe.next().get("triggerName"));
            IllegalArgumentException unknown =
                    assertThrows(IllegalArgumentException.class, () -> fn.send("web", HttpCall.get("/")));
            assertTrue(unknown.getMessage().contains("no trigger 'web'"), unknown.getMessage());
        }
    }

    @Test
    void aFunctionThatIsNotStartedTakesNoEvents() {
        TestFunction fn =
                TestFunction.of(b -> b.name("idle").handler((ctx, e) -> "x").trigger("web", "http", t -> {}));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fn.send(HttpCall.get("/")));
        assertTrue(e.getMessage().contains("not started"), e.getMessage());
        fn.start().close();
        assertThrows(IllegalStateException.class, fn::start, "a test function starts once");
    }

    @Test
    void itRunsAsAJUnitExtensionOncePerClassOrAroundEachTest() {
        TestFunction perClass = TestFunction.of(b ->
                b.name("per-class").handler((ctx, e) -> Response.text("ok")).trigger("web", "http", t -> {}));
        perClass.beforeAll(null);
        perClass.beforeEach(null);
        assertEquals("ok", perClass.send(HttpCall.get("/")).bodyAsString());
        perClass.afterEach(null);
        assertTrue(perClass.processor().isReady(), "a static extension keeps running between tests");
        perClass.afterAll(null);
        assertThrows(IllegalStateException.class, perClass::processor);

        TestFunction perTest = TestFunction.of(
                b -> b.name("per-test").handler((ctx, e) -> Response.text("ok")).trigger("web", "http", t -> {}));
        perTest.beforeEach(null);
        assertEquals("ok", perTest.send(HttpCall.get("/")).bodyAsString());
        perTest.afterEach(null);
        assertThrows(IllegalStateException.class, perTest::processor);
    }

    @Test
    void theTriggersAttributesAreCheckedByTheHttpTriggerItself() {
        var e = assertThrows(
                io.nucleon.api.FunctionConfigException.class,
                () -> TestFunction.of(b -> b.name("bad")
                                .handler((ctx, ev) -> "x")
                                .trigger("web", "http", t -> t.attribute("maxBodySize", 10)))
                        .start());
        assertTrue(
                e.getMessage().contains("spec.triggers.web.attributes.maxBodySize: unknown attribute"), e.getMessage());
    }
}
