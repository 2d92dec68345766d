package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Dead-letter retention (count and age), what it leaves on disk, and the paged listing: a real journal in a temp dir. */
class DeadLetterRetentionTest {

    private static final long HOUR = 3_600_000L;
    /** An hour boundary, so that the roll cycles (FAST_HOURLY) are where the test says. */
    private static final long T0 = 1_800_000_000_000L - 1_800_000_000_000L % HOUR;

    private static List<String> listed(AsyncJournal j) {
        return j.listDeadLetters().stream().map(d -> d.entry().id()).toList();
    }

    private static List<String> ids(int from, int to) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            ids.add(String.format("e-%05d", i));
        }
        return ids;
    }

    private static List<String> cycleFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".cq4"))
                    .sorted()
                    .toList();
        }
    }

    /** The INFO lines of {@link DeadLetterLog} written while {@code body} runs. */
    private static List<String> infoLines(Runnable body) {
        Logger logger = (Logger) LoggerFactory.getLogger(DeadLetterLog.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            body.run();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream()
                .filter(e -> e.getLevel() == Level.INFO)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void beyondMaxDeadLettersTheOldestAreDroppedForGood(@TempDir Path dir) {
        AtomicLong told = new AtomicLong();
        try (AsyncJournal j = AsyncJournalTest.options(dir)
                .maxDeadLetters(3)
                .onDeadLettersExpired(told::addAndGet)
                .open()) {
            Entries.deadLettered(j, 0, 5);
            assertEquals(ids(2, 4), listed(j), "the newest maxDeadLetters");
            assertEquals(3, j.deadLetterCount());
            assertEquals(2, j.deadLettersExpired());
            assertEquals(2, told.get(), "the listener hears of every drop");
            assertTrue(j.replay("e-00000").isEmpty(), "a dropped dead letter is not replayable");
            assertEquals(
                    InvocationState.FAILED, j.status("e-00000").orElseThrow().state(), "its status is untouched");
            List<String> logged = infoLines(j::purge);
            assertEquals(1, logged.size(), logged.toString());
            assertTrue(
                    logged.get(0).contains("dropped 2 dead letter(s)")
                            && logged.get(0).contains("2 beyond maxDeadLetters 3"),
                    logged.get(0));
            assertTrue(infoLines(j::purge).isEmpty(), "a sweep that drops nothing says nothing");
        }
        // computed from the journal: the same list after a restart, nothing dropped again
        try (AsyncJournal j = AsyncJournalTest.options(dir).maxDeadLetters(3).open()) {
            assertEquals(ids(2, 4), listed(j));
            assertEquals(0, j.deadLettersExpired());
        }
        // a higher limit does not bring dropped dead letters back
        try (AsyncJournal j = AsyncJournalTest.options(dir).maxDeadLetters(100).open()) {
            assertEquals(ids(2, 4), listed(j));
        }
        // a lower limit drops the oldest at open (logged once), and that is durable too
        List<String> logged = infoLines(() -> {
            try (AsyncJournal j =
                    AsyncJournalTest.options(dir).maxDeadLetters(1).open()) {
                assertEquals(ids(4, 4), listed(j));
                assertEquals(2, j.deadLettersExpired());
            }
        });
        assertEquals(
                1,
                logged.stream().filter(l -> l.contains("dead-letter retention")).count(),
                logged.toString());
        try (AsyncJournal j = AsyncJournalTest.options(dir).maxDeadLetters(100).open()) {
            assertEquals(ids(4, 4), listed(j));
            assertEquals(0, j.deadLettersExpired());
        }
    }

    @Test
    void deadLettersOlderThanTheRetentionAreDroppedAlsoAcrossARestart(@TempDir Path dir) {
        long[] now = {T0};
        JournalSettings.Builder o = AsyncJournalTest.options(dir)
                .clock(() -> now[0])
                .resultRetention(Duration.ofDays(30))
                .deadLetterRetention(Duration.ofHours(2));
        try (AsyncJournal j = o.open()) {
            Entries.deadLettered(j, 0, 2);
            now[0] += HOUR;
            Entries.deadLettered(j, 2, 2);
            now[0] += HOUR; // exactly 2 h after the first two: not older than the retention yet
            j.purge();
            assertEquals(ids(0, 3), listed(j));
            now[0] += 1;
            List<String> logged = infoLines(j::purge);
            assertEquals(ids(2, 3), listed(j));
            assertEquals(2, j.deadLettersExpired());
            assertEquals(1, logged.size(), logged.toString());
            assertTrue(
                    logged.get(0).contains("dropped 2 dead letter(s)")
                            && logged.get(0).contains("2 older than"),
                    logged.get(0));
        }
        now[0] += HOUR; // the process is down while the other two age past the retention
        try (AsyncJournal j = o.open()) {
            assertEquals(List.of(), listed(j), "retention is computed from the journal at open");
            assertEquals(2, j.deadLettersExpired());
            assertEquals(0, j.deadLetterCount());
        }
    }

    @Test
    void cycleFilesGoOnceNoListedDeadLetterIsInThem(@TempDir Path dir) throws IOException {
        long[] now = {T0};
        JournalSettings.Builder o = AsyncJournalTest.options(dir)
                .clock(() -> now[0])
                .resultRetention(Duration.ofDays(30))
                .deadLetterRetention(Duration.ofMinutes(90));
        Path files = dir.resolve(DeadLetterLog.DIRECTORY);
        try (AsyncJournal j = o.open()) {
            Entries.deadLettered(j, 0, 2); // cycle 0
            now[0] += HOUR;
            Entries.deadLettered(j, 2, 1); // cycle 1
            now[0] += HOUR; // cycle 2: the first two are older than 90 min, the third is not
            List<String> before = cycleFiles(files);
            assertEquals(2, before.size(), before.toString());
            List<Path> deleted = j.purge();
            assertEquals(ids(2, 2), listed(j));
            assertEquals(
                    List.of(files.resolve(before.get(0))),
                    deleted.stream().filter(p -> p.startsWith(files)).toList(),
                    "cycle 0 holds no listed dead letter any more; cycle 1 holds one");
            assertTrue(j.replay("e-00002").isPresent());
            JournalRecord replayed = j.poll();
            assertEquals("e-00002", replayed.entry().id());
            j.succeeded(replayed.entry(), 1, 200, null, new byte[0]);
            j.markDone(replayed.index());
            now[0] += HOUR; // cycle 3
            j.purge();
            assertEquals(
                    List.of(),
                    cycleFiles(files).stream().filter(before::contains).toList(),
                    "nothing listed: every cycle but the one being written goes");
            Entries.deadLettered(j, 10, 1);
        }
        try (AsyncJournal j = o.open()) {
            assertEquals(ids(10, 10), listed(j));
        }
    }

    @Test
    void aDeadLetterDeadLetteredAgainIsListedOnceAtItsLaterPlace(@TempDir Path dir) {
        try (AsyncJournal j = AsyncJournalTest.options(dir).maxDeadLetters(2).open()) {
            Entries.deadLettered(j, 0, 1);
            Entries.deadLettered(j, 1, 1);
            // e-00000 again (e.g. run again after a restart), without a replay in between: no drop, it moves last
            j.append(Entries.numbered(0));
            JournalRecord r = j.poll();
            j.deadLetter(r.entry().withAttempts(2), "second time", 2, 500, null, null);
            j.markDone(r.index());
            assertEquals(List.of("e-00001", "e-00000"), listed(j));
            assertEquals(0, j.deadLettersExpired());
            assertEquals(
                    "second time",
                    j.deadLetterPage(null, 10)
                            .orElseThrow()
                            .deadLetters()
                            .get(1)
                            .error());
        }
        try (AsyncJournal j = AsyncJournalTest.options(dir).maxDeadLetters(2).open()) {
            assertEquals(List.of("e-00001", "e-00000"), listed(j));
        }
    }

    @Test
    void pagesFollowTheLastIdEvenWhenItWasReplayedSince(@TempDir Path dir) {
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            Entries.deadLettered(j, 0, 25);
            DeadLetterPage first = j.deadLetterPage(null, 10).orElseThrow();
            assertEquals(
                    ids(0, 9),
                    first.deadLetters().stream().map(DeadLetterSummary::id).toList());
            assertEquals("e-00009", first.next());
            assertEquals(25, first.total());
            DeadLetterSummary s = first.deadLetters().get(3);
            assertEquals("POST", s.method());
            assertEquals("/fn", s.path());
            assertEquals("boom 3", s.error());
            assertEquals(1, s.attempts());
            assertEquals(1_700_000_000_003L, s.receivedAtMillis());
            // replay the whole first page, then ask for the page after its last id
            for (DeadLetterSummary d : first.deadLetters()) {
                assertTrue(j.replay(d.id()).isPresent());
            }
            DeadLetterPage second = j.deadLetterPage(first.next(), 10).orElseThrow();
            assertEquals(
                    ids(10, 19),
                    second.deadLetters().stream().map(DeadLetterSummary::id).toList());
            assertEquals(15, second.total());
            DeadLetterPage last = j.deadLetterPage(second.next(), 10).orElseThrow();
            assertEquals(
                    ids(20, 24),
                    last.deadLetters().stream().map(DeadLetterSummary::id).toList());
            assertNull(last.next());
            assertTrue(j.deadLetterPage("e-99999", 10).isEmpty(), "an id never dead-lettered is no cursor");
            assertThrows(IllegalArgumentException.class, () -> j.deadLetterPage(null, 0));
        }
    }

    @Test
    void replayAllIsBoundedPerCall(@TempDir Path dir) {
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            Entries.deadLettered(j, 0, 5);
            ReplayBatch b = j.replayAll(2);
            assertEquals(
                    List.of("e-00000", "e-00001"),
                    b.replayed().stream().map(AcceptResult::id).toList());
            assertEquals(3, b.remaining());
            assertEquals(ids(2, 4), listed(j));
            ReplayBatch rest = j.replayAll(10);
            assertEquals(3, rest.replayed().size());
            assertEquals(0, rest.remaining());
            for (int i = 0; i < 5; i++) {
                assertEquals(String.format("e-%05d", i), j.poll().entry().id(), "replayed in order");
            }
        }
    }
}
