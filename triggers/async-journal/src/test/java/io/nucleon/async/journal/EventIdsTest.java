package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.trigger.http.async.AsyncRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventIdsTest {

    @Test
    void sipHashMatchesTheReferenceVector() {
        // SipHash-2-4 paper, appendix A: key 00 01 .. 0f, message 00 01 .. 07
        long h = EventIds.sipHash24(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 0x0706050403020100L);
        assertEquals(0x93f5f5799a932462L, h);
    }

    @Test
    void idsRoundTripAndForgedOnesAreUnknown(@TempDir Path dir) throws Exception {
        EventIds ids = EventIds.open(dir);
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(EventIds.KEY_FILE))));
        for (long index : new long[] {0, 1, 42, 0x4a1b00000123L, Long.MAX_VALUE}) {
            String id = ids.idOf(index);
            assertEquals(33, id.length(), id);
            assertEquals(index, ids.indexOf(id), id);
            // another index with this tag, a changed tag, upper case, garbage: all unknown
            String other = String.format("%016x", index ^ 1) + id.substring(16);
            assertEquals(-1, ids.indexOf(other), other);
            char last = id.charAt(32);
            assertEquals(-1, ids.indexOf(id.substring(0, 32) + (last == '0' ? '1' : '0')));
            assertEquals(-1, ids.indexOf(id.toUpperCase()));
        }
        assertEquals(-1, ids.indexOf("not-an-id"));
        assertEquals(-1, ids.indexOf("zzzzzzzzzzzzzzzz-zzzzzzzzzzzzzzzz"));
        assertEquals(-1, ids.indexOf("ffffffffffffffff-ffffffffffffffff"));

        // the key is kept: a reopened journal knows its ids; another journal's key does not
        assertEquals(5, EventIds.open(dir).indexOf(ids.idOf(5)));
        Path other = Files.createDirectory(dir.resolve("other"));
        assertEquals(-1, EventIds.open(other).indexOf(ids.idOf(5)));
    }

    @Test
    void acceptedCallsReportPendingRunningSucceededWithoutBeingRemembered(@TempDir Path dir) {
        List<String> accepted = new ArrayList<>();
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            for (int i = 0; i < 3; i++) {
                AcceptResult a = j.append(request("{\"n\":" + i + "}"));
                accepted.add(a.id());
                assertEquals(
                        InvocationState.PENDING, j.status(a.id()).orElseThrow().state());
            }
            JournalRecord first = j.poll();
            assertEquals(accepted.get(0), first.entry().id());
            assertFalse(first.tracked(), "appended in this life with a derived id: no status look-up needed");
            assertArrayEquals(
                    "{\"n\":0}".getBytes(StandardCharsets.UTF_8), first.entry().body());
            assertEquals("POST", first.entry().method());
            assertEquals("application/json", first.entry().headers().get("Content-Type"));
            assertEquals(
                    InvocationState.RUNNING,
                    j.status(accepted.get(0)).orElseThrow().state());
            assertEquals(
                    InvocationState.PENDING,
                    j.status(accepted.get(1)).orElseThrow().state());

            j.succeeded(first.entry(), 1, 200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
            j.markDone(first.index());
            StatusRecord s = j.status(accepted.get(0)).orElseThrow();
            assertEquals(InvocationState.SUCCEEDED, s.state());
            assertArrayEquals("ok".getBytes(StandardCharsets.UTF_8), s.result());

            String forged = accepted.get(1).substring(0, 17) + "0123456789abcdef";
            assertTrue(j.status(forged).isEmpty(), "a forged tag is unknown");
        }
        // after a restart: the backlog is pending, handed out again as tracked (it may have finished)
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            assertEquals(
                    InvocationState.SUCCEEDED,
                    j.status(accepted.get(0)).orElseThrow().state());
            assertEquals(
                    InvocationState.PENDING,
                    j.status(accepted.get(2)).orElseThrow().state());
            JournalRecord again = j.poll();
            assertEquals(accepted.get(1), again.entry().id());
            assertTrue(again.tracked());
            assertNotEquals(accepted.get(1), accepted.get(2));
        }
    }

    @Test
    void finishedCallsLeaveNothingOnTheHeapAndTheirStatusOutlivesARestart(@TempDir Path dir) {
        int n = 20_000;
        List<String> accepted = new ArrayList<>();
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            for (int i = 0; i < n; i++) {
                accepted.add(j.append(request("{\"n\":" + i + "}")).id());
            }
            for (int i = 0; i < n; i++) {
                JournalRecord r = j.poll();
                j.succeeded(r.entry(), 1, 200, "text/plain", ("r" + i).getBytes(StandardCharsets.UTF_8));
                j.markDone(r.index());
            }
            assertEquals(0, j.statusesInMemory(), "no per-call status on the heap");
            StatusRecord s = j.status(accepted.get(12_345)).orElseThrow();
            assertEquals(InvocationState.SUCCEEDED, s.state());
            assertEquals("r12345", new String(s.result(), StandardCharsets.UTF_8));
            assertTrue(Files.isDirectory(dir.resolve(StatusIndex.DIRECTORY)));
        }
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            assertEquals(0, j.statusesInMemory());
            for (int i : new int[] {0, 1, 9_999, n - 1}) {
                StatusRecord s = j.status(accepted.get(i)).orElseThrow();
                assertEquals(InvocationState.SUCCEEDED, s.state(), "call " + i);
                assertEquals("r" + i, new String(s.result(), StandardCharsets.UTF_8));
            }
        }
    }

    static AsyncRequest request(String body) {
        return new AsyncRequest(
                "POST",
                "/orders",
                "/orders?x=1",
                Map.of("Content-Type", "application/json"),
                Map.of("x", "1"),
                "application/json",
                body.getBytes(StandardCharsets.UTF_8),
                null,
                System.currentTimeMillis());
    }
}
