package io.nucleon.trigger.async;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import net.openhft.chronicle.bytes.Bytes;

class EntryCodecTest {

    @Test
    void everyFieldRoundTripsIncludingNullsUnicodeAndBinaryBodies() {
        byte[] body = new byte[1 << 20];
        new Random(7).nextBytes(body);
        JournalEntry full = JournalEntry.builder().id("ünïcode-✓").receivedAtMillis(123456789L).method("PUT")
                .path("/a/b").url("http://h/a/b?x=1&y=é").header("A", "1").header("B", "two, three")
                .field("x", "1").field("y", "é").contentType("application/octet-stream").body(body)
                .callbackUrl("http://cb/here").attempts(3).build();
        JournalEntry bare = JournalEntry.builder().id("bare").build();
        for (JournalEntry e : new JournalEntry[] {full, bare}) {
            Bytes<?> b = Bytes.allocateElasticOnHeap(64);
            try {
                EntryCodec.writeEntry(b, e);
                JournalEntry back = EntryCodec.readEntry(b);
                assertEquals(e, back);
                assertEquals(0, b.readRemaining());
                assertEquals(e.headers().keySet().stream().toList(), back.headers().keySet().stream().toList(), "header order kept");
            } finally {
                b.releaseLast();
            }
        }
        assertNull(bare.method());
        assertEquals(0, bare.body().length);
    }

    @Test
    void theEncodingIsCompactBinary() {
        JournalEntry e = Entries.numbered(42);
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            EntryCodec.writeEntry(b, e);
            int fixed = e.id().length() + "POST/fn".length() + e.url().length() + "Content-Typeapplication/jsonX-Request-Idr42n42application/json".length()
                    + e.body().length + 8;
            assertTrue(b.readRemaining() < fixed + 20, "overhead " + (b.readRemaining() - fixed) + " bytes");
        } finally {
            b.releaseLast();
        }
    }

    @Test
    void statusRecordsRoundTrip() {
        Bytes<?> b = Bytes.allocateElasticOnHeap(64);
        try {
            EntryCodec.writeStatus(b, "id1", InvocationState.FAILED, 99L, 4, "text/plain", "boom",
                    "partial".getBytes(StandardCharsets.UTF_8));
            StatusRecord r = EntryCodec.readStatus(b, true);
            assertEquals("id1", r.id());
            assertEquals(InvocationState.FAILED, r.state());
            assertEquals(99L, r.updatedAtMillis());
            assertEquals(4, r.attempts());
            assertEquals("text/plain", r.contentType());
            assertEquals("boom", r.error());
            assertArrayEquals("partial".getBytes(StandardCharsets.UTF_8), r.result());
        } finally {
            b.releaseLast();
        }
    }
}
