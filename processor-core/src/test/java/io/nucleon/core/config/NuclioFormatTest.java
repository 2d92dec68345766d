package io.nucleon.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code function.yaml} as Nuclio writes it, read by {@link FunctionSpecReader}. */
class NuclioFormatTest {

    /** Nuclio's Python hello-world, as its examples write it: no metadata, platform fields, no triggers. */
    static final String HELLO_WORLD = String.join(
            "\n",
            "apiVersion: \"nuclio.io/v1\"",
            "kind: NuclioFunction",
            "spec:",
            "  runtime: python",
            "  handler: main:handler",
            "  minReplicas: 1",
            "  maxReplicas: 1",
            "  disableDefaultHTTPTrigger: false",
            "");

    private static FunctionSpec read(String... lines) {
        return FunctionSpecReader.read("function.yaml", String.join("\n", lines) + "\n");
    }

    private static FunctionSpec readNuclio(String... lines) {
        return FunctionSpecReader.read(
                "function.yaml",
                String.join("\n", lines) + "\n",
                new ReadOptions(true, "fn", null, null, null, null, null, null));
    }

    private static String error(String... lines) {
        return assertThrows(FunctionConfigException.class, () -> read(lines)).getMessage();
    }

    private static List<String> warnings(FunctionSpec spec) {
        return spec.warnings().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void readsNuclioHelloWorldWithNoProblem(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("hello-world"));
        Path file = Files.writeString(dir.resolve("function.yaml"), HELLO_WORLD);
        FunctionSpec spec = FunctionSpecReader.read(file);
        assertTrue(spec.nuclio());
        assertEquals("hello-world", spec.name(), "named after its directory");
        assertEquals("python", spec.runtime());
        assertEquals("main:handler", spec.handler());
        assertEquals(List.of(), spec.warnings());
        assertEquals(List.of("spec.minReplicas", "spec.maxReplicas"), spec.notApplied());
        assertEquals(
                List.of(FunctionSpec.DEFAULT_HTTP_TRIGGER),
                List.copyOf(spec.triggers().keySet()));
        TriggerSpec http = spec.triggers().get("default-http");
        assertEquals("http", http.kind());
        assertEquals(1, http.numWorkers());
        assertEquals(8080, http.attributes().get("port").asInt());
        assertTrue(
                spec.runtimeAttributes().get("decodeJsonBody").asBoolean(),
                "a JSON body reaches a Python handler decoded, as Nuclio's wrapper hands it");
        assertEquals(dir.toAbsolutePath(), spec.source().baseDirectory());
    }

    @Test
    void aKeyNuclioIgnoresIsAWarningInNuclioFormatAndAnErrorOtherwise() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "kind: NuclioFunction",
                "meta:",
                "  name: misspelt",
                "metadata:",
                "  name: hello",
                "spec:",
                "  handler: main:handler",
                "  runtime: python",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      colour: blue");
        assertEquals(
                List.of(
                        "function.yaml:3: meta: unknown field, ignored as Nuclio ignores it (did you mean metadata?);"
                                + " known here: apiVersion, kind, metadata, spec, status",
                        "function.yaml:13: spec.triggers.web.colour: unknown field, ignored as Nuclio ignores it"),
                warnings(spec));

        String msg = error(
                "meta:",
                "  name: misspelt",
                "metadata:",
                "  name: hello",
                "spec:",
                "  handler: main:handler",
                "  runtime: python");
        assertEquals(
                "function.yaml:1: meta: unknown field (did you mean metadata?); allowed here: apiVersion, kind,"
                        + " metadata, spec",
                msg);
    }

    @Test
    void theNuclioOptionReadsAFileThatDoesNotDeclareItself() {
        FunctionSpec spec = readNuclio("meta: {name: x}", "spec:", "  handler: main:handler", "  runtime: python");
        assertTrue(spec.nuclio());
        assertEquals("fn", spec.name());
        assertEquals(1, spec.warnings().size());
        assertEquals(1, spec.warnings().get(0).line());
        assertEquals("meta", spec.warnings().get(0).path());
    }

    @Test
    void recordsPlatformFieldsInFileOrderWithoutApplyingThem() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "kind: NuclioFunction",
                "metadata:",
                "  name: f",
                "  namespace: nuclio",
                "  labels: {a: b}",
                "spec:",
                "  runtime: java",
                "  handler: x.Y",
                "  image: example:latest",
                "  resources: {limits: {cpu: 2}}",
                "  build: {commands: [pip install x]}",
                "  targetCPU: 60",
                "  scaleToZero: {scaleResources: []}",
                "  readinessTimeoutSeconds: 30",
                "  securityContext: {runAsUser: 1000}",
                "  disableDefaultHTTPTrigger: true",
                "  triggers:",
                "    c:",
                "      kind: cron",
                "      annotations: {x: y}",
                "status:",
                "  state: ready");
        assertEquals(
                List.of(
                        "metadata.namespace",
                        "metadata.labels",
                        "spec.image",
                        "spec.resources",
                        "spec.build",
                        "spec.targetCPU",
                        "spec.scaleToZero",
                        "spec.readinessTimeoutSeconds",
                        "spec.securityContext",
                        "spec.triggers.c.annotations",
                        "status"),
                spec.notApplied());
        assertEquals(List.of(), spec.warnings());
        assertEquals(List.of("c"), List.copyOf(spec.triggers().keySet()));
    }

    @Test
    void platformFieldsStayErrorsWithHintsInNucleonFormat() {
        String msg = error("metadata: {name: f}", "spec:", "  minReplicas: 2", "  triggers: {t: {kind: http}}");
        assertTrue(
                msg.startsWith("function.yaml:3: spec.minReplicas: unknown field (a platform field; scale out by"
                        + " running more processors)"),
                msg);
        assertTrue(msg.endsWith("accepts Nuclio's fields"), msg);
    }

    @Test
    void addsNuclioDefaultHttpTriggerOnlyWhereNuclioWould() {
        // Nuclio's format, no http trigger: added
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    tick: {kind: cron, attributes: {interval: 1s}}");
        assertEquals(
                List.of("tick", "default-http"), List.copyOf(spec.triggers().keySet()));
        // disabled by either of Nuclio's spellings
        for (String field : List.of("disableDefaultHTTPTrigger", "disableDefaultHttpTrigger")) {
            spec = read(
                    "kind: NuclioFunction",
                    "metadata: {name: f}",
                    "spec:",
                    "  " + field + ": true",
                    "  triggers:",
                    "    tick: {kind: cron}");
            assertEquals(List.of("tick"), List.copyOf(spec.triggers().keySet()), field);
        }
        // an http trigger of its own, even disabled: none added
        spec = read(
                "kind: NuclioFunction",
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    web: {kind: http, disabled: true}",
                "    tick: {kind: cron}");
        assertEquals(List.of("tick"), List.copyOf(spec.triggers().keySet()));
        // Nucleon's format with no trigger at all: added
        spec = read("metadata: {name: f}", "spec: {handler: x.Y}");
        assertEquals(List.of("default-http"), List.copyOf(spec.triggers().keySet()));
        assertFalse(spec.nuclio());
        // Nucleon's format with other triggers: none added
        spec = read("metadata: {name: f}", "spec:", "  triggers:", "    tick: {kind: cron}");
        assertEquals(List.of("tick"), List.copyOf(spec.triggers().keySet()));
        // the builder: none added
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.putObject("metadata").put("name", "f");
        root.putObject("spec");
        assertTrue(FunctionSpecReader.read(root, SpecSource.BUILDER).triggers().isEmpty());
    }

    @Test
    void refusesATriggerNamedLikeTheDefaultOneWhenTheDefaultIsAdded() {
        String msg = error(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    default-http: {kind: cron}");
        assertTrue(msg.startsWith("function.yaml:5: spec.triggers.default-http: is the name of the default HTTP"), msg);
    }

    @Test
    void mapsMaxWorkersToTheWorkerCount() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    a: {kind: http, maxWorkers: 4}",
                "    b:",
                "      kind: cron",
                "      numWorkers: 2",
                "      maxWorkers: 8",
                "      workerAvailabilityTimeoutMilliseconds: 500");
        assertEquals(4, spec.triggers().get("a").numWorkers());
        assertEquals(4, spec.triggers().get("a").maxAbandonedWorkers());
        assertEquals(2, spec.triggers().get("b").numWorkers());
        assertEquals(Duration.ofMillis(500), spec.triggers().get("b").workerAvailabilityTimeout());
        assertEquals(
                List.of("function.yaml:9: spec.triggers.b.maxWorkers: ignored: numWorkers is given too and wins, as in"
                        + " Nuclio"),
                warnings(spec));
    }

    @Test
    void handlesEachNuclioTriggerFieldDeliberately() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    orders:",
                "      kind: rabbit-mq",
                "      class: async",
                "      name: orders",
                "      url: amqp://guest:guest@127.0.0.1:5672",
                "      workerAllocatorName: shared",
                "      explicitAckMode: disable",
                "      mode: sync",
                "      batch: {mode: disable}",
                "      attributes: {exchangeName: x}",
                "    web: {kind: http, class: sync, mode: async}");
        TriggerSpec orders = spec.triggers().get("orders");
        assertEquals(
                "amqp://guest:guest@127.0.0.1:5672",
                orders.attributes().get("url").asText());
        assertEquals("x", orders.attributes().get("exchangeName").asText());
        assertEquals(
                List.of(
                        "function.yaml:7: spec.triggers.orders.class: ignored: Nuclio fills it in itself; Nucleon"
                                + " knows each kind's class",
                        "function.yaml:10: spec.triggers.orders.workerAllocatorName: ignored: Nucleon gives every"
                                + " trigger its own worker pool, so triggers never share an allocator",
                        "function.yaml:15: spec.triggers.web.mode: ignored: Nucleon runs one event at a time per worker"
                                + " (async handlers too); raise numWorkers to run more at once",
                        "function.yaml:15: spec.triggers.web.class: ignored: Nuclio fills it in itself; Nucleon knows"
                                + " each kind's class"),
                warnings(spec));
    }

    @Test
    void refusesNuclioTriggerFieldsThatWouldChangeDelivery() {
        String msg = error(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  triggers:",
                "    k:",
                "      kind: kafka-cluster",
                "      explicitAckMode: explicitOnly",
                "      batch: {mode: enable, batchSize: 10}",
                "      password: secret",
                "      partitions: [{id: '0'}]",
                "      url: a:9092",
                "      attributes: {url: b:9092}");
        assertTrue(msg.startsWith("5 configuration problems:"), msg);
        assertTrue(
                msg.contains("function.yaml:7: spec.triggers.k.explicitAckMode: 'explicitOnly' is not supported"), msg);
        assertTrue(msg.contains("function.yaml:8: spec.triggers.k.batch.mode: batching is not supported"), msg);
        assertTrue(msg.contains("function.yaml:9: spec.triggers.k.password: not read by Nucleon's triggers"), msg);
        assertTrue(msg.contains("function.yaml:10: spec.triggers.k.partitions: not supported"), msg);
        assertTrue(msg.contains("function.yaml:11: spec.triggers.k.url: differs from attributes.url"), msg);
    }

    @Test
    void refusesEnvValueFromInEitherFormat() {
        for (String header : List.of("apiVersion: nuclio.io/v1", "apiVersion: v1")) {
            String msg = error(
                    header,
                    "metadata: {name: f}",
                    "spec:",
                    "  env:",
                    "    - name: PLAIN",
                    "      value: x",
                    "    - name: PASSWORD",
                    "      valueFrom:",
                    "        secretKeyRef: {name: my-secret, key: password}");
            assertEquals(
                    "function.yaml:8: spec.env[1].valueFrom: not supported: Nucleon reads no Kubernetes secrets,"
                            + " config maps or pod fields; give the variable a value here, or leave it out of spec.env"
                            + " and set PASSWORD in the processor's environment",
                    msg,
                    header);
        }
        String msg = error(
                "apiVersion: nuclio.io/v1", "metadata: {name: f}", "spec:", "  envFrom: [{secretRef: {name: s}}]");
        assertTrue(msg.startsWith("function.yaml:4: spec.envFrom: not supported"), msg);
    }

    @Test
    void refusesNuclioRuntimesNucleonLacks() {
        String msg = error(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  runtime: golang",
                "  handler: main:Handler");
        assertEquals(
                "function.yaml:4: spec.runtime: Nuclio's golang runtime has no Nucleon counterpart; Nucleon runs java,"
                        + " python and nodejs handlers",
                msg);
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec: {runtime: 'python:3.9', handler: main:handler, eventTimeout: 1m30s}");
        assertEquals("python", spec.runtime());
        assertEquals(Duration.ofSeconds(90), spec.eventTimeout(), "Go's duration form");
        spec = read("apiVersion: nuclio.io/v1", "metadata: {name: f}", "spec: {runtime: java, eventTimeout: ''}");
        assertEquals(FunctionSpec.DEFAULT_EVENT_TIMEOUT, spec.eventTimeout(), "Nuclio exports an unset timeout as ''");
    }

    @Test
    void mapsNuclioDataBindingsOntoKindAndAttributes() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  dataBindings:",
                "    out:",
                "      class: rabbitmq",
                "      url: amqp://127.0.0.1:5672",
                "      attributes: {exchange: x}");
        BindingSpec out = spec.dataBindings().get("out");
        assertEquals("rabbitmq", out.kind());
        assertEquals("amqp://127.0.0.1:5672", out.attributes().get("url").asText());
        assertEquals("x", out.attributes().get("exchange").asText());
        String msg = error(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec:",
                "  dataBindings:",
                "    db:",
                "      kind: v3io",
                "      path: /container/table");
        assertTrue(msg.startsWith("function.yaml:7: spec.dataBindings.db.path: not supported by Nucleon's data"), msg);
    }

    @Test
    void namesAFunctionAfterItsDirectoryMadeToFitTheRule(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("My Func.v2"));
        Path file = Files.writeString(dir.resolve("function.yaml"), HELLO_WORLD);
        assertEquals("My-Func-v2", FunctionSpecReader.read(file).name());
        assertEquals(
                "given",
                FunctionSpecReader.read(file, new ReadOptions(false, "given", null, null, null, null, null, null))
                        .name());
        Path odd = Files.createDirectory(tmp.resolve("..."));
        Path f2 = Files.writeString(odd.resolve("function.yaml"), HELLO_WORLD);
        String msg = assertThrows(FunctionConfigException.class, () -> FunctionSpecReader.read(f2))
                .getMessage();
        assertTrue(
                msg.endsWith("metadata: is required here: the directory name \"...\" has no letter or digit to name"
                        + " the function after"),
                msg);
    }

    @Test
    void keepsRuntimeAttributesASpecSetsAndTheFilesOwnDefaults() {
        FunctionSpec spec = read(
                "apiVersion: nuclio.io/v1",
                "metadata: {name: f}",
                "spec: {runtime: python, handler: main:handler, runtimeAttributes: {decodeJsonBody: false}}");
        assertFalse(spec.runtimeAttributes().get("decodeJsonBody").asBoolean());
        spec = read("metadata: {name: f}", "spec: {runtime: python, handler: main:handler}");
        assertFalse(spec.runtimeAttributes().has("decodeJsonBody"), "Nucleon's format keeps bytes");
    }
}
