package io.nucleon.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags over {@code function.yaml}, and a function directory with no {@code function.yaml} at all. */
class ReadOptionsTest {

    private static ReadOptions flags(
            String runtime, String handler, Map<String, String> env, Integer port, List<String> cp) {
        return new ReadOptions(false, null, null, runtime, handler, env, port, cp);
    }

    @Test
    void readsADirectoryWithoutFunctionYamlFromFlags(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("reverser"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("B", "2");
        env.put("A", "1");
        FunctionSpec spec =
                FunctionSpecReader.readDirectory(dir, flags("python:3.11", "main:handler", env, 9000, null));
        assertEquals("reverser", spec.name());
        assertEquals("python", spec.runtime());
        assertEquals("main:handler", spec.handler());
        assertEquals(List.of("B", "A"), List.copyOf(spec.env().keySet()), "in the order given");
        assertTrue(spec.nuclio(), "a directory run by flags is run as nuctl deploy runs it");
        assertEquals(
                9000,
                spec.triggers().get("default-http").attributes().get("port").asInt());
        assertEquals(dir.toAbsolutePath(), spec.source().baseDirectory());
        assertEquals(null, spec.source().file());
        assertTrue(spec.runtimeAttributes().get("decodeJsonBody").asBoolean());
    }

    @Test
    void namesEachMissingFlag(@TempDir Path dir) {
        String msg = assertThrows(
                        FunctionConfigException.class, () -> FunctionSpecReader.readDirectory(dir, ReadOptions.DEFAULT))
                .getMessage();
        assertTrue(msg.startsWith("2 configuration problems:"), msg);
        assertTrue(
                msg.contains("spec.runtime: " + dir + " has no function.yaml: give the runtime with --runtime"), msg);
        assertTrue(
                msg.contains("spec.handler: " + dir + " has no function.yaml: give the handler with --handler"), msg);
        msg = assertThrows(
                        FunctionConfigException.class,
                        () -> FunctionSpecReader.readDirectory(dir, flags("python", null, null, null, null)))
                .getMessage();
        assertTrue(msg.startsWith("spec.handler: ") && !msg.contains("--runtime"), msg);
    }

    @Test
    void readsTheDirectorysFunctionYamlWithTheFlagsOverIt(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("function.yml"),
                String.join(
                        "\n",
                        "metadata: {name: f}",
                        "spec:",
                        "  runtime: nodejs",
                        "  handler: old:handler",
                        "  env: [{name: KEEP, value: k}, {name: OVER, value: file}]",
                        "  triggers:",
                        "    web: {kind: http, attributes: {port: 8081}}",
                        "    tick: {kind: cron}",
                        ""));
        FunctionSpec spec = FunctionSpecReader.readDirectory(
                dir, flags("python", "main:handler", Map.of("OVER", "flag", "NEW", "n"), 9001, null));
        assertEquals("python", spec.runtime());
        assertEquals("main:handler", spec.handler());
        assertEquals(Map.of("KEEP", "k", "OVER", "flag", "NEW", "n"), spec.env());
        assertEquals(List.of("KEEP", "OVER", "NEW"), List.copyOf(spec.env().keySet()));
        assertEquals(9001, spec.triggers().get("web").attributes().get("port").asInt(), "the only http trigger");
        assertEquals(List.of("web", "tick"), List.copyOf(spec.triggers().keySet()));
        assertEquals(
                dir.resolve("function.yml") + ": spec.handler: module not found (given with --handler)",
                spec.source().problem("spec.handler", "module not found").toString(),
                "a later problem with a flag's value names the flag, not a line of the file");
    }

    @Test
    void refusesAPortForAFunctionWithTwoHttpTriggers(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(
                dir.resolve("function.yaml"),
                "metadata: {name: f}\nspec:\n  triggers:\n    a: {kind: http}\n    b: {kind: http}\n");
        String msg = assertThrows(
                        FunctionConfigException.class,
                        () -> FunctionSpecReader.read(file, flags(null, null, null, 9000, null)))
                .getMessage();
        assertTrue(
                msg.endsWith("spec.triggers: --port sets the port of the function's http trigger, and it has 2 (a, b);"
                        + " set each one's attributes.port in the file instead"),
                msg);
    }

    @Test
    void setsTheClasspathOfAJavaFunction(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(
                dir.resolve("function.yaml"),
                "metadata: {name: f}\nspec:\n  runtime: java\n  handler: x.Y\n"
                        + "  runtimeAttributes: {classpath: [old.jar]}\n");
        FunctionSpec spec = FunctionSpecReader.read(file, flags(null, null, null, null, List.of("a.jar", "classes")));
        assertEquals(
                "[\"a.jar\",\"classes\"]",
                spec.runtimeAttributes().get("classpath").toString());
        assertTrue(spec.source()
                .problem("spec.runtimeAttributes.classpath[0]", "not found")
                .toString()
                .endsWith("(given with --classpath)"));
        String msg = assertThrows(
                        FunctionConfigException.class,
                        () -> FunctionSpecReader.read(
                                file, flags("python", "main:handler", null, null, List.of("a.jar"))))
                .getMessage();
        assertTrue(
                msg.contains("spec.runtime: --classpath applies to a java function; this one's runtime is python"),
                msg);
    }

    @Test
    void aFlagsBadValueIsNamedByItsFlag(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("function.yaml"), NuclioFormatTest.HELLO_WORLD);
        String msg = assertThrows(
                        FunctionConfigException.class,
                        () -> FunctionSpecReader.read(file, flags("golang", null, null, null, null)))
                .getMessage();
        assertTrue(
                msg.endsWith("spec.runtime: Nuclio's golang runtime has no Nucleon counterpart; Nucleon runs java,"
                        + " python and nodejs handlers (given with --runtime)"),
                msg);
    }

    @Test
    void aFlagReplacesTheFilesValueWithoutItsProblems(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(
                dir.resolve("function.yaml"),
                "apiVersion: nuclio.io/v1\nmetadata: {name: ''}\nspec: {runtime: golang, handler: main:Handler}\n");
        FunctionSpec spec = FunctionSpecReader.read(file, flags("python", "main:handler", null, null, null));
        assertEquals("python", spec.runtime());
        assertEquals(
                dir.getFileName().toString().replaceAll("[^A-Za-z0-9_-]", "-"), spec.name(), "an empty name is none");
    }
}
