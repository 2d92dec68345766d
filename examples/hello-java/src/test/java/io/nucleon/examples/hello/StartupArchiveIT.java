package io.nucleon.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build leaves a start-up archive next to the jar, and a plain {@code java -jar} uses it: the function runs in
 * a second JVM started with the archive, the first passes SIGTERM on and exits with its code, and the function
 * stops when the first JVM is killed (docs/startup.md).
 */
class StartupArchiveIT {
    private final int port = FunctionJar.freePort();

    @TempDir
    Path dir;

    private FunctionJar jar() {
        return FunctionJar.packaged()
                .workDirectory(dir)
                .override("spec.triggers.web.attributes.port", port)
                .override("spec.triggers.web.attributes.host", "127.0.0.1");
    }

    @Test
    void theBuildLeftAnArchiveMadeByThisJvm() throws Exception {
        Path jar = Path.of(System.getProperty("nucleon.jar"));
        Path descriptor = jar.resolveSibling("hello-java.startup");
        assertTrue(Files.isRegularFile(descriptor), "the build writes " + descriptor);
        String text = Files.readString(descriptor);
        assertTrue(text.contains("java.vm.version=" + System.getProperty("java.vm.version")), text);
        String archive = Runtime.version().feature() >= 25 ? "hello-java.aot" : "hello-java.jsa";
        assertTrue(text.contains("archive=" + archive), text);
        assertTrue(Files.size(jar.resolveSibling(archive)) > 1_000_000, "an archive of the function's classes");
    }

    @Test
    void javaDashJarRunsTheFunctionInASecondJvmWithTheArchiveAndPassesSigtermOn() throws Exception {
        try (FunctionProcess fn = jar().start()) {
            List<ProcessHandle> children = fn.process().children().toList();
            assertEquals(1, children.size(), "one JVM that runs the function: " + children);
            String command = String.join(
                    " ", children.get(0).info().arguments().map(List::of).orElse(List.of()));
            assertTrue(
                    command.contains("-XX:SharedArchiveFile=") || command.contains("-XX:AOTCache="),
                    "the archive's flag: " + command);
            assertTrue(command.contains("-jar"), "then the user's own command line: " + command);
            assertEquals(0, fn.stop(), "SIGTERM reaches the function, which stops gracefully; its exit code is ours");
            assertTrue(fn.output().contains("function 'hello-java' stopped"), fn.output());
        }
    }

    @Test
    void theFunctionStopsWhenTheJvmThatWaitsForItIsKilled() throws Exception {
        try (FunctionProcess fn = jar().start()) {
            ProcessHandle function = fn.process().children().findFirst().orElseThrow();
            fn.kill();
            // the JDK polls a process that is not its child with a growing pause (0.3 s, then more)
            Awaitility.await("the function's JVM to exit after its launcher was killed")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> !function.isAlive());
        }
    }

    @Test
    void switchedOffTheFunctionRunsInTheJvmThatJavaStarted() throws Exception {
        try (FunctionProcess fn = jar().env("NUCLEON_STARTUP_ARCHIVE", "off").start()) {
            assertEquals(List.of(), fn.process().children().toList());
            assertEquals(200, fn.control("/ready").statusCode());
            assertEquals(0, fn.stop());
        }
    }
}
