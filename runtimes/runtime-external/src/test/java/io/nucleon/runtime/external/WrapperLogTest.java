package io.nucleon.runtime.external;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.runtime.external.ExternalRuntimeTest.Running;
import io.nucleon.runtime.external.supervision.UntrustedText;
import io.nucleon.runtime.external.supervision.WrapperLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * What reaches the processor's log from a wrapper: real handlers in real wrappers flood it, try to
 * forge lines in it, and write a line without end; the log stays bounded and one record per line.
 */
class WrapperLogTest {

    /** Captures the function's, the wrappers', the worker pool's and the runtime's own log lines, INFO and above. */
    static final class Capture implements AutoCloseable {
        final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        final List<Logger> loggers = new ArrayList<>();
        final List<Level> levels = new ArrayList<>();
        final List<Boolean> additive = new ArrayList<>();

        Capture(String runtime) {
            appender.start();
            for (String name : List.of(
                    "nucleon.function.ext-" + runtime,
                    "nucleon.wrapper.ext-" + runtime,
                    "io.nucleon.core.worker.WorkerPool",
                    "io.nucleon.runtime.external")) {
                Logger l = (Logger) LoggerFactory.getLogger(name);
                loggers.add(l);
                levels.add(l.getLevel());
                additive.add(l.isAdditive());
                l.setLevel(Level.INFO);
                l.setAdditive(false); // captured, not also printed
                l.addAppender(appender);
            }
        }

        List<ILoggingEvent> events() {
            synchronized (appender) { // the appender appends under its own lock
                return List.copyOf(appender.list);
            }
        }

        long count(Pattern message) {
            return events().stream()
                    .filter(e -> message.matcher(e.getFormattedMessage()).find())
                    .count();
        }

        @Override
        public void close() {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).detachAppender(appender);
                loggers.get(i).setLevel(levels.get(i));
                loggers.get(i).setAdditive(additive.get(i));
            }
        }
    }

    static String dir(String runtime) {
        return runtime.equals("python") ? "python" : "node";
    }

    /** The sum of {@code nucleon_wrapper_log_lines_dropped_total} of the function, over its sources. */
    static long droppedOnMetrics(Running f, String runtime) throws Exception {
        Matcher m = Pattern.compile("(?m)^nucleon_wrapper_log_lines_dropped_total\\{function=\"ext-" + runtime
                        + "\",runtime=\"" + runtime + "\",source=\"(log|stdout|stderr)\"} ([0-9.]+)$")
                .matcher(f.metrics());
        long sum = 0;
        int sources = 0;
        while (m.find()) {
            sum += (long) Double.parseDouble(m.group(2));
            sources++;
        }
        assertEquals(3, sources, "one counter per source");
        return sum;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void aFloodOfLinesIsHeldToTheBudgetCountedAndSummarisedWhileTheWrapperRunsOn(String runtime, String transport)
            throws Exception {
        int lines = 4000; // each a stdout line and a log call
        int perSecond = 50;
        int burst = 100;
        Pattern flood = Pattern.compile("^flood (line|log) \\d+$");
        Pattern summary =
                Pattern.compile("^dropped (\\d+) lines from the " + runtime + " wrapper of worker web/0 in the last ");
        try (Capture capture = new Capture(runtime);
                Running f = new Running(
                        runtime,
                        "echo:handler",
                        dir(runtime),
                        transport,
                        1,
                        Duration.ofSeconds(30),
                        b -> b.runtimeAttribute("maxLogLinesPerSecond", perSecond)
                                .runtimeAttribute("logLineBurst", burst))) {
            long start = System.nanoTime();
            assertEquals("flooded", f.get("/flood?lines=" + lines), "the pipes were drained while lines were dropped");
            assertEquals(
                    "still here",
                    new String(f.send("POST", "/echo", "still here".getBytes()).body()));

            // Every line is either in the log or counted as dropped.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> capture.count(flood) + droppedOnMetrics(f, runtime) == 2L * lines);
            double seconds = (System.nanoTime() - start) / 1e9;
            long logged = capture.count(flood);
            assertTrue(logged >= burst, logged + " lines logged; the burst alone is " + burst);
            assertTrue(logged <= burst + perSecond * seconds + 1, logged + " lines logged in " + seconds + " s");
            long dropped = droppedOnMetrics(f, runtime);
            assertTrue(dropped > 0);

            // The drops are summarised, and the summaries add up to the counter.
            await().atMost(Duration.ofSeconds(3 * WrapperLog.SUMMARY_INTERVAL_SECONDS))
                    .until(() -> capture.events().stream()
                                    .map(e -> summary.matcher(e.getFormattedMessage()))
                                    .filter(Matcher::find)
                                    .mapToLong(m -> Long.parseLong(m.group(1)))
                                    .sum()
                            == dropped);
            ILoggingEvent first = capture.events().stream()
                    .filter(e -> summary.matcher(e.getFormattedMessage()).find())
                    .findFirst()
                    .orElseThrow();
            assertEquals(Level.WARN, first.getLevel());
            assertTrue(
                    first.getFormattedMessage()
                            .contains("maxLogLinesPerSecond (" + perSecond + "/s, bursts of " + burst + ")"),
                    first.getFormattedMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void aHandlerCannotForgeLogLinesNorSendTerminalEscapes(String runtime, String transport) throws Exception {
        try (Capture capture = new Capture(runtime);
                Running f = new Running(
                        runtime, "echo:handler", dir(runtime), transport, 1, Duration.ofSeconds(10), b -> {})) {
            assertEquals("forged", f.get("/forge"));
            assertEquals(500, f.send("GET", "/forge-error", null).statusCode());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> capture.events().stream()
                            .anyMatch(e -> e.getFormattedMessage()
                                    .startsWith("c\\u001b]0;title\\u0007 FAKE ERROR\\u2028line")));

            List<String> messages = capture.events().stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
            assertTrue(messages.contains("a\\nFAKE ERROR line"), messages.toString());
            assertTrue(messages.contains("b\\rFAKE ERROR \\u001b[31mred\\u001b[0m"), messages.toString());
            ILoggingEvent fields = capture.events().stream()
                    .filter(e -> e.getFormattedMessage().equals("fields"))
                    .findFirst()
                    .orElseThrow();
            assertTrue(
                    fields.getKeyValuePairs().stream()
                            .anyMatch(p -> p.key.equals("note") && p.value.equals("x\\r\\nFAKE ERROR field")),
                    fields.getKeyValuePairs().toString());
            assertTrue(
                    fields.getKeyValuePairs().stream().anyMatch(p -> p.key.equals("k\\nFAKE ERROR key")),
                    fields.getKeyValuePairs().toString());
            assertTrue(
                    messages.stream()
                            .anyMatch(m ->
                                    m.startsWith("handler failed") && m.contains("boom\\nFAKE ERROR from the message")),
                    messages.toString());

            // As the console shows them: each record starts one line, anything after it on further lines is indented.
            PatternLayout layout = new PatternLayout();
            layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
            layout.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg %kvp{NONE}%n%ex");
            layout.start();
            for (ILoggingEvent e : capture.events()) {
                String rendered = layout.doLayout(e);
                String[] renderedLines = rendered.split("\n", -1);
                for (int i = 0; i < renderedLines.length; i++) {
                    String line = renderedLines[i];
                    assertFalse(
                            line.chars().anyMatch(c -> UntrustedText.unsafe((char) c)),
                            "a control character in: " + line);
                    // logback starts the cause's own text (its toString) on a line of its own, its stack frames with a
                    // tab
                    boolean exceptionLine = e.getThrowableProxy() != null
                            && line.equals(ThrowableProxyUtil.asString(e.getThrowableProxy())
                                    .lines()
                                    .findFirst()
                                    .orElse(null));
                    if (i > 0 && !line.isEmpty() && !exceptionLine) {
                        assertTrue(
                                line.startsWith("\t"), "a line that could pass for a record of its own:\n" + rendered);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void aLineWithoutEndIsLoggedCutAndTheWrapperRunsOn(String runtime, String transport) throws Exception {
        try (Capture capture = new Capture(runtime);
                Running f = new Running(
                        runtime, "echo:handler", dir(runtime), transport, 1, Duration.ofSeconds(30), b -> {})) {
            assertEquals("long", f.get("/longline?bytes=" + (32 << 20)));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> capture.events().stream()
                            .anyMatch(e -> e.getFormattedMessage().equals("after the long line")));
            List<String> cut = capture.events().stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.startsWith("xxx"))
                    .toList();
            assertEquals(1, cut.size(), "the rest of the line is skipped, not logged as more lines");
            assertTrue(
                    cut.get(0)
                            .startsWith("x".repeat(WrapperLog.MAX_OUTPUT_LINE_BYTES) + "… [cut at "
                                    + WrapperLog.MAX_OUTPUT_LINE_BYTES + " bytes"),
                    cut.get(0).substring(WrapperLog.MAX_OUTPUT_LINE_BYTES - 10));
            assertTrue(cut.get(0).length() < WrapperLog.MAX_OUTPUT_LINE_BYTES + 100);
            assertEquals(
                    "ok", new String(f.send("POST", "/echo", "ok".getBytes()).body()));
        }
    }

    @Test
    void theLogLimitsMustBePositive() {
        for (String attribute : List.of("maxLogLinesPerSecond", "logLineBurst")) {
            FunctionConfigException e = assertThrows(
                    FunctionConfigException.class,
                    () -> Processor.builder()
                            .name("bad")
                            .runtime("python")
                            .handler("echo:handler")
                            .runtimeAttribute(
                                    "codeDir",
                                    ExternalRuntimeTest.FUNCTIONS
                                            .resolve("python")
                                            .toString())
                            .runtimeAttribute(attribute, 0)
                            .trigger("web", "http", t -> t.attribute("port", 0))
                            .build());
            assertTrue(
                    e.getMessage().contains("spec.runtimeAttributes." + attribute + ": must be at least 1, got 0"),
                    e.getMessage());
        }
    }
}
