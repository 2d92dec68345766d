package io.nucleon.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import io.nucleon.api.Handler;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.FunctionSpecReader;
import io.nucleon.core.testing.NuclioNamedTriggerFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A processor made from a function in Nuclio's format: its triggers read Nuclio's attributes, its warnings are kept and logged. */
class NuclioFunctionTest {
    private static final Handler ECHO = (ctx, event) -> "ok";
    private static final ControlOptions NO_CONTROL = new ControlOptions(false, "127.0.0.1", 0);

    private static FunctionSpec read(String... lines) {
        return FunctionSpecReader.read("function.yaml", String.join("\n", lines) + "\n");
    }

    private static FunctionSpec nuclioKafka(String trigger, String... attributes) {
        String[] head = {
            "apiVersion: nuclio.io/v1",
            "kind: NuclioFunction",
            "meta: {name: misspelt}",
            "metadata: {name: orders-fn}",
            "spec:",
            "  minReplicas: 2",
            "  disableDefaultHTTPTrigger: true",
            "  triggers:",
            "    " + trigger + ":",
            "      kind: kafka-cluster",
            "      url: kafka:9092",
            "      attributes:"
        };
        String[] all = new String[head.length + attributes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        for (int i = 0; i < attributes.length; i++) {
            all[head.length + i] = "        " + attributes[i];
        }
        return read(all);
    }

    @Test
    void aTriggerOfANuclioFunctionIsBoundWithItsTranslatedAttributes() {
        FunctionSpec spec = nuclioKafka("orders", "topics: [orders]", "sasl: {enable: true}");
        FunctionProcessor p = new FunctionProcessor(spec, ECHO, NO_CONTROL);
        NuclioNamedTriggerFactory.Config bound = NuclioNamedTriggerFactory.BOUND.get("orders");
        assertEquals(List.of("kafka:9092"), bound.brokers, "Nuclio's trigger-level url, moved and renamed");
        assertEquals(List.of("orders"), bound.topics);
        assertEquals(
                List.of(
                        "function.yaml:3: meta: unknown field, ignored as Nuclio ignores it (did you mean metadata?);"
                                + " known here: apiVersion, kind, metadata, spec, status",
                        "function.yaml:14: spec.triggers.orders.attributes.sasl: dropped by the test translation"),
                p.warnings().stream().map(ConfigProblem::toString).toList());
        assertEquals(List.of("spec.minReplicas"), spec.notApplied());
    }

    @Test
    void reportsTranslationErrorsWithEveryOtherProblem() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  disableDefaultHTTPTrigger: true",
                "  triggers:",
                "    orders:",
                "      kind: kafka-cluster",
                "      attributes:",
                "        partitions: [0, 1]",
                "    stream:",
                "      kind: v3ioStream");
        String msg = assertThrows(FunctionConfigException.class, () -> new FunctionProcessor(spec, ECHO, NO_CONTROL))
                .getMessage();
        assertTrue(msg.startsWith("2 configuration problems:"), msg);
        assertTrue(
                msg.contains("function.yaml:9: spec.triggers.orders.attributes.partitions: refused by the test"
                        + " translation"),
                msg);
        assertTrue(
                msg.contains("function.yaml:11: spec.triggers.stream.kind: Nuclio's 'v3ioStream' trigger kind has no"
                        + " Nucleon counterpart; available: "),
                msg);
    }

    @Test
    void aNucleonFunctionsTriggerIsBoundWithItsAttributesAsWritten() {
        FunctionSpec spec = read(
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    direct-in: {kind: kafka-cluster, attributes: {brokers: [a:9092]}}",
                "    raw: {kind: kafka-cluster, attributes: {url: b:9092}}");
        String msg = assertThrows(FunctionConfigException.class, () -> new FunctionProcessor(spec, ECHO, NO_CONTROL))
                .getMessage();
        assertTrue(msg.startsWith("function.yaml:5: spec.triggers.raw.attributes.url: unknown attribute"), msg);
        assertEquals(List.of("a:9092"), NuclioNamedTriggerFactory.BOUND.get("direct-in").brokers);
    }

    @Test
    void logsEachWarningAndTheFieldsNotAppliedOnceAtStart() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(FunctionProcessor.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Level level = logger.getLevel();
        logger.setLevel(Level.INFO);
        logger.addAppender(appender);
        FunctionProcessor p = new FunctionProcessor(nuclioKafka("logged", "sasl: {enable: true}"), ECHO, NO_CONTROL);
        assertTrue(appender.list.isEmpty(), "constructing logs nothing");
        try {
            p.start();
        } finally {
            p.stop(Duration.ofSeconds(5));
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
        List<String> warns = appender.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertEquals(
                List.of(
                        "function.yaml:3: meta: unknown field, ignored as Nuclio ignores it (did you mean metadata?);"
                                + " known here: apiVersion, kind, metadata, spec, status",
                        "function.yaml:13: spec.triggers.logged.attributes.sasl: dropped by the test translation"),
                warns);
        assertEquals(
                1,
                appender.list.stream()
                        .filter(e -> e.getLevel() == Level.INFO
                                && e.getFormattedMessage().equals("not applied by Nucleon: spec.minReplicas"))
                        .count());
    }
}
