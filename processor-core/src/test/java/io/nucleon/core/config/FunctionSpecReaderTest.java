package io.nucleon.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.core.worker.WaitStrategyKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionSpecReaderTest {

    private static FunctionSpec read(String... lines) {
        return FunctionSpecReader.read("function.yaml", String.join("\n", lines) + "\n");
    }

    private static String error(String... lines) {
        return assertThrows(FunctionConfigException.class, () -> read(lines)).getMessage();
    }

    @Test
    void readsANuclioStyleFunction() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "kind: NuclioFunction",
                "metadata:",
                "  name: hello",
                "  namespace: default",
                "  labels: {team: a}",
                "spec:",
                "  runtime: java:17",
                "  handler: com.example.Hello",
                "  description: says hello",
                "  eventTimeout: 250ms",
                "  env:",
                "    - name: GREETING",
                "      value: Hi",
                "    - name: EMPTY",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      numWorkers: 8",
                "      workerAvailabilityTimeoutMilliseconds: 500",
                "      waitStrategy: yielding",
                "      attributes:",
                "        port: 9000");
        assertEquals("hello", spec.name());
        assertEquals("java", spec.runtime());
        assertEquals("com.example.Hello", spec.handler());
        assertEquals(Duration.ofMillis(250), spec.eventTimeout());
        assertEquals(FunctionSpec.DEFAULT_DRAIN_TIMEOUT, spec.drainTimeout());
        assertEquals(Map.of("GREETING", "Hi", "EMPTY", ""), spec.env());
        TriggerSpec web = spec.triggers().get("web");
        assertEquals("http", web.kind());
        assertEquals(8, web.numWorkers());
        assertEquals(Duration.ofMillis(500), web.workerAvailabilityTimeout());
        assertEquals(TriggerSpec.DEFAULT_WORKER_QUEUE_SIZE, web.workerQueueSize());
        assertEquals(WaitStrategyKind.YIELDING, web.waitStrategy());
        assertEquals(9000, web.attributes().get("port").asInt());
    }

    @Test
    void appliesDefaults() {
        FunctionSpec spec =
                read("metadata: {name: f}", "spec:", "  handler: x.Y", "  triggers:", "    t: {kind: http}");
        assertEquals("java", spec.runtime());
        assertEquals(FunctionSpec.DEFAULT_EVENT_TIMEOUT, spec.eventTimeout());
        TriggerSpec t = spec.triggers().get("t");
        assertEquals(1, t.numWorkers());
        assertEquals(Duration.ofSeconds(10), t.workerAvailabilityTimeout());
        assertEquals(WaitStrategyKind.BLOCKING, t.waitStrategy());
        assertTrue(t.attributes().isEmpty());
        assertEquals(io.nucleon.core.worker.QueueFullPolicy.WAIT, t.whenQueueFull());
        assertEquals(
                TriggerSpec.DEFAULT_WORKER_QUEUE_SIZE, t.waitingListSize(), "the waiting list is as long as the queue");
        assertEquals(1, t.maxAbandonedWorkers(), "as many stuck workers replaced as there are workers");
    }

    @Test
    void readsTheOverloadSettingsOfATrigger() {
        FunctionSpec spec = read(
                "metadata: {name: f}",
                "spec:",
                "  handler: x.Y",
                "  triggers:",
                "    t: {kind: http, numWorkers: 4, workerQueueSize: 64, whenQueueFull: wait, waitingListSize: 8,"
                        + " maxAbandonedWorkers: 2}",
                "    r: {kind: http, numWorkers: 4, whenQueueFull: reject}");
        TriggerSpec t = spec.triggers().get("t");
        assertEquals(io.nucleon.core.worker.QueueFullPolicy.WAIT, t.whenQueueFull());
        assertEquals(8, t.waitingListSize());
        assertEquals(2, t.maxAbandonedWorkers());
        assertEquals(
                io.nucleon.core.worker.QueueFullPolicy.REJECT,
                spec.triggers().get("r").whenQueueFull());
        assertEquals(4, spec.triggers().get("r").maxAbandonedWorkers());
    }

    @Test
    void reportsBadOverloadSettings() {
        String msg = error(
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    a: {kind: http, whenQueueFull: drop}",
                "    b: {kind: http, whenQueueFull: reject, waitingListSize: 10}",
                "    c: {kind: http, maxAbandonedWorkers: -1}");
        assertTrue(
                msg.contains("function.yaml:4: spec.triggers.a.whenQueueFull: must be wait or reject, got \"drop\""),
                msg);
        assertTrue(
                msg.contains("function.yaml:5: spec.triggers.b.waitingListSize: applies only with whenQueueFull: wait"),
                msg);
        assertTrue(
                msg.contains(
                        "function.yaml:6: spec.triggers.c.maxAbandonedWorkers: must be an integer from 0 to 10000"),
                msg);
    }

    @Test
    void aPoolIsFixedUnlessMinWorkersIsBelowNumWorkers() {
        FunctionSpec spec = read(
                "metadata: {name: f}",
                "spec:",
                "  handler: x.Y",
                "  triggers:",
                "    fixed: {kind: http, numWorkers: 4}",
                "    elastic: {kind: http, numWorkers: 8, minWorkers: 0, workerIdleTimeout: 90s}",
                "    defaultIdle: {kind: http, numWorkers: 2, minWorkers: 1}");
        TriggerSpec fixed = spec.triggers().get("fixed");
        assertEquals(4, fixed.minWorkers(), "minWorkers defaults to numWorkers: nothing changes unless asked");
        assertTrue(!fixed.elastic());
        TriggerSpec elastic = spec.triggers().get("elastic");
        assertEquals(0, elastic.minWorkers());
        assertEquals(Duration.ofSeconds(90), elastic.workerIdleTimeout());
        assertTrue(elastic.elastic());
        assertEquals(
                TriggerSpec.DEFAULT_WORKER_IDLE_TIMEOUT,
                spec.triggers().get("defaultIdle").workerIdleTimeout());
        assertTrue(spec.warnings().isEmpty(), () -> spec.warnings().toString());
    }

    @Test
    void reportsBadElasticSettingsNamingTheFieldAndWhatIsAllowed() {
        String msg = error(
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    a: {kind: http, numWorkers: 4, minWorkers: 5}",
                "    b: {kind: http, numWorkers: 4, minWorkers: -1}",
                "    c: {kind: http, numWorkers: 4, minWorkers: 1, workerIdleTimeout: 0s}",
                "    d: {kind: http, numWorkers: 4, minWorkers: 1, workerIdleTimeout: 30}",
                "    e: {kind: http, numWorkers: 4, minWorkers: two}");
        assertTrue(
                msg.contains("function.yaml:4: spec.triggers.a.minWorkers: must be an integer from 0 to numWorkers (4),"
                        + " got 5"),
                msg);
        assertTrue(
                msg.contains(
                        "function.yaml:5: spec.triggers.b.minWorkers: must be an integer from 0 to numWorkers (4)"),
                msg);
        assertTrue(msg.contains("function.yaml:6: spec.triggers.c.workerIdleTimeout: must be at least 1ms"), msg);
        assertTrue(
                msg.contains("function.yaml:7: spec.triggers.d.workerIdleTimeout: must be a duration with a unit"),
                msg);
        assertTrue(msg.contains("function.yaml:8: spec.triggers.e.minWorkers: must be an integer"), msg);
    }

    @Test
    void warnsThatAnIdleTimeoutOfAFixedPoolHasNoEffect() {
        FunctionSpec spec = read(
                "metadata: {name: f}",
                "spec:",
                "  handler: x.Y",
                "  triggers:",
                "    t: {kind: http, numWorkers: 2, workerIdleTimeout: 5m}");
        assertEquals(1, spec.warnings().size(), () -> spec.warnings().toString());
        assertTrue(
                spec.warnings().get(0).toString().contains("spec.triggers.t.workerIdleTimeout: has no effect"),
                () -> spec.warnings().toString());
    }

    @Test
    void acceptsEnvAsAMapping() {
        FunctionSpec spec = read("metadata: {name: f}", "spec:", "  env:", "    A: 1", "    B: two");
        assertEquals(Map.of("A", "1", "B", "two"), spec.env());
    }

    @Test
    void namesFileLineAndPathOfABadValue() {
        String msg = error(
                "metadata:",
                "  name: f",
                "spec:",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      numWorkers: many");
        assertEquals(
                "function.yaml:7: spec.triggers.web.numWorkers: must be an integer from 1 to 10000, got \"many\"", msg);
    }

    @Test
    void reportsUnknownFieldsWithWhatIsAllowed() {
        String msg = error("metadata:", "  name: f", "spec:", "  handlr: x.Y");
        assertEquals(
                "function.yaml:4: spec.handlr: unknown field (did you mean handler?); allowed here: dataBindings,"
                        + " description, disableDefaultHTTPTrigger, drainTimeout, env, eventTimeout, handler, runtime,"
                        + " runtimeAttributes, triggers",
                msg);
    }

    @Test
    void hintsAtTheNucleonSpellingOfNuclioFields() {
        String msg = error(
                "metadata: {name: f}", "spec:", "  triggers:", "    web:", "      kind: http", "      maxWorkers: 4");
        assertTrue(msg.contains("function.yaml:6: spec.triggers.web.maxWorkers: unknown field (use numWorkers)"), msg);
    }

    @Test
    void listsEveryProblemInFileOrder() {
        String msg = error(
                "metadata:",
                "  name: -bad",
                "spec:",
                "  eventTimeout: 5",
                "  triggers:",
                "    web:",
                "      numWorkers: 0");
        assertTrue(msg.startsWith("4 configuration problems:"), msg);
        assertTrue(msg.contains("function.yaml:2: metadata.name: must be 1 to 63 letters"), msg);
        assertTrue(
                msg.contains(
                        "function.yaml:4: spec.eventTimeout: must be a duration with a unit such as 250ms, 5s or 1m,"
                                + " got 5"),
                msg);
        assertTrue(msg.contains("function.yaml:6: spec.triggers.web.kind: is required"), msg);
        assertTrue(
                msg.contains(
                        "function.yaml:7: spec.triggers.web.numWorkers: must be an integer from 1 to 10000, got 0"),
                msg);
        assertTrue(msg.indexOf(":2:") < msg.indexOf(":4:") && msg.indexOf(":4:") < msg.indexOf(":7:"), msg);
    }

    @Test
    void requiresMetadataNameAndSpec() {
        String msg = error("apiVersion: v1");
        assertTrue(msg.contains("metadata: is required"), msg);
        assertTrue(msg.contains("spec: is required"), msg);
    }

    @Test
    void reportsYamlSyntaxErrorsWithTheirLine() {
        String msg = error("metadata:", "  name: f", "spec:", "  handler: [unclosed");
        assertTrue(msg.startsWith("function.yaml:"), msg);
        assertTrue(msg.contains("not valid YAML"), msg);
    }

    @Test
    void rejectsDuplicateKeys() {
        String msg = error("metadata:", "  name: f", "  name: g", "spec: {}");
        assertTrue(msg.contains("function.yaml:3"), msg);
        assertTrue(msg.contains("Duplicate field 'name'"), msg);
    }

    @Test
    void rejectsABadWaitStrategy() {
        String msg = error(
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    t:",
                "      kind: http",
                "      waitStrategy: fast");
        assertEquals(
                "function.yaml:6: spec.triggers.t.waitStrategy: must be one of blocking, sleeping, yielding, busySpin;"
                        + " got \"fast\"",
                msg);
    }

    @Test
    void skipsDisabledTriggers() {
        FunctionSpec spec = read("metadata: {name: f}", "spec:", "  triggers:", "    t: {kind: http, disabled: true}");
        assertTrue(spec.triggers().isEmpty());
    }

    @Test
    void saysWhenTheFileIsMissingOrEmpty(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.yaml");
        assertEquals(
                missing + ": file not found",
                assertThrows(FunctionConfigException.class, () -> FunctionSpecReader.read(missing))
                        .getMessage());
        Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
        assertTrue(assertThrows(FunctionConfigException.class, () -> FunctionSpecReader.read(empty))
                .getMessage()
                .endsWith("the file is empty"));
    }
}
