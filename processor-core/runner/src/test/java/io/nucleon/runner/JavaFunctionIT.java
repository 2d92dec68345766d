package io.nucleon.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java function run from its directory's {@code .java} files (compiled by the runner, in-process, into a
 * private directory) or from the classes given with {@code --classpath}; and sources that do not compile.
 */
class JavaFunctionIT {
    @TempDir
    Path dir;

    private final int port = FunctionJar.freePort();

    private void functionYaml(Path at, String handler) {
        RunnerCli.write(
                at,
                "function.yaml",
                "metadata:",
                "  name: reverser",
                "spec:",
                "  runtime: java",
                "  handler: " + handler,
                "  triggers:",
                "    web:",
                "      kind: http",
                "      attributes:",
                "        port: " + port);
    }

    private static final String[] REVERSER = {
        "package demo;",
        "",
        "import io.nucleon.api.Context;",
        "import io.nucleon.api.Event;",
        "import io.nucleon.api.Handler;",
        "import java.nio.charset.StandardCharsets;",
        "",
        "public final class Reverser implements Handler {",
        "    @Override",
        "    public Object handle(Context ctx, Event event) {",
        "        ctx.logger().info(\"reversing\", \"bytes\", event.body().length);",
        "        return new StringBuilder(new String(event.body(), StandardCharsets.UTF_8)).reverse().toString();",
        "    }",
        "}"
    };

    @Test
    void compilesTheDirectorysSourcesIntoAPrivateDirectoryAndRunsThem() throws Exception {
        functionYaml(dir, "demo.Reverser");
        RunnerCli.write(dir.resolve("src/demo"), "Reverser.java", REVERSER);
        try (FunctionProcess fn = RunnerCli.run(dir.toString()).start()) {
            assertEquals("olleh", RunnerCli.call(port, "/", "hello").body());
            assertTrue(fn.output().contains("reversing") && fn.output().contains("bytes=5"), fn.output());
            try (Stream<Path> made = Files.list(fn.tempDirectory())) {
                List<Path> classes = made.filter(p -> p.getFileName().toString().startsWith("nucleon-classes-"))
                        .toList();
                assertEquals(1, classes.size(), "one directory of compiled classes: " + classes);
                assertEquals(
                        Set.of(
                                PosixFilePermission.OWNER_READ,
                                PosixFilePermission.OWNER_WRITE,
                                PosixFilePermission.OWNER_EXECUTE),
                        Files.getPosixFilePermissions(classes.get(0)));
                assertTrue(Files.isRegularFile(classes.get(0).resolve("demo/Reverser.class")));
            }
            assertFalse(Files.exists(dir.resolve("src/demo/Reverser.class")), "nothing written next to the sources");
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void runsTheClassesGivenWithClasspath() throws Exception {
        Path sources = RunnerCli.write(dir.resolve("sources/demo"), "Reverser.java", REVERSER);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int javac = ToolProvider.getSystemJavaCompiler()
                .run(null, null, null, "-d", classes.toString(), "-cp", RunnerCli.JAR.toString(), sources.toString());
        assertEquals(0, javac);
        Path function = dir.resolve("function");
        functionYaml(function, "demo.Reverser");
        try (FunctionProcess fn = RunnerCli.run(function.toString(), "--classpath", classes.toString())
                .start()) {
            assertEquals("dlrow", RunnerCli.call(port, "/", "world").body());
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void sourcesThatDoNotCompileExitWith2AndEachErrorAtItsFileAndLine() {
        functionYaml(dir, "demo.Broken");
        RunnerCli.write(
                dir.resolve("demo"),
                "Broken.java",
                "package demo;",
                "",
                "public final class Broken implements io.nucleon.api.Handler {",
                "    @Override",
                "    public Object handle(io.nucleon.api.Context ctx, io.nucleon.api.Event event) {",
                "        return missing;",
                "    }",
                "    int twice() { return \"2\"; }",
                "}");
        RunnerCli.Result r = RunnerCli.exec(dir, "run", dir.toString(), "--no-control");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("nucleon: the function's Java sources do not compile\n"), r.toString());
        assertTrue(r.err().contains("demo/Broken.java:6: cannot find symbol"), r.toString());
        assertTrue(r.err().contains("demo/Broken.java:8: incompatible types"), r.toString());
        assertFalse(r.err().contains("\tat "), r.toString());
    }

    @Test
    void aJavaWithoutACompilerSaysSoAndExitsWith1() {
        functionYaml(dir, "demo.Reverser");
        RunnerCli.write(dir.resolve("demo"), "Reverser.java", REVERSER);
        // the JDK's own modules without jdk.compiler: javax.tools finds no compiler, as on a JRE
        RunnerCli.Result r = RunnerCli.exec(
                List.of("--limit-modules", "java.se,jdk.unsupported"), dir, "run", dir.toString(), "--no-control");
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(
                r.err().startsWith("nucleon: the function's .java files need a compiler, and this Java ("),
                r.toString());
        assertTrue(
                r.err()
                        .contains("run nucleon.jar with a JDK's java, or compile the function and give its"
                                + " classes with --classpath"),
                r.toString());
    }
}
