package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {

    private static final long HOUR = 3_600_000L;

    private static List<String> cycleFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".cq4"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void oldFullyProcessedCyclesAreDeletedAndUnprocessedOnesKept(@TempDir Path dir) throws IOException {
        long[] now = {1_800_000_000_000L - 1_800_000_000_000L % HOUR}; // on an hour boundary
        JournalSettings.Builder o = AsyncJournalTest.options(dir)
                .clock(() -> now[0])
                .rollCycle("FAST_HOURLY")
                .retention(Duration.ofMinutes(30))
                .resultRetention(Duration.ofDays(30));
        Path input = dir.resolve(InputLog.DIRECTORY);
        try (AsyncJournal j = o.open()) {
            for (int cycle = 0; cycle < 4; cycle++) {
                j.append(Entries.numbered(cycle * 2));
                j.append(Entries.numbered(cycle * 2 + 1));
                now[0] += HOUR;
            }
            assertEquals(4, cycleFiles(input).size(), cycleFiles(input).toString());
            // nothing processed: nothing deleted, however old
            now[0] += 10 * HOUR;
            assertTrue(j.purge().isEmpty());
            // process the first two cycles and the first entry of the third
            for (int i = 0; i < 5; i++) {
                j.markDone(j.poll().index());
            }
            List<Path> deleted = j.purge();
            assertEquals(2, deleted.size(), deleted.toString());
            assertEquals(2, cycleFiles(input).size(), cycleFiles(input).toString());
            // the journal goes on reading and writing
            assertEquals("e-00005", j.poll().entry().id());
            j.append(Entries.numbered(100));
        }
        try (AsyncJournal j = o.open()) {
            // after the restart: resumes after e-00004 (the committed one), its cycle kept
            assertEquals("e-00005", j.poll().entry().id());
            assertEquals("e-00006", j.poll().entry().id());
            assertEquals("e-00007", j.poll().entry().id());
            assertEquals("e-00100", j.poll().entry().id());
            assertNull(j.poll());
        }
    }

    @Test
    void recentProcessedCyclesAreKeptUntilTheRetentionPasses(@TempDir Path dir) throws IOException {
        long[] now = {1_800_000_000_000L - 1_800_000_000_000L % HOUR};
        JournalSettings.Builder o =
                AsyncJournalTest.options(dir).clock(() -> now[0]).retention(Duration.ofHours(5));
        try (AsyncJournal j = o.open()) {
            j.append(Entries.numbered(0));
            now[0] += HOUR;
            j.append(Entries.numbered(1));
            j.markDone(j.poll().index());
            j.markDone(j.poll().index());
            assertTrue(j.purge().isEmpty(), "the first cycle ended less than 5 h ago");
            now[0] += 5 * HOUR;
            j.append(Entries.numbered(2)); // the committed entry's cycle is never deleted
            assertEquals(1, j.purge().size());
        }
    }

    @Test
    void statusCyclesOlderThanTheResultRetentionAreDeleted(@TempDir Path dir) throws IOException {
        long[] now = {1_800_000_000_000L - 1_800_000_000_000L % HOUR};
        JournalSettings.Builder o =
                AsyncJournalTest.options(dir).clock(() -> now[0]).resultRetention(Duration.ofHours(1));
        try (AsyncJournal j = o.open()) {
            j.succeeded(JournalEntry.builder().id("old").build(), 1, 200, null, new byte[] {1});
            now[0] += 3 * HOUR;
            j.succeeded(JournalEntry.builder().id("new").build(), 1, 200, null, new byte[] {2});
            List<Path> deleted = j.purge();
            assertEquals(1, deleted.size(), deleted.toString());
            assertTrue(deleted.get(0).startsWith(dir.resolve(StatusLog.DIRECTORY)));
            assertTrue(j.status("old").isEmpty());
            assertEquals(2, j.status("new").orElseThrow().result()[0]);
        }
    }
}
