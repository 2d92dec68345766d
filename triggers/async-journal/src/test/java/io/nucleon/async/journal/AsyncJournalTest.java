package io.nucleon.async.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsyncJournalTest {

    static JournalSettings.Builder options(Path dir) {
        return AsyncJournal.builder(dir).maintenanceInterval(null).minFreeSpace(0);
    }

    @Test
    void entriesComeOutInOrderWithEveryField(@TempDir Path dir) throws Exception {
        Path jdir = dir.resolve("journal");
        try (AsyncJournal j = options(jdir).open()) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(jdir)));
            assertNull(j.poll(), "empty at first");
            List<AcceptResult> accepted = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                accepted.add(j.append(Entries.numbered(i)));
            }
            for (int i = 1; i < accepted.size(); i++) {
                assertTrue(accepted.get(i).index() > accepted.get(i - 1).index());
            }
            assertEquals(
                    InvocationState.PENDING, j.status("e-00007").orElseThrow().state());
            for (int i = 0; i < 1000; i++) {
                JournalRecord r = j.poll();
                assertNotNull(r, "entry " + i);
                assertEquals(accepted.get(i).index(), r.index());
                assertEquals(Entries.numbered(i), r.entry());
            }
            assertNull(j.poll());
            assertEquals(
                    InvocationState.RUNNING, j.status("e-00007").orElseThrow().state());
            assertNull(j.poll(Duration.ofMillis(20)));
        }
    }

    @Test
    void aWaitingPollSeesAnAppendFromAnotherThread(@TempDir Path dir) throws Exception {
        try (AsyncJournal j = options(dir).open()) {
            CompletableFuture<JournalRecord> polled = new CompletableFuture<>();
            Thread poller = new Thread(
                    () -> {
                        try {
                            polled.complete(j.poll(Duration.ofSeconds(10)));
                        } catch (Throwable t) {
                            polled.completeExceptionally(t);
                        }
                    },
                    "poller");
            poller.start();
            try {
                // the poll is waiting (parked between looks) before the append comes
                await().atMost(Duration.ofSeconds(10)).until(() -> poller.getState() == Thread.State.TIMED_WAITING);
                j.append(Entries.numbered(1));
                assertEquals("e-00001", polled.get(10, TimeUnit.SECONDS).entry().id());
            } finally {
                poller.interrupt();
            }
        }
    }

    @Test
    void aRestartResumesAfterTheLastContiguousDoneEntry(@TempDir Path dir) {
        List<Long> indexes = new ArrayList<>();
        try (AsyncJournal j = options(dir).open()) {
            for (int i = 0; i < 10; i++) {
                j.append(Entries.numbered(i));
            }
            for (int i = 0; i < 8; i++) {
                indexes.add(j.poll().index());
            }
            // workers finish out of order: 0,1,2 and 4,5,7 are done; 3 and 6 are not
            for (int i : new int[] {5, 1, 0, 7, 4, 2}) {
                j.markDone(indexes.get(i));
            }
            assertEquals(indexes.get(2), j.processedIndex());
            assertEquals(5, j.inFlight(), "3 to 7 are held: 3 and 6 unfinished");
        }
        try (AsyncJournal j = options(dir).open()) {
            assertEquals(indexes.get(2), j.processedIndex());
            List<Integer> again = new ArrayList<>();
            JournalRecord r;
            while ((r = j.poll()) != null) {
                again.add(Entries.number(r.entry()));
                j.markDone(r.index());
            }
            // everything after the lowest unfinished (3) comes again: 3..9, including the done 4, 5, 7
            assertEquals(List.of(3, 4, 5, 6, 7, 8, 9), again);
        }
        try (AsyncJournal j = options(dir).open()) {
            assertNull(j.poll(), "all done: nothing again");
        }
    }

    @Test
    void markDoneOfAnIndexNeverHandedOutIsRefused(@TempDir Path dir) {
        try (AsyncJournal j = options(dir).open()) {
            AcceptResult a = j.append(Entries.numbered(1));
            assertThrows(IllegalArgumentException.class, () -> j.markDone(a.index()));
            j.poll();
            j.markDone(a.index());
            j.markDone(a.index()); // repeated: harmless
            assertEquals(a.index(), j.processedIndex());
        }
    }

    @Test
    void statusesKeepTheResultForTheRetentionAndSurviveARestart(@TempDir Path dir) {
        long[] now = {1_800_000_000_000L};
        JournalSettings.Builder o = options(dir).clock(() -> now[0]).resultRetention(Duration.ofMinutes(10));
        try (AsyncJournal j = o.open()) {
            j.append(Entries.numbered(1));
            j.append(Entries.numbered(2));
            j.append(Entries.numbered(3));
            JournalRecord r1 = j.poll();
            j.succeeded(r1.entry(), 1, 200, "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
            j.markDone(r1.index());
            StatusRecord s = j.status("e-00001").orElseThrow();
            assertEquals(InvocationState.SUCCEEDED, s.state());
            assertEquals("text/plain", s.contentType());
            assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), s.result());
            JournalRecord r2 = j.poll();
            assertEquals(
                    InvocationState.RUNNING,
                    j.status(r2.entry().id()).orElseThrow().state());
            assertTrue(j.status("nope").isEmpty());
        }
        now[0] += 60_000;
        try (AsyncJournal j = o.open()) {
            assertEquals(
                    InvocationState.SUCCEEDED, j.status("e-00001").orElseThrow().state());
            assertArrayEquals(
                    "hello".getBytes(StandardCharsets.UTF_8),
                    j.status("e-00001").orElseThrow().result());
            assertEquals(
                    InvocationState.PENDING,
                    j.status("e-00002").orElseThrow().state(),
                    "running before the restart: pending again");
            assertEquals(
                    InvocationState.PENDING, j.status("e-00003").orElseThrow().state());
            now[0] += Duration.ofMinutes(10).toMillis();
            assertTrue(j.status("e-00001").isEmpty(), "expired after resultRetention");
        }
    }

    @Test
    void deadLettersAreListedAndReplayed(@TempDir Path dir) {
        try (AsyncJournal j = options(dir).open()) {
            for (int i = 0; i < 4; i++) {
                j.append(Entries.numbered(i).withAttempts(0));
            }
            for (int i = 0; i < 3; i++) {
                JournalRecord r = j.poll();
                j.deadLetter(r.entry().withAttempts(5), "handler threw boom " + i, 5, 500, null, null);
                j.markDone(r.index());
            }
            JournalRecord ok = j.poll();
            j.markDone(ok.index());
            assertEquals(
                    InvocationState.FAILED, j.status("e-00001").orElseThrow().state());
            assertEquals(
                    "handler threw boom 1", j.status("e-00001").orElseThrow().error());

            List<DeadLetter> dead = j.listDeadLetters();
            assertEquals(
                    List.of("e-00000", "e-00001", "e-00002"),
                    dead.stream().map(d -> d.entry().id()).toList());
            assertEquals("handler threw boom 0", dead.get(0).error());
            assertEquals(5, dead.get(0).attempts());
            assertEquals(Entries.numbered(0).body().length, dead.get(0).entry().body().length);

            AcceptResult replayed = j.replay("e-00001").orElseThrow();
            assertEquals("e-00001", replayed.id());
            assertTrue(j.replay("e-00001").isEmpty(), "replayed once");
            assertEquals(
                    List.of("e-00000", "e-00002"),
                    j.listDeadLetters().stream().map(d -> d.entry().id()).toList());
            JournalRecord again = j.poll();
            assertEquals(Entries.numbered(1).withAttempts(0), again.entry());
            assertEquals(
                    InvocationState.RUNNING, j.status("e-00001").orElseThrow().state());
            j.markDone(again.index());
        }
        try (AsyncJournal j = options(dir).open()) {
            assertEquals(
                    List.of("e-00000", "e-00002"),
                    j.listDeadLetters().stream().map(d -> d.entry().id()).toList(),
                    "dead letters and replays are durable");
            ReplayBatch all = j.replayAll(100);
            assertEquals(2, all.replayed().size());
            assertEquals(0, all.remaining());
            assertTrue(j.listDeadLetters().isEmpty());
            assertEquals("e-00000", j.poll().entry().id());
            assertEquals("e-00002", j.poll().entry().id());
            assertNull(j.poll());
        }
    }

    @Test
    void syncOnAppendForcesEachAppend(@TempDir Path dir) {
        try (AsyncJournal j = options(dir).syncOnAppend(true).syncPosition(true).open()) {
            AcceptResult a = j.append(Entries.numbered(1));
            assertTrue(a.synced());
            j.poll();
            j.markDone(a.index());
        }
        try (AsyncJournal j = options(dir).open()) {
            assertNull(j.poll());
        }
    }

    @Test
    void aFullDiskIsRefusedWithAClearErrorAndNothingIsWritten(@TempDir Path dir) {
        try (AsyncJournal j = AsyncJournal.builder(dir)
                .maintenanceInterval(null)
                .minFreeSpace(Long.MAX_VALUE)
                .open()) {
            JournalUnavailableException e =
                    assertThrows(JournalUnavailableException.class, () -> j.append(Entries.numbered(1)));
            assertTrue(
                    e.getMessage().contains("disk is full")
                            && e.getMessage().contains(dir.toAbsolutePath().toString()),
                    e.getMessage());
            assertNull(j.poll());
        }
    }

    @Test
    void aClosedJournalRefusesAppends(@TempDir Path dir) {
        AsyncJournal j = options(dir).open();
        j.close();
        JournalUnavailableException e =
                assertThrows(JournalUnavailableException.class, () -> j.append(Entries.numbered(1)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void anUnknownRollCycleNamesTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> AsyncJournal.builder(Path.of("x")).rollCycle("FORTNIGHTLY"));
        assertTrue(e.getMessage().contains("FAST_HOURLY") && e.getMessage().contains("DAILY"), e.getMessage());
        assertEquals(
                "HOURLY",
                AsyncJournal.builder(Path.of("x"))
                        .rollCycle("hourly")
                        .build()
                        .rollCycle()
                        .toString());
    }

    @Test
    void anEntryFinishedButNotCommittedComesAgainWithItsTerminalStatus(@TempDir Path dir) {
        try (AsyncJournal j = options(dir).open()) {
            j.append(Entries.numbered(1));
            j.append(Entries.numbered(2));
            JournalRecord r1 = j.poll();
            j.poll();
            j.succeeded(r1.entry(), 1, 200, "text/plain", "one".getBytes(StandardCharsets.UTF_8));
            // the process dies before markDone
        }
        try (AsyncJournal j = options(dir).open()) {
            JournalRecord again = j.poll();
            assertEquals("e-00001", again.entry().id());
            assertEquals(
                    InvocationState.SUCCEEDED,
                    j.status("e-00001").orElseThrow().state(),
                    "poll keeps a terminal status, so the dispatcher can pass over the entry");
            JournalRecord two = j.poll();
            assertEquals(
                    InvocationState.RUNNING,
                    j.status(two.entry().id()).orElseThrow().state());
            j.markDone(again.index());
            j.markDone(two.index());
        }
    }

    @Test
    void failedAttemptsAndCallbackStatesSurviveARestart(@TempDir Path dir) {
        JournalEntry withCallback = Entries.numbered(1).toBuilder()
                .callbackUrl("http://127.0.0.1:1/cb")
                .build();
        try (AsyncJournal j = options(dir).open()) {
            j.append(withCallback);
            j.append(Entries.numbered(2));
            j.append(Entries.numbered(3).toBuilder()
                    .callbackUrl("http://127.0.0.1:1/cb")
                    .build());
            JournalRecord r1 = j.poll();
            JournalRecord r2 = j.poll();
            JournalRecord r3 = j.poll();
            j.succeeded(r1.entry(), 1, 201, "text/plain", "one".getBytes(StandardCharsets.UTF_8));
            assertEquals(
                    CallbackState.PENDING, j.status("e-00001").orElseThrow().callback());
            assertEquals(201, j.status("e-00001").orElseThrow().statusCode());
            j.attemptFailed(r2.entry().id(), 1, "first");
            j.attemptFailed(r2.entry().id(), 2, "second");
            StatusRecord pending = j.status("e-00002").orElseThrow();
            assertEquals(InvocationState.PENDING, pending.state());
            assertEquals(2, pending.attempts());
            assertEquals("second", pending.error());
            j.succeeded(r3.entry(), 1, 200, null, new byte[0]);
            j.callbackFinished(r3.entry().id(), CallbackState.FAILED);
            assertEquals(CallbackState.FAILED, j.status("e-00003").orElseThrow().callback());
            assertThrows(IllegalArgumentException.class, () -> j.callbackFinished("e-00003", CallbackState.PENDING));
            // the process dies: nothing is marked done
        }
        try (AsyncJournal j = options(dir).open()) {
            StatusRecord one = j.status("e-00001").orElseThrow();
            assertEquals(InvocationState.SUCCEEDED, one.state());
            assertEquals(201, one.statusCode());
            assertEquals(CallbackState.PENDING, one.callback(), "its callback is to be sent again");
            StatusRecord two = j.status("e-00002").orElseThrow();
            assertEquals(InvocationState.PENDING, two.state());
            assertEquals(2, two.attempts(), "failed attempts are kept");
            assertEquals("second", two.error());
            assertEquals(CallbackState.FAILED, j.status("e-00003").orElseThrow().callback());

            JournalRecord r1 = j.poll();
            JournalRecord r2 = j.poll();
            StatusRecord running = j.status(r2.entry().id()).orElseThrow();
            assertEquals(InvocationState.RUNNING, running.state());
            assertEquals(2, running.attempts(), "poll keeps the attempts made before the restart");
            assertEquals("second", running.error());
            j.callbackFinished(r1.entry().id(), CallbackState.DELIVERED);
            assertEquals(
                    CallbackState.DELIVERED, j.status("e-00001").orElseThrow().callback());
            j.markDone(r1.index());
        }
        try (AsyncJournal j = options(dir).open()) {
            assertEquals(
                    CallbackState.DELIVERED, j.status("e-00001").orElseThrow().callback());
            assertEquals("e-00002", j.poll().entry().id());
        }
    }

    @Test
    void aReplayedDeadLetterIsPendingAfterARestart(@TempDir Path dir) {
        try (AsyncJournal j = options(dir).open()) {
            j.append(Entries.numbered(1));
            JournalRecord r = j.poll();
            j.deadLetter(
                    r.entry().withAttempts(4),
                    "boom",
                    4,
                    500,
                    "application/json",
                    "{}".getBytes(StandardCharsets.UTF_8));
            j.markDone(r.index());
            StatusRecord failed = j.status("e-00001").orElseThrow();
            assertEquals(500, failed.statusCode());
            assertEquals("{}", new String(failed.result(), StandardCharsets.UTF_8));
            assertTrue(j.replay("e-00001").isPresent());
            // the process dies before the replayed entry is handled
        }
        try (AsyncJournal j = options(dir).open()) {
            StatusRecord s = j.status("e-00001").orElseThrow();
            assertEquals(InvocationState.PENDING, s.state(), "not the FAILED status of before the replay");
            assertEquals(0, s.attempts());
            assertEquals("e-00001", j.poll().entry().id());
            assertEquals(
                    InvocationState.RUNNING, j.status("e-00001").orElseThrow().state());
        }
    }
}
