package io.nucleon.trigger.http;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The async attributes without nucleon-async-journal on the class path (as in this module's tests). */
class AsyncConfigTest {

    private static Exception build(Map<String, Object> async) {
        return assertThrows(
                Exception.class,
                () -> Processor.builder()
                        .name("test")
                        .handler((ctx, e) -> "ok")
                        .trigger(
                                "web",
                                "http",
                                t -> t.attribute("host", "127.0.0.1")
                                        .attribute("port", 0)
                                        .attribute("async", async))
                        .build()
                        .start()
                        .stop(java.time.Duration.ofSeconds(1)));
    }

    @Test
    void enabledWithoutTheModuleNamesIt() {
        Exception e = build(Map.of("enabled", true, "directory", "/tmp/nowhere"));
        assertTrue(e instanceof FunctionConfigException, e.toString());
        assertTrue(e.getMessage().contains("io.nucleon:nucleon-async-journal"), e.getMessage());
        assertTrue(e.getMessage().contains("async.enabled"), e.getMessage());
    }

    @Test
    void badAttributesAreConfigurationErrors() {
        assertTrue(build(Map.of("enabled", true)).getMessage().contains("async.directory"));
        assertTrue(build(Map.of("enabled", true, "directory", "/x", "pathPrefix", "async/"))
                .getMessage()
                .contains("async.pathPrefix"));
        assertTrue(build(Map.of("enabled", true, "directory", "/x", "maxRetries", -1))
                .getMessage()
                .contains("async.maxRetries"));
        assertTrue(build(Map.of("enabled", true, "directory", "/x", "callbackMaxPending", 0))
                .getMessage()
                .contains("async.callbackMaxPending"));
        assertTrue(build(Map.of("enabled", true, "directory", "/x", "callbackMaxPerHost", 0))
                .getMessage()
                .contains("async.callbackMaxPerHost"));
        assertTrue(build(Map.of("enabled", true, "directory", "/x", "callbackMaxPending", 4, "callbackMaxPerHost", 5))
                .getMessage()
                .contains("async.callbackMaxPerHost"));
        assertTrue(build(Map.of("enabled", true, "directory", "/x", "nope", 1))
                .getMessage()
                .contains("nope"));
    }

    @Test
    void theRemovedLoopbackSwitchSaysWhereTheDeadLetterEndpointsWent() {
        String m = build(Map.of("enabled", true, "directory", "/x", "deadLettersLoopbackOnly", false))
                .getMessage();
        assertTrue(
                m.contains("async.deadLettersLoopbackOnly")
                        && m.contains("control server")
                        && m.contains("/triggers/web/dead-letters"),
                m);
        m = build(Map.of("enabled", true, "directory", "/x", "journalDropHeaders", java.util.List.of(" ")))
                .getMessage();
        assertTrue(m.contains("async.journalDropHeaders"), m);
    }

    @Test
    void disabledNeedsNothing() throws Exception {
        // no control server: its default port (8082) is shared by every build on the machine
        Processor p = Processor.builder()
                .name("test")
                .withoutControlServer()
                .handler((ctx, e) -> "ok")
                .trigger(
                        "web",
                        "http",
                        t -> t.attribute("host", "127.0.0.1")
                                .attribute("port", 0)
                                .attribute("async", Map.of("enabled", false)))
                .build()
                .start();
        p.stop(java.time.Duration.ofSeconds(1));
    }
}
