package io.nucleon.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When {@code java -jar} relaunches itself with the jar's start-up archive, and with what command line: only for
 * an archive this JVM made for the jar as it is, never twice, never with an agent, never when switched off.
 */
class StartupArchiveTest {
    private static final List<String> ARGS = List.of("-Xmx256m", "-jar", "fn.jar", "--control-port", "9000");

    @TempDir
    Path dir;

    private Path jar;
    private Path archive;

    @BeforeEach
    void packagedJarWithItsArchive() throws Exception {
        jar = Files.write(dir.resolve("fn.jar"), new byte[] {1, 2, 3});
        archive = Files.write(dir.resolve("fn.jsa"), new byte[] {4});
        StartupArchive.writeDescriptor(jar, archive, "-XX:SharedArchiveFile");
    }

    @Test
    void relaunchesWithTheArchiveInFrontOfTheUsersOwnCommandLine() {
        assertEquals(
                List.of(
                        "/jdk/bin/java",
                        "-XX:SharedArchiveFile=" + archive,
                        "-D" + StartupArchive.PARENT_PROPERTY + "=42",
                        "-Xmx256m",
                        "-jar",
                        "fn.jar",
                        "--control-port",
                        "9000"),
                StartupArchive.command(jar, Map.of(), null, "/jdk/bin/java", ARGS, 42));
        assertEquals(dir.resolve("fn.startup"), StartupArchive.descriptorOf(jar));
    }

    @Test
    void staysInProcessWhenSwitchedOff() {
        assertNull(StartupArchive.command(jar, Map.of(StartupArchive.ENV, "off"), null, "java", ARGS, 1));
        assertNull(StartupArchive.command(jar, Map.of(), "false", "java", ARGS, 1));
        assertNull(StartupArchive.command(jar, Map.of(), StartupArchive.TRAINING, "java", ARGS, 1));
    }

    @Test
    void staysInProcessWithAnAgentADebuggerOrAnArchiveOfItsOwn() {
        for (String flag : List.of(
                "-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                "-javaagent:/x/agent.jar",
                "-XX:SharedArchiveFile=/other.jsa",
                "-Xshare:off")) {
            assertNull(StartupArchive.command(jar, Map.of(), null, "java", List.of(flag, "-jar", "fn.jar"), 1), flag);
        }
        assertNull(StartupArchive.command(
                jar, Map.of("JAVA_TOOL_OPTIONS", "-Dx=1 -javaagent:/x/agent.jar"), null, "java", ARGS, 1));
        assertNull(StartupArchive.command(
                jar, Map.of("JDK_JAVA_OPTIONS", "-agentpath:/x/libprof.so"), null, "java", ARGS, 1));
    }

    @Test
    void staysInProcessWhenTheJarChangedOrTheArchiveIsGone() throws Exception {
        Files.setLastModifiedTime(
                jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        assertNull(StartupArchive.command(jar, Map.of(), null, "java", ARGS, 1), "another date: a copy, not the jar");

        StartupArchive.writeDescriptor(jar, archive, "-XX:SharedArchiveFile");
        Files.write(jar, new byte[] {1, 2, 3, 4});
        assertNull(StartupArchive.command(jar, Map.of(), null, "java", ARGS, 1), "another size: rebuilt");

        StartupArchive.writeDescriptor(jar, archive, "-XX:SharedArchiveFile");
        Files.delete(archive);
        assertNull(StartupArchive.command(jar, Map.of(), null, "java", ARGS, 1), "no archive");
        assertNull(StartupArchive.command(null, Map.of(), null, "java", ARGS, 1), "not run from a jar");
    }

    @Test
    void staysInProcessWhenAnotherJvmMadeTheArchive() throws Exception {
        String text = Files.readString(StartupArchive.descriptorOf(jar));
        Files.writeString(
                StartupArchive.descriptorOf(jar),
                text.replace(
                        StartupArchive.KEY_VM + "=" + System.getProperty("java.vm.version"),
                        StartupArchive.KEY_VM + "=11.0.1+13"));
        assertNull(StartupArchive.command(jar, Map.of(), null, "java", ARGS, 1));
    }
}
