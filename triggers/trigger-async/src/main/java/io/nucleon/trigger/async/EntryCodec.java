package io.nucleon.trigger.async;

import java.util.Map;

import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesOut;

/**
 * The binary layouts of the three journals, written straight into Chronicle's document bytes.
 * Strings are Chronicle's UTF-8 with a stop-bit length (null allowed); counts and lengths are
 * stop-bit encoded; the body is raw bytes (no text encoding).
 *
 * <pre>
 * entry   := version:u8(=1) id:utf8 receivedAt:i64 method:utf8 path:utf8 url:utf8
 *            nHeaders:sb (name:utf8 value:utf8)* nFields:sb (name:utf8 value:utf8)*
 *            contentType:utf8 bodyLength:sb body:bytes callbackUrl:utf8 attempts:sb
 * dead    := kind:u8(='D') deadAt:i64 error:utf8 attempts:sb entry
 * replayed:= kind:u8(='R') replayedAt:i64 id:utf8
 * status  := version:u8(=1) id:utf8 state:u8 updatedAt:i64 attempts:sb contentType:utf8 error:utf8
 *            resultLength:sb result:bytes
 * </pre>
 */
final class EntryCodec {

    static final byte ENTRY_VERSION = 1;
    static final byte STATUS_VERSION = 1;
    static final byte DEAD = 'D';
    static final byte REPLAYED = 'R';

    private EntryCodec() {
    }

    static void writeEntry(BytesOut<?> out, JournalEntry e) {
        out.writeByte(ENTRY_VERSION);
        out.writeUtf8(e.id());
        out.writeLong(e.receivedAtMillis());
        out.writeUtf8(e.method());
        out.writeUtf8(e.path());
        out.writeUtf8(e.url());
        writeMap(out, e.headers());
        writeMap(out, e.fields());
        out.writeUtf8(e.contentType());
        byte[] body = e.body();
        out.writeStopBit(body.length);
        out.write(body);
        out.writeUtf8(e.callbackUrl());
        out.writeStopBit(e.attempts());
    }

    static JournalEntry readEntry(BytesIn<?> in) {
        byte version = in.readByte();
        if (version != ENTRY_VERSION) {
            throw new JournalException("unknown journal entry version " + version + " (this build reads "
                    + ENTRY_VERSION + ")");
        }
        JournalEntry.Builder b = JournalEntry.builder().id(in.readUtf8()).receivedAtMillis(in.readLong())
                .method(in.readUtf8()).path(in.readUtf8()).url(in.readUtf8());
        int headers = (int) in.readStopBit();
        for (int i = 0; i < headers; i++) {
            b.header(in.readUtf8(), in.readUtf8());
        }
        int fields = (int) in.readStopBit();
        for (int i = 0; i < fields; i++) {
            b.field(in.readUtf8(), in.readUtf8());
        }
        b.contentType(in.readUtf8());
        b.body(readBytes(in));
        b.callbackUrl(in.readUtf8());
        b.attempts((int) in.readStopBit());
        return b.build();
    }

    /** Only the id of an entry (for rebuilding the status index at open). */
    static String readEntryId(BytesIn<?> in) {
        byte version = in.readByte();
        if (version != ENTRY_VERSION) {
            throw new JournalException("unknown journal entry version " + version);
        }
        return in.readUtf8();
    }

    static void writeDead(BytesOut<?> out, JournalEntry e, String error, int attempts, long now) {
        out.writeByte(DEAD);
        out.writeLong(now);
        out.writeUtf8(error);
        out.writeStopBit(attempts);
        writeEntry(out, e);
    }

    static void writeReplayed(BytesOut<?> out, String id, long now) {
        out.writeByte(REPLAYED);
        out.writeLong(now);
        out.writeUtf8(id);
    }

    static void writeStatus(BytesOut<?> out, String id, InvocationState state, long now, int attempts,
                            String contentType, String error, byte[] result) {
        out.writeByte(STATUS_VERSION);
        out.writeUtf8(id);
        out.writeByte((byte) state.ordinal());
        out.writeLong(now);
        out.writeStopBit(attempts);
        out.writeUtf8(contentType);
        out.writeUtf8(error);
        byte[] r = result != null ? result : new byte[0];
        out.writeStopBit(r.length);
        out.write(r);
    }

    static StatusRecord readStatus(BytesIn<?> in, boolean withResult) {
        byte version = in.readByte();
        if (version != STATUS_VERSION) {
            throw new JournalException("unknown status record version " + version);
        }
        String id = in.readUtf8();
        InvocationState state = InvocationState.values()[in.readByte()];
        long at = in.readLong();
        int attempts = (int) in.readStopBit();
        if (!withResult) {
            return new StatusRecord(id, state, at, attempts, null, null, null);
        }
        String contentType = in.readUtf8();
        String error = in.readUtf8();
        return new StatusRecord(id, state, at, attempts, contentType, readBytes(in), error);
    }

    private static void writeMap(BytesOut<?> out, Map<String, String> map) {
        out.writeStopBit(map.size());
        for (Map.Entry<String, String> kv : map.entrySet()) {
            out.writeUtf8(kv.getKey());
            out.writeUtf8(kv.getValue());
        }
    }

    private static byte[] readBytes(BytesIn<?> in) {
        long length = in.readStopBit();
        if (length < 0 || length > in.readRemaining()) {
            throw new JournalException("corrupt record: length " + length + " with " + in.readRemaining()
                    + " bytes left");
        }
        byte[] b = new byte[(int) length];
        in.read(b);
        return b;
    }
}
