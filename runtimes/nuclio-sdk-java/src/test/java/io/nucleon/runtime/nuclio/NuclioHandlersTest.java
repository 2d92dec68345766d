package io.nucleon.runtime.nuclio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.example.Created;
import io.example.Defaults;
import io.example.EventFields;
import io.example.Logging;
import io.example.Misbehaving;
import io.example.NoDefaultConstructor;
import io.example.Reverser;
import io.nucleon.api.FunctionConfigException;
import io.nuclio.EventHandler;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Handlers written on Nuclio's Java SDK, run unchanged in-process by real processors with an http
 * trigger, and called over HTTP.
 */
class NuclioHandlersTest {

    /** Nuclio's Java reverser, as its examples write it (hack/examples/java/reverser): the default package. */
    private static final String NUCLIO_REVERSER = """
            import java.nio.charset.StandardCharsets;

            import io.nuclio.Context;
            import io.nuclio.Event;
            import io.nuclio.EventHandler;
            import io.nuclio.Response;


            public class ReverseEventHandler implements EventHandler {
                @Override
                public Response handleEvent(Context context, Event event) {
                   String body = new String(event.getBody(), StandardCharsets.UTF_8);

                   context.getLogger().infoWith("Got event", "body", body);
                   String reversed = new StringBuilder(body).reverse().toString();

                   return new Response().setBody(reversed.getBytes(StandardCharsets.UTF_8));
                }
            }
            """;

    /** The key/values of a log line, without the ones every line carries. */
    private static Map<String, Object> fields(ILoggingEvent line) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (line.getKeyValuePairs() != null) {
            line.getKeyValuePairs().forEach(kv -> m.put(kv.key, kv.value));
        }
        return m;
    }

    @Test
    void nuclioJavaReverserRunsFromAJarBuiltApartAndLogsToTheProcessorsLog(@TempDir Path dir) throws Exception {
        JavaSources.compile(dir.resolve("classes"), Map.of("ReverseEventHandler", NUCLIO_REVERSER), EventHandler.class);
        JavaSources.jar(dir.resolve("classes"), dir.resolve("fn/reverser.jar"));
        Path yaml = Files.writeString(dir.resolve("fn/function.yaml"), """
                apiVersion: nuclio.io/v1
                kind: NuclioFunction
                metadata:
                  name: java-reverser
                spec:
                  description: Returns the reverse of the body received in the event.
                  runtime: java
                  handler: ReverseEventHandler
                  runtimeAttributes:
                    classpath:
                      - reverser.jar
                  triggers:
                    http:
                      kind: http
                      attributes:
                        host: 127.0.0.1
                        port: 0
                """);
        try (NuclioFunction f = NuclioFunction.fromYaml("java-reverser", yaml)) {
            HttpResponse<String> r = f.send("POST", "/", "nuclio");
            assertEquals(200, r.statusCode());
            assertEquals("oilcun", r.body());
            assertEquals("text/plain", r.headers().firstValue("content-type").orElse(null), "Nuclio's default");

            ILoggingEvent line = f.logLines().stream()
                    .filter(l -> l.getFormattedMessage().equals("Got event"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no 'Got event' line in " + f.logLines()));
            assertEquals("INFO", line.getLevel().toString());
            Map<String, Object> fields = fields(line);
            assertEquals("nuclio", fields.get("body"));
            assertEquals("java-reverser", fields.get("function"));
            assertEquals("http", fields.get("trigger"));

            assertEquals("ReverseEventHandler", f.runtimeStatus().get("handlerClass"));
            assertEquals("io.nuclio.EventHandler", f.runtimeStatus().get("handlerType"));
        }
    }

    @Test
    void aHandlerIsNamedAsNuclioNamesItWithOrWithoutAModulePrefix() throws Exception {
        for (String handler : List.of(Reverser.class.getName(), "main:" + Reverser.class.getName())) {
            try (NuclioFunction f = NuclioFunction.run("reverser", handler)) {
                assertEquals("olleh", f.post("/", "hello"));
                assertTrue(
                        f.logLines().stream()
                                .anyMatch(l -> l.getFormattedMessage().equals("reversing 5 bytes")),
                        () -> "no formatted line in " + f.logLines());
            }
        }
    }

    @Test
    void aResponseCarriesItsStatusHeadersAndContentType() throws Exception {
        try (NuclioFunction f = NuclioFunction.run("created", Created.class.getName())) {
            HttpResponse<String> r = f.send("POST", "/items", "{}");
            assertEquals(201, r.statusCode());
            assertEquals(
                    "application/json", r.headers().firstValue("content-type").orElse(null));
            assertEquals("/items/42", r.headers().firstValue("location").orElse(null));
            assertEquals("42", r.headers().firstValue("x-item-count").orElse(null));
            assertEquals("{\"id\":42}", r.body());
        }
    }

    @Test
    void aResponseKeepsNuclioDefaultsAndAnEmptyContentTypeLeavesTheHeadersOwn() throws Exception {
        try (NuclioFunction f = NuclioFunction.run("defaults", Defaults.class.getName())) {
            HttpResponse<String> plain = f.send("GET", "/", null);
            assertEquals(200, plain.statusCode());
            assertEquals(
                    "text/plain", plain.headers().firstValue("content-type").orElse(null));
            assertEquals("plain", plain.body());

            HttpResponse<String> xml = f.send("GET", "/?header", null);
            assertEquals(
                    "application/xml", xml.headers().firstValue("content-type").orElse(null));
            assertEquals("<a/>", xml.body());
        }
    }

    @Test
    void theEventReadsThroughNuclioGetters() throws Exception {
        try (NuclioFunction f = NuclioFunction.run("fields", EventFields.class.getName())) {
            HttpResponse<String> r = f.send(
                    "PUT",
                    "/p/a?q=hi&n=12",
                    "the body",
                    "Content-Type",
                    "application/json",
                    "X-Test-Header",
                    "value",
                    "X-Number",
                    "99");
            assertEquals(200, r.statusCode(), r.body());
            Map<String, String> seen = r.body()
                    .lines()
                    .collect(Collectors.toMap(
                            l -> l.substring(0, l.indexOf('=')),
                            l -> l.substring(l.indexOf('=') + 1),
                            (a, b) -> a,
                            LinkedHashMap::new));
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("method", "PUT");
            expected.put("path", "/p/a");
            expected.put("url", "/p/a?q=hi&n=12");
            expected.put("contentType", "application/json");
            expected.put("trigger", "sync/http");
            expected.put("header", "value");
            expected.put("headerObject", "value");
            expected.put("headerBytes", "value");
            expected.put("headerLong", "99");
            expected.put("headerLongOfText", "0");
            expected.put("missingHeader", "null");
            expected.put("hasHeaders", "true");
            expected.put("field", "hi");
            expected.put("fieldLong", "12");
            expected.put("fieldBytes", "hi");
            expected.put("fields", "2");
            expected.put("body", "the body");
            expected.put("bodyObject", "true");
            expected.put("hasId", "true");
            expected.put("hasTimestamp", "true");
            expected.put("shard", "0/0");
            assertEquals(expected, seen);
        }
    }

    @Test
    void aFailingHandlerAnswersAsAnyJavaHandlerDoes() throws Exception {
        try (NuclioFunction f = NuclioFunction.run("misbehaving", Misbehaving.class.getName())) {
            HttpResponse<String> thrown = f.send("GET", "/throw", null);
            assertEquals(500, thrown.statusCode());
            assertFalse(thrown.body().contains("secret detail"), "no exception text reaches the caller");

            assertEquals(204, f.send("GET", "/null", null).statusCode());
            assertEquals(500, f.send("GET", "/bad-status", null).statusCode());
            HttpResponse<String> zero = f.send("GET", "/zero-status", null);
            assertEquals(200, zero.statusCode(), "a status code of 0 is Nuclio's 200");
            assertEquals("zero", zero.body());
            assertEquals(404, f.send("GET", "/other", null).statusCode());
        }
    }

    @Test
    void everyLoggerMethodReachesTheProcessorsLogAtItsLevel() throws Exception {
        try (NuclioFunction f = NuclioFunction.run("logging", Logging.class.getName())) {
            assertEquals("logged", f.post("/", ""));
            List<String> lines = f.logLines().stream()
                    .map(l -> l.getLevel() + " " + l.getFormattedMessage() + " " + userFields(l))
                    .toList();
            assertEquals(
                    List.of(
                            "INFO 3 items for ann {}",
                            "WARN disk 93% full {}",
                            "ERROR 100% wrong {}",
                            "INFO stored {id=7, name=ann}",
                            "WARN slow {ms=250}",
                            "ERROR failed {error=timeout}"),
                    lines,
                    "debug lines are below the function logger's level");
        }
    }

    /** A line's fields without those every line carries. */
    private static Map<String, Object> userFields(ILoggingEvent line) {
        Map<String, Object> m = fields(line);
        m.keySet().removeAll(List.of("function", "trigger", "worker"));
        return m;
    }

    @Test
    void nuclioSdkClassesInTheFunctionsJarGiveWayToTheProcessors(@TempDir Path dir) throws Exception {
        // Nuclio's real SDK, as a user's fat jar would carry it: told apart here by a default status of 299.
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("io.nuclio.EventHandler", """
                package io.nuclio;
                public interface EventHandler { Response handleEvent(Context context, Event event); }
                """);
        sources.put("io.nuclio.Context", """
                package io.nuclio;
                public interface Context { Logger getLogger(); }
                """);
        sources.put("io.nuclio.Logger", """
                package io.nuclio;
                public interface Logger { void info(String format, Object... args); }
                """);
        sources.put("io.nuclio.Event", """
                package io.nuclio;
                public interface Event { byte[] getBody(); }
                """);
        sources.put("io.nuclio.Response", """
                package io.nuclio;
                public class Response {
                    private long statusCode = 299;
                    private byte[] body = new byte[0];
                    public Response setBody(String body) { this.body = body.getBytes(); return this; }
                    public byte[] getBody() { return body; }
                    public long getStatusCode() { return statusCode; }
                }
                """);
        sources.put("Echo", """
                import io.nuclio.*;
                public class Echo implements EventHandler {
                    public Response handleEvent(Context context, Event event) {
                        context.getLogger().info("echo");
                        return new Response().setBody(new String(event.getBody())
                                + ", default status " + new Response().getStatusCode());
                    }
                }
                """);
        JavaSources.compile(dir.resolve("classes"), sources, List.of());
        JavaSources.jar(dir.resolve("classes"), dir.resolve("echo.jar"));
        Path yaml = Files.writeString(dir.resolve("function.yaml"), """
                metadata:
                  name: fat-jar
                spec:
                  runtime: java
                  handler: Echo
                  runtimeAttributes:
                    classpath: [echo.jar]
                  triggers:
                    http:
                      kind: http
                      attributes: {host: 127.0.0.1, port: 0}
                """);
        try (NuclioFunction f = NuclioFunction.fromYaml("fat-jar", yaml)) {
            assertEquals("hi, default status 200", f.post("/", "hi"));
            assertEquals("io.nuclio.EventHandler", f.runtimeStatus().get("handlerType"));
        }
    }

    @Test
    void aNuclioHandlerThatCannotBeMadeIsAConfigurationError() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> NuclioFunction.run("no-constructor", NoDefaultConstructor.class.getName()));
        assertEquals(
                "spec.handler: class 'io.example.NoDefaultConstructor' has no public no-argument constructor",
                e.getMessage());
    }
}
