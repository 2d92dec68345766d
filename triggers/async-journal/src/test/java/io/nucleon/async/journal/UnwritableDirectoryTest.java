package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal directory that cannot be written is a clear error naming it. The tests may run as root,
 * for whom chmod does not stop writes: {@link ReadOnlyDirectory} then mounts a read-only file system
 * there, so every case still produces a real failure.
 */
class UnwritableDirectoryTest {

    private static void assertNames(JournalUnavailableException e, Path p) {
        assertTrue(e.getMessage().contains(p.toAbsolutePath().toString()), "names the directory: " + e.getMessage());
        assertTrue(
                e.getMessage().contains("not writable") || e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void aDirectoryBelowARegularFileCannotBeCreated(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path journal = file.resolve("journal");
        JournalUnavailableException e = assertThrows(
                JournalUnavailableException.class,
                () -> AsyncJournalTest.options(journal).open());
        assertNames(e, journal);
    }

    @Test
    void aPathThatIsAFileIsNotADirectory(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        JournalUnavailableException e = assertThrows(
                JournalUnavailableException.class,
                () -> AsyncJournalTest.options(file).open());
        assertNames(e, file);
    }

    @SuppressWarnings("try") // the resource is held for its effect, not used
    @Test
    void aReadOnlyDirectoryIsRefused(@TempDir Path dir) throws Exception {
        Path ro = dir.resolve("read-only");
        try (ReadOnlyDirectory unused = ReadOnlyDirectory.make(ro)) {
            JournalUnavailableException e = assertThrows(
                    JournalUnavailableException.class,
                    () -> AsyncJournalTest.options(ro).open());
            assertNames(e, ro);
        }
    }
}
