package io.nucleon.runtime.nuclio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.nucleon.api.Processor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * A real processor running one Java function with an http trigger on a free port, called over HTTP,
 * with the function's log lines captured (INFO and above) from the moment it is built.
 */
final class NuclioFunction implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Processor processor;
    final int port;
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level level;
    private final boolean additive;

    private NuclioFunction(String name, Processor.Builder builder) throws Exception {
        logger = (Logger) LoggerFactory.getLogger("nucleon.function." + name);
        level = logger.getLevel();
        additive = logger.isAdditive();
        appender.start();
        logger.setLevel(Level.INFO);
        logger.setAdditive(false); // captured, not also printed
        logger.addAppender(appender);
        try {
            processor = builder.build().start();
        } catch (Exception | Error e) {
            restoreLogger();
            throw e;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> trigger =
                ((List<Map<String, Object>>) processor.status().get("triggers")).get(0);
        port = (Integer) trigger.get("port");
    }

    /** The function {@code name} running {@code handler}, with one worker on a loopback http trigger. */
    static NuclioFunction run(String name, String handler) throws Exception {
        return new NuclioFunction(
                name,
                Processor.builder()
                        .name(name)
                        .runtime("java")
                        .handler(handler)
                        .withoutControlServer()
                        .trigger(
                                "http",
                                "http",
                                t -> t.numWorkers(1)
                                        .attribute("host", "127.0.0.1")
                                        .attribute("port", 0)));
    }

    /** The function of {@code functionYaml}, whose name is {@code name}. */
    static NuclioFunction fromYaml(String name, Path functionYaml) throws Exception {
        return new NuclioFunction(
                name, Processor.builder().functionYaml(functionYaml).withoutControlServer());
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            r.headers(headers);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The body of a {@code 200} answer to {@code POST path}. */
    String post(String path, String body) throws Exception {
        HttpResponse<String> r = send("POST", path, body);
        assertEquals(200, r.statusCode(), () -> path + " answered " + r.statusCode() + ": " + r.body());
        return r.body();
    }

    /** The function's log lines so far. */
    List<ILoggingEvent> logLines() {
        synchronized (appender) { // the appender appends under its own lock
            return List.copyOf(appender.list);
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> runtimeStatus() {
        return (Map<String, Object>) processor.status().get("runtimeStatus");
    }

    private void restoreLogger() {
        logger.detachAppender(appender);
        logger.setLevel(level);
        logger.setAdditive(additive);
    }

    @Override
    public void close() {
        try {
            processor.close();
        } finally {
            restoreLogger();
        }
    }
}
