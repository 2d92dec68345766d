package io.nucleon.runtime.external;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.runtime.external.ExternalRuntimeTest.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files a wrapper is given (its socket, the socket's directory, the shared-memory file) belong
 * to the processor's user alone, and none is left where another user could reach it.
 */
class WrapperFilesTest {
    @TempDir
    Path runBase;

    /** Starts a fake wrapper that reports the modes of its files on stderr; the start fails and shows it. */
    static String modesSeenByTheWrapper(String transport) {
        Exception e = assertThrows(
                Exception.class,
                () -> new Running(
                                "python",
                                "echo:handler",
                                "python",
                                transport,
                                1,
                                Duration.ofSeconds(10),
                                b -> b.runtimeAttribute(
                                        "interpreterArgs",
                                        List.of(ExternalRuntimeTest.FUNCTIONS
                                                .resolve("broken/modes.py")
                                                .toString())))
                        .close());
        String m = ExternalRuntimeTest.messages(e);
        assertTrue(m.contains("modes "), m);
        return m;
    }

    @Test
    void theSocketItsDirectoryAndTheSharedMemoryFileAreTheUsersAlone() {
        String m = modesSeenByTheWrapper("shm");
        assertTrue(m.contains("socket=0600,mine"), m);
        assertTrue(m.contains("socketdir=0700,mine"), m);
        assertTrue(m.contains("shm=0600,mine"), m);
        long pid = ProcessHandle.current().pid();
        assertTrue(
                m.matches("(?s).*shmname=nucleon-" + pid + "-\\d+-[0-9a-f]+\\b.*"),
                "a name nobody can guess beforehand: " + m);

        m = modesSeenByTheWrapper("uds");
        assertTrue(m.contains("socket=0600,mine") && m.contains("socketdir=0700,mine"), m);
        assertFalse(m.contains("shm="), m);
    }

    @Test
    void onceTheWrapperRunsNoSocketOrSharedMemoryFileIsLeftAndTheRunDirectoryIsPrivate() throws Exception {
        long pid = ProcessHandle.current().pid();
        Path runDirectory;
        try (Running f = new Running(
                "python",
                "echo:handler",
                "python",
                "shm",
                2,
                Duration.ofSeconds(10),
                b -> b.runtimeAttribute("runDirectory", runBase.toString()))) {
            assertEquals(
                    "up", new String(f.send("POST", "/echo", "up".getBytes()).body()));
            List<Path> dirs;
            try (Stream<Path> s = Files.list(runBase)) {
                dirs = s.toList();
            }
            assertEquals(1, dirs.size(), dirs.toString());
            runDirectory = dirs.get(0);
            assertTrue(
                    runDirectory.getFileName().toString().startsWith("nucleon-" + pid + "-"), runDirectory.toString());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runDirectory)));
            try (Stream<Path> s = Files.walk(runDirectory)) {
                List<Path> sockets =
                        s.filter(p -> p.toString().endsWith(".sock")).toList();
                assertEquals(List.of(), sockets, "a socket is deleted once its wrapper has connected");
            }
            try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
                List<Path> rings = s.filter(p -> p.getFileName().toString().startsWith("nucleon-" + pid + "-"))
                        .toList();
                assertEquals(List.of(), rings, "a shared-memory file is deleted once its wrapper has mapped it");
            }
        }
        assertFalse(Files.exists(runDirectory), "the run directory goes at stop");
    }
}
