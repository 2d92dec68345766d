package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal written by an earlier build (entry layout 2, before the journal was split into its logs)
 * is read by this one: the fixture {@code journal-v2.tar.gz} was written by {@link JournalFixtureWriter}
 * on that build and holds every kind of record: accepted and explicit-id entries, a processed
 * position, succeeded, failed and retried statuses, callbacks delivered and owed, dead letters, a
 * replay and an {@code expired} record.
 */
class JournalFormatCompatibilityTest {
    /** Ten minutes after the fixture was written: its results are within resultRetention (1 hour). */
    private static final long NOW = JournalFixtureWriter.T0 + TimeUnit.MINUTES.toMillis(10);

    @Test
    void aJournalWrittenByTheEarlierBuildIsReadWhole(@TempDir Path tmp) throws Exception {
        Path dir = unpack(tmp);
        Properties expected = expected(dir);
        try (AsyncJournal j = AsyncJournal.builder(dir)
                .maintenanceInterval(null)
                .minFreeSpace(0)
                .clock(() -> NOW)
                .open()) {
            assertEquals(Long.parseLong(expected.getProperty("processed")), j.processedIndex());

            StatusRecord a1 = j.status(expected.getProperty("a1")).orElseThrow();
            assertEquals(InvocationState.SUCCEEDED, a1.state());
            assertEquals(200, a1.statusCode());
            assertEquals("text/plain", a1.contentType());
            assertArrayEquals(bytes("ok-a1"), a1.result());
            assertEquals(CallbackState.DELIVERED, a1.callback());

            StatusRecord a2 = j.status(expected.getProperty("a2")).orElseThrow();
            assertEquals(InvocationState.FAILED, a2.state());
            assertEquals(2, a2.attempts());
            assertEquals(500, a2.statusCode());
            assertArrayEquals(bytes("boom-a2"), a2.result());

            // dead letters: order-3 was replayed, a2 dropped by the expired record (maxDeadLetters 4 then)
            assertEquals(
                    List.of("dead-4", "dead-5", "dead-6"),
                    j.listDeadLetters().stream().map(d -> d.entry().id()).toList());
            assertEquals("failure of dead-5", j.listDeadLetters().get(1).error());
            DeadLetterPage page = j.deadLetterPage(null, 2).orElseThrow();
            assertEquals(
                    List.of("dead-4", "dead-5"),
                    page.deadLetters().stream().map(DeadLetterSummary::id).toList());
            assertEquals(3, page.total());
            assertEquals(0, j.deadLettersExpired());

            // the backlog, in order: the replay, a7 (finished, callback owed), a8 (retried), a9, order-10
            JournalRecord replayed = j.poll();
            assertEquals(Long.parseLong(expected.getProperty("replayed.index")), replayed.index());
            assertEquals("order-3", replayed.entry().id());
            assertEquals(0, replayed.entry().attempts());
            assertEquals(Map.of("k", "v"), replayed.entry().fields());
            assertEquals(
                    InvocationState.RUNNING, j.status("order-3").orElseThrow().state());

            JournalRecord a7 = j.poll();
            assertEquals(expected.getProperty("a7"), a7.entry().id());
            assertTrue(a7.tracked(), "finished before the restart: looked up before running");
            assertEquals("http://cb.example/a7", a7.entry().callbackUrl());
            StatusRecord a7status = j.status(a7.entry().id()).orElseThrow();
            assertEquals(InvocationState.SUCCEEDED, a7status.state());
            assertEquals(201, a7status.statusCode());
            assertEquals(CallbackState.PENDING, a7status.callback());
            assertEquals(
                    a7.entry(),
                    j.entryAt(Long.parseLong(expected.getProperty("a7.index"))).orElseThrow());

            JournalRecord a8 = j.poll();
            assertEquals(expected.getProperty("a8"), a8.entry().id());
            StatusRecord a8status = j.status(a8.entry().id()).orElseThrow();
            assertEquals(InvocationState.RUNNING, a8status.state());
            assertEquals(1, a8status.attempts(), "the attempt made before the restart still counts");
            assertEquals("eighth failure", a8status.error());

            JournalRecord a9 = j.poll();
            assertEquals(expected.getProperty("a9"), a9.entry().id());
            assertEquals("/a9", a9.entry().path());
            assertEquals("t-nine", a9.entry().headers().get("X-Trace"));
            // the earlier build joined a repeated query parameter: such an entry keeps its joined value
            assertEquals(Map.of("name", "nine", "tag", "x,y"), a9.entry().fields());
            assertArrayEquals(bytes("nine"), a9.entry().body());

            JournalRecord order10 = j.poll();
            assertEquals("order-10", order10.entry().id());
            assertEquals(
                    InvocationState.RUNNING, j.status("order-10").orElseThrow().state());
            assertNull(j.poll());

            // and the journal goes on: what this build writes next to the earlier build's records
            j.succeeded(a9.entry(), 1, 200, "text/plain", bytes("done"));
            j.markDone(replayed.index());
            j.markDone(a7.index());
            AcceptResult next = j.append(JournalFixtureWriter.request("/next", null, "eleven"));
            assertFalse(next.id().equals(a9.entry().id()));
            JournalRecord r = j.poll();
            assertNotNull(r);
            assertEquals(next.id(), r.entry().id());
        }
    }

    /** The fixture unpacked into {@code tmp/journal} (with tar, as it was packed). */
    private static Path unpack(Path tmp) throws IOException, InterruptedException, URISyntaxException {
        Path archive = Path.of(JournalFormatCompatibilityTest.class
                .getResource("/journal-v2.tar.gz")
                .toURI());
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", dir.toString())
                .redirectErrorStream(true)
                .start();
        String out;
        try (InputStream in = tar.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(0, tar.waitFor(), "tar: " + out);
        return dir;
    }

    private static Properties expected(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve("expected.properties"), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
