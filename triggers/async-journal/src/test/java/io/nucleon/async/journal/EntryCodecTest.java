package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.trigger.http.async.AsyncRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

class EntryCodecTest {

    @Test
    void everyFieldRoundTripsIncludingNullsUnicodeAndBinaryBodies() {
        byte[] body = new byte[1 << 20];
        new Random(7).nextBytes(body);
        JournalEntry full = JournalEntry.builder()
                .id("ünïcode-✓")
                .receivedAtMillis(123456789L)
                .method("PUT")
                .path("/a/b")
                .url("http://h/a/b?x=1&y=é")
                .header("A", "1")
                .header("B", "two, three")
                .field("x", "1")
                .field("y", "é")
                .contentType("application/octet-stream")
                .body(body)
                .callbackUrl("http://cb/here")
                .attempts(3)
                .build();
        JournalEntry bare = JournalEntry.builder().id("bare").build();
        for (JournalEntry e : new JournalEntry[] {full, bare}) {
            Bytes<?> b = Bytes.allocateElasticOnHeap(64);
            try {
                EntryCodec.writeEntry(b, e);
                JournalEntry back = EntryCodec.readEntry(b);
                assertEquals(e, back);
                assertEquals(0, b.readRemaining());
                assertEquals(
                        e.headers().keySet().stream().toList(),
                        back.headers().keySet().stream().toList(),
                        "header order kept");
            } finally {
                b.releaseLast();
            }
        }
        assertNull(bare.method());
        assertEquals(0, bare.body().length);
    }

    @Test
    void aRepeatedFieldKeepsItsValuesAsAListInAnEntryOfVersion3() {
        JournalEntry listed = JournalEntry.builder()
                .id("l")
                .field("a", List.of("1", "2"))
                .field("b", "x")
                .field("c", List.of("only"))
                .build();
        JournalEntry plain = JournalEntry.builder().id("p").field("a", "1,2").build();
        AsyncRequest request = new AsyncRequest(
                "GET", "/fn", "/fn?a=1&a=2", Map.of(), Map.of("a", List.of("1", "2")), null, new byte[0], null, 5L);
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            EntryCodec.writeEntry(b, listed);
            assertEquals(EntryCodec.LIST_ENTRY_VERSION, b.peekUnsignedByte(b.readPosition()));
            JournalEntry back = EntryCodec.readEntry(b);
            assertEquals(listed, back);
            assertEquals(List.of("1", "2"), back.fields().get("a"));
            assertEquals("x", back.fields().get("b"));
            assertEquals(List.of("only"), back.fields().get("c"), "a list of one stays a list");

            // without a list the entry is written as version 2: an earlier build still reads it
            EntryCodec.writeEntry(b, plain);
            assertEquals(EntryCodec.ENTRY_VERSION, b.peekUnsignedByte(b.readPosition()));
            assertEquals(plain, EntryCodec.readEntry(b));

            EntryCodec.writeRequest(b, request);
            assertEquals(EntryCodec.LIST_ENTRY_VERSION, b.peekUnsignedByte(b.readPosition()));
            assertTrue(EntryCodec.hasDerivedId(b), "a derived id in version 3 too");
            assertEquals(
                    List.of("1", "2"),
                    EntryCodec.readEntry(b, new EventIds(1, 2), 0).fields().get("a"));
            assertEquals(0, b.readRemaining());
        } finally {
            b.releaseLast();
        }
    }

    @Test
    void aListMarkerInAnEntryOfVersion2IsAnError() {
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            EntryCodec.writeEntry(
                    b,
                    JournalEntry.builder().id("l").field("a", List.of("1", "2")).build());
            b.writeByte(b.readPosition(), EntryCodec.ENTRY_VERSION); // as a build that knows no lists would see it
            JournalException e = assertThrows(JournalException.class, () -> EntryCodec.readEntry(b));
            assertTrue(e.getMessage().contains("string length -2"), e.getMessage());
        } finally {
            b.releaseLast();
        }
    }

    @Test
    void anEntryWrittenByTheEarlierBuildIsStillRead() {
        // version 1, as the earlier build wrote it: Chronicle's writeUtf8 for every string, explicit id
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            b.writeByte((byte) 1);
            b.writeUtf8("ünï-1");
            b.writeLong(77L);
            b.writeUtf8("POST");
            b.writeUtf8("/p");
            b.writeUtf8("/p?q=✓");
            b.writeStopBit(1);
            b.writeUtf8("X-A");
            b.writeUtf8("é");
            b.writeStopBit(0);
            b.writeUtf8(null);
            b.writeStopBit(3);
            b.write(new byte[] {1, 2, 3});
            b.writeUtf8("http://cb");
            b.writeStopBit(2);
            JournalEntry e = EntryCodec.readEntry(b);
            assertEquals("ünï-1", e.id());
            assertEquals(77L, e.receivedAtMillis());
            assertEquals("/p?q=✓", e.url());
            assertEquals("é", e.headers().get("X-A"));
            assertNull(e.contentType());
            assertArrayEquals(new byte[] {1, 2, 3}, e.body());
            assertEquals("http://cb", e.callbackUrl());
            assertEquals(2, e.attempts());
        } finally {
            b.releaseLast();
        }
    }

    @Test
    void theEncodingIsCompactBinary() {
        JournalEntry e = Entries.numbered(42);
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            EntryCodec.writeEntry(b, e);
            int fixed = e.id().length()
                    + "POST/fn".length()
                    + e.url().length()
                    + "Content-Typeapplication/jsonX-Request-Idr42n42application/json".length()
                    + e.body().length
                    + 8;
            assertTrue(b.readRemaining() < fixed + 20, "overhead " + (b.readRemaining() - fixed) + " bytes");
        } finally {
            b.releaseLast();
        }
    }

    @Test
    void statusRecordsRoundTrip() {
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            EntryCodec.writeState(
                    b,
                    "id1",
                    InvocationState.FAILED,
                    99L,
                    4,
                    503,
                    CallbackState.PENDING,
                    "boom",
                    "text/plain",
                    "partial".getBytes(StandardCharsets.UTF_8));
            EntryCodec.writeState(
                    b, "id2", InvocationState.PENDING, 100L, 2, 0, CallbackState.NONE, "handler error", null, null);
            EntryCodec.writeCallback(b, "id1", 101L, CallbackState.FAILED, CallbackFailure.REFUSED_LOOPBACK);

            assertEquals(EntryCodec.STATE, EntryCodec.readStatusKind(b));
            StatusRecord r = EntryCodec.readState(b, true);
            assertEquals("id1", r.id());
            assertEquals(InvocationState.FAILED, r.state());
            assertEquals(99L, r.updatedAtMillis());
            assertEquals(4, r.attempts());
            assertEquals(503, r.statusCode());
            assertEquals(CallbackState.PENDING, r.callback());
            assertEquals("text/plain", r.contentType());
            assertEquals("boom", r.error());
            assertArrayEquals("partial".getBytes(StandardCharsets.UTF_8), r.result());

            assertEquals(EntryCodec.STATE, EntryCodec.readStatusKind(b));
            long start = b.readPosition();
            StatusRecord attempt = EntryCodec.readState(b, false);
            assertEquals(InvocationState.PENDING, attempt.state());
            assertEquals(2, attempt.attempts());
            assertEquals("handler error", attempt.error());
            assertNull(attempt.result(), "not read without the result");
            b.readPosition(start);
            StatusRecord full = EntryCodec.readState(b, true);
            assertNull(full.contentType());
            assertEquals(0, full.result().length);

            assertEquals(EntryCodec.CALLBACK, EntryCodec.readStatusKind(b));
            assertEquals(
                    new EntryCodec.CallbackRecord("id1", 101L, CallbackState.FAILED, CallbackFailure.REFUSED_LOOPBACK),
                    EntryCodec.readCallback(b));
            assertEquals(0, b.readRemaining());
        } finally {
            b.releaseLast();
        }
    }

    @Test
    void aCallbackRecordWrittenBeforeFailuresWereRecordedReadsAsNoFailure() {
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            // the layout before the failure byte: kind id at callback
            b.writeByte(EntryCodec.CALLBACK);
            b.writeStopBit(3);
            b.write("id9".getBytes(StandardCharsets.UTF_8));
            b.writeLong(7L);
            b.writeByte((byte) CallbackState.FAILED.ordinal());
            assertEquals(EntryCodec.CALLBACK, EntryCodec.readStatusKind(b));
            assertEquals(
                    new EntryCodec.CallbackRecord("id9", 7L, CallbackState.FAILED, CallbackFailure.NONE),
                    EntryCodec.readCallback(b));
        } finally {
            b.releaseLast();
        }
    }

    @Test
    void anUnknownStatusRecordKindIsAnError() {
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            b.writeByte((byte) 1); // the first byte of a record of the previous layout
            JournalException e = assertThrows(JournalException.class, () -> EntryCodec.readStatusKind(b));
            assertTrue(e.getMessage().contains("unknown status record kind 1"), e.getMessage());
        } finally {
            b.releaseLast();
        }
    }
}
