package io.nucleon.async.journal;

import io.nucleon.trigger.http.async.AsyncRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesIn;
import net.openhft.chronicle.bytes.BytesOut;

/**
 * The binary layouts of the three journals, written straight into Chronicle's document bytes.
 * Strings ({@code utf8}) are a stop-bit byte length (-1 for null) followed by that many UTF-8 bytes
 * ({@link #writeString}; not Chronicle's {@code writeUtf8}, whose per-string reflection and interning
 * cost more than the rest of an append); counts and lengths are stop-bit encoded; the body is raw
 * bytes (no text encoding).
 *
 * <pre>
 * entry   := version:u8(=2|3) id receivedAt:i64 method:utf8 path:utf8 url:utf8
 *            nHeaders:sb (name:utf8 value:utf8)* nFields:sb (name:utf8 field)*
 *            contentType:utf8 bodyLength:sb body:bytes callbackUrl:utf8 attempts:sb
 * field   := value:utf8                                a single value (versions 2 and 3)
 *          | list:sb(=-2) nValues:sb (value:utf8)*    several values, in order (version 3 only)
 * dead    := kind:u8(='D') deadAt:i64 error:utf8 attempts:sb entry
 * replayed:= kind:u8(='R') replayedAt:i64 id:utf8
 * expired := kind:u8(='E') expiredAt:i64 through:i64   every dead letter at a position up to
 *                                                      {@code through} is dropped (retention)
 * id      := 'X' id:utf8          an explicit id (a replayed or hand-built entry)
 *          | 'D'                  derived from the entry's index ({@link EventIds}; accepted calls)
 * state   := kind:u8(='S') id:utf8 state:u8 updatedAt:i64 attempts:sb statusCode:sb callback:u8
 *            error:utf8 contentType:utf8 resultLength:sb result:bytes
 * callback:= kind:u8(='C') id:utf8 at:i64 callback:u8 [failure:u8]
 * </pre>
 *
 * <p>An entry is written as version 2 unless a field has several values (a repeated query
 * parameter), which only version 3 can hold: so a build that reads versions 1 and 2 only still reads
 * every entry it can read right, and refuses (logs and passes over) the others rather than misread
 * them. Version 1 (an explicit id without its kind) is read, never written.
 *
 * <p>The dead-letter journal holds {@code dead}, {@code replayed} and {@code expired} records, the status journal
 * {@code state} and {@code callback} records. A {@code state} record is terminal (SUCCEEDED/FAILED,
 * with the handler's last response), or PENDING after a failed attempt that will be retried (its
 * attempt count and error, so that a restart continues counting) or after a replay (attempts 0).
 * A {@code callback} record says that the callback of a finished invocation is finished
 * (DELIVERED or FAILED), and for FAILED why ({@code failure}, an ordinal of {@link CallbackFailure};
 * absent in records written before it existed, read as NONE). {@code state} and {@code callback} are
 * ordinals of {@link InvocationState} and {@link CallbackState}; the last record of an id wins.
 */
final class EntryCodec {

    static final byte ENTRY_VERSION = 2;
    /** {@link #ENTRY_VERSION}, with fields that may have several values ({@link #LIST}). */
    static final byte LIST_ENTRY_VERSION = 3;

    static final byte LEGACY_ENTRY_VERSION = 1;
    /** In place of a field's value length: several values follow. */
    static final int LIST = -2;

    static final byte EXPLICIT_ID = 'X';
    static final byte DERIVED_ID = 'D';
    static final byte DEAD = 'D';
    static final byte REPLAYED = 'R';
    static final byte EXPIRED = 'E';
    static final byte STATE = 'S';
    static final byte CALLBACK = 'C';
    private static final byte[] EMPTY = new byte[0];

    private EntryCodec() {}

    static void writeEntry(Bytes<?> out, JournalEntry e) {
        long start = out.writePosition();
        out.writeByte(ENTRY_VERSION);
        out.writeByte(EXPLICIT_ID);
        writeString(out, e.id());
        if (writeRest(
                out,
                e.receivedAtMillis(),
                e.method(),
                e.path(),
                e.url(),
                e.headers(),
                e.fields(),
                e.contentType(),
                e.body(),
                e.callbackUrl(),
                e.attempts())) {
            out.writeByte(start, LIST_ENTRY_VERSION);
        }
    }

    /**
     * Writes an accepted request as an entry ({@link #writeEntry}'s layout, attempts 0, id derived
     * from its index) straight from the trigger's {@link AsyncRequest}, without building a
     * {@link JournalEntry}: the accept path.
     */
    static void writeRequest(Bytes<?> out, AsyncRequest r) {
        long start = out.writePosition();
        out.writeByte(ENTRY_VERSION);
        out.writeByte(DERIVED_ID);
        if (writeRest(
                out,
                r.receivedAtMillis(),
                r.method(),
                r.path(),
                r.url(),
                r.headers(),
                r.fields(),
                r.contentType(),
                r.body(),
                r.callbackUrl(),
                0)) {
            out.writeByte(start, LIST_ENTRY_VERSION);
        }
    }

    /**
     * An entry after its id: every field from {@code receivedAt} on. Returns whether a field has several
     * values, in which case the caller marks the entry {@link #LIST_ENTRY_VERSION} (the fields are not
     * scanned twice: the accept path).
     */
    private static boolean writeRest(
            BytesOut<?> out,
            long receivedAt,
            String method,
            String path,
            String url,
            Map<String, String> headers,
            Map<String, ?> fields,
            String contentType,
            byte[] body,
            String callbackUrl,
            int attempts) {
        out.writeLong(receivedAt);
        writeString(out, method);
        writeString(out, path);
        writeString(out, url);
        writeMap(out, headers);
        boolean lists = writeFields(out, fields);
        writeString(out, contentType);
        byte[] b = body != null ? body : EMPTY;
        out.writeStopBit(b.length);
        out.write(b);
        writeString(out, callbackUrl);
        out.writeStopBit(attempts);
        return lists;
    }

    /** Whether the entry at the read position has an id derived from its index (the position is not moved). */
    static boolean hasDerivedId(BytesIn<?> in) {
        int version = in.peekUnsignedByte(in.readPosition());
        return in.peekUnsignedByte(in.readPosition() + 1) == DERIVED_ID
                && (version == ENTRY_VERSION || version == LIST_ENTRY_VERSION);
    }

    /** Reads an entry whose id is explicit (the dead-letter journal's). */
    static JournalEntry readEntry(BytesIn<?> in) {
        return readEntry(in, null, -1);
    }

    /**
     * Reads an entry; a derived id is made by {@code ids} from {@code index}, the entry's position in
     * the input journal.
     */
    static JournalEntry readEntry(BytesIn<?> in, EventIds ids, long index) {
        byte version = checkVersion(in.readByte());
        String id = version == LEGACY_ENTRY_VERSION ? readString(in) : readId(in, ids, index);
        JournalEntry.Builder b = JournalEntry.builder()
                .id(id)
                .receivedAtMillis(in.readLong())
                .method(readString(in))
                .path(readString(in))
                .url(readString(in));
        int headers = (int) in.readStopBit();
        for (int i = 0; i < headers; i++) {
            b.header(readString(in), readString(in));
        }
        int fields = (int) in.readStopBit();
        for (int i = 0; i < fields; i++) {
            String name = readString(in);
            long length = in.readStopBit();
            if (length == LIST && version == LIST_ENTRY_VERSION) {
                b.field(name, readList(in));
            } else {
                b.field(name, readString(in, length));
            }
        }
        b.contentType(readString(in));
        b.body(readBytes(in));
        b.callbackUrl(readString(in));
        b.attempts((int) in.readStopBit());
        return b.build();
    }

    /** Only the id of an entry, or null when it is derived from the index (rebuilding the status index at open). */
    static String readExplicitId(BytesIn<?> in) {
        if (checkVersion(in.readByte()) == LEGACY_ENTRY_VERSION) {
            return readString(in);
        }
        return in.readByte() == EXPLICIT_ID ? readString(in) : null;
    }

    /**
     * {@code version}, when this build reads it: 3, 2, or 1 (written by earlier builds: an explicit id
     * and no id kind; Chronicle's {@code writeUtf8} wrote the same stop-bit byte length and UTF-8
     * bytes as {@link #writeString}, so a backlog left by an earlier build is still handled).
     */
    private static byte checkVersion(byte version) {
        if (version != ENTRY_VERSION && version != LIST_ENTRY_VERSION && version != LEGACY_ENTRY_VERSION) {
            throw new JournalException("unknown journal entry version " + version + " (this build reads "
                    + LEGACY_ENTRY_VERSION + " to " + LIST_ENTRY_VERSION + ")");
        }
        return version;
    }

    private static String readId(BytesIn<?> in, EventIds ids, long index) {
        byte kind = in.readByte();
        if (kind == EXPLICIT_ID) {
            return readString(in);
        }
        if (kind == DERIVED_ID && ids != null) {
            return ids.idOf(index);
        }
        throw new JournalException(
                kind == DERIVED_ID
                        ? "an entry with a derived id outside the input journal"
                        : "corrupt entry: id kind " + kind);
    }

    static void writeDead(Bytes<?> out, JournalEntry e, String error, int attempts, long now) {
        out.writeByte(DEAD);
        out.writeLong(now);
        writeString(out, error);
        out.writeStopBit(attempts);
        writeEntry(out, e);
    }

    static void writeReplayed(BytesOut<?> out, String id, long now) {
        out.writeByte(REPLAYED);
        out.writeLong(now);
        writeString(out, id);
    }

    static void writeExpired(BytesOut<?> out, long throughPosition, long now) {
        out.writeByte(EXPIRED);
        out.writeLong(now);
        out.writeLong(throughPosition);
    }

    /**
     * What rebuilding the list of dead letters needs of a dead-letter journal record: its kind, its
     * time, the id ({@code dead}, {@code replayed}) or the position ({@code expired}). The error, the
     * headers and the body of a {@code dead} record are not read.
     */
    record DeadRecordHead(byte kind, long atMillis, String id, long throughPosition) {}

    /** Reads the head of a dead-letter journal record ({@link DeadRecordHead}). */
    static DeadRecordHead readDeadHead(BytesIn<?> in) {
        byte kind = in.readByte();
        long at = in.readLong();
        return switch (kind) {
            case DEAD -> {
                skipString(in); // error
                in.readStopBit(); // attempts
                yield new DeadRecordHead(kind, at, readEntryId(in), -1);
            }
            case REPLAYED -> new DeadRecordHead(kind, at, readString(in), -1);
            case EXPIRED -> new DeadRecordHead(kind, at, null, in.readLong());
            default ->
                throw new JournalException(
                        "unknown dead-letter record kind " + kind + " (this build writes 'D', 'R' and 'E')");
        };
    }

    /**
     * Reads a {@code dead} record as it is listed: its error, attempts and time, and of its entry the
     * id, method, path and time received (not the headers, fields nor body).
     */
    static DeadLetterSummary readDeadSummary(BytesIn<?> in, long position) {
        byte kind = in.readByte();
        if (kind != DEAD) {
            throw new JournalException("dead-letter record " + position + " is not a dead letter (kind " + kind + ")");
        }
        long deadAt = in.readLong();
        String error = readString(in);
        int attempts = (int) in.readStopBit();
        String id = readEntryId(in);
        long receivedAt = in.readLong();
        String method = readString(in);
        String path = readString(in);
        return new DeadLetterSummary(position, id, method, path, receivedAt, error, attempts, deadAt);
    }

    /** Reads a whole {@code dead} record. */
    static DeadLetter readDead(BytesIn<?> in, long position) {
        byte kind = in.readByte();
        if (kind != DEAD) {
            throw new JournalException("dead-letter record " + position + " is not a dead letter (kind " + kind + ")");
        }
        long deadAt = in.readLong();
        String error = readString(in);
        int attempts = (int) in.readStopBit();
        return new DeadLetter(position, readEntry(in), error, attempts, deadAt);
    }

    /** The version and explicit id at the start of an entry (a dead letter's), leaving the read position after the id. */
    private static String readEntryId(BytesIn<?> in) {
        if (checkVersion(in.readByte()) == LEGACY_ENTRY_VERSION) {
            return readString(in);
        }
        byte idKind = in.readByte();
        if (idKind != EXPLICIT_ID) {
            throw new JournalException("a dead letter's entry has no explicit id (id kind " + idKind + ")");
        }
        return readString(in);
    }

    static void writeState(
            BytesOut<?> out,
            String id,
            InvocationState state,
            long now,
            int attempts,
            int statusCode,
            CallbackState callback,
            String error,
            String contentType,
            byte[] result) {
        out.writeByte(STATE);
        writeString(out, id);
        out.writeByte((byte) state.ordinal());
        out.writeLong(now);
        out.writeStopBit(attempts);
        out.writeStopBit(statusCode);
        out.writeByte((byte) callback.ordinal());
        writeString(out, error);
        writeString(out, contentType);
        byte[] r = result != null ? result : new byte[0];
        out.writeStopBit(r.length);
        out.write(r);
    }

    static void writeCallback(BytesOut<?> out, String id, long now, CallbackState callback, CallbackFailure failure) {
        out.writeByte(CALLBACK);
        writeString(out, id);
        out.writeLong(now);
        out.writeByte((byte) callback.ordinal());
        out.writeByte((byte) failure.ordinal());
    }

    /** Reads the kind of a status journal record: {@link #STATE} or {@link #CALLBACK}. */
    static byte readStatusKind(BytesIn<?> in) {
        byte kind = in.readByte();
        if (kind != STATE && kind != CALLBACK) {
            throw new JournalException("unknown status record kind " + kind + " (this build writes 'S' and 'C')");
        }
        return kind;
    }

    /**
     * Reads a {@code state} record after its kind byte. Without {@code withResult}, the content type
     * and result are not read (null).
     */
    static StatusRecord readState(BytesIn<?> in, boolean withResult) {
        String id = readString(in);
        InvocationState state = ordinal(InvocationState.values(), in.readByte(), "state");
        long at = in.readLong();
        int attempts = (int) in.readStopBit();
        int statusCode = (int) in.readStopBit();
        CallbackState callback = ordinal(CallbackState.values(), in.readByte(), "callback state");
        String error = readString(in);
        if (!withResult) {
            return new StatusRecord(id, state, at, attempts, statusCode, null, null, error, callback);
        }
        String contentType = readString(in);
        return new StatusRecord(id, state, at, attempts, statusCode, contentType, readBytes(in), error, callback);
    }

    /** A {@code callback} record: the callback of {@code id} finished as {@code state}, for {@code failure} when FAILED. */
    record CallbackRecord(String id, long atMillis, CallbackState state, CallbackFailure failure) {}

    /** Reads a {@code callback} record after its kind byte. */
    static CallbackRecord readCallback(BytesIn<?> in) {
        String id = readString(in);
        long at = in.readLong();
        CallbackState state = ordinal(CallbackState.values(), in.readByte(), "callback state");
        CallbackFailure failure =
                in.readRemaining() > 0 ? CallbackFailure.ofOrdinal(in.readUnsignedByte()) : CallbackFailure.NONE;
        return new CallbackRecord(id, at, state, failure);
    }

    private static <E extends Enum<E>> E ordinal(E[] values, byte b, String what) {
        if (b < 0 || b >= values.length) {
            throw new JournalException("corrupt status record: " + what + " " + b);
        }
        return values[b];
    }

    private static void writeMap(BytesOut<?> out, Map<String, String> map) {
        out.writeStopBit(map.size());
        for (Map.Entry<String, String> kv : map.entrySet()) {
            writeString(out, kv.getKey());
            writeString(out, kv.getValue());
        }
    }

    /**
     * Fields as an event has them: a {@code String}, or a {@code List} of values (anything else as its
     * text). Returns whether a list was written.
     */
    private static boolean writeFields(BytesOut<?> out, Map<String, ?> fields) {
        out.writeStopBit(fields.size());
        boolean lists = false;
        for (Map.Entry<String, ?> kv : fields.entrySet()) {
            writeString(out, kv.getKey());
            Object v = kv.getValue();
            if (v == null || v instanceof String) { // first: an exact class check, cheaper than one for an interface
                writeString(out, (String) v);
            } else if (v instanceof List<?> values) {
                lists = true;
                out.writeStopBit(LIST);
                out.writeStopBit(values.size());
                for (Object value : values) {
                    writeString(out, String.valueOf(value));
                }
            } else {
                writeString(out, String.valueOf(v));
            }
        }
        return lists;
    }

    /** Reads the values of a field written as a list, after its {@link #LIST} marker. */
    private static List<String> readList(BytesIn<?> in) {
        long n = in.readStopBit();
        if (n < 0 || n > in.readRemaining()) {
            throw new JournalException("corrupt record: " + n + " values with " + in.readRemaining() + " bytes left");
        }
        String[] values = new String[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = readString(in);
        }
        return List.of(values);
    }

    /** A string as a stop-bit byte length (-1: null) and its UTF-8 bytes. */
    static void writeString(BytesOut<?> out, String s) {
        if (s == null) {
            out.writeStopBit(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeStopBit(b.length);
        out.write(b);
    }

    /** Reads what {@link #writeString} wrote. */
    static String readString(BytesIn<?> in) {
        return readString(in, in.readStopBit());
    }

    /** Reads what {@link #writeString} wrote, whose length ({@code -1}: null) was read already. */
    private static String readString(BytesIn<?> in, long length) {
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.readRemaining()) {
            throw new JournalException(
                    "corrupt record: string length " + length + " with " + in.readRemaining() + " bytes left");
        }
        byte[] b = new byte[(int) length];
        in.read(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Passes over what {@link #writeString} wrote. */
    private static void skipString(BytesIn<?> in) {
        long length = in.readStopBit();
        if (length == -1) {
            return;
        }
        if (length < 0 || length > in.readRemaining()) {
            throw new JournalException(
                    "corrupt record: string length " + length + " with " + in.readRemaining() + " bytes left");
        }
        in.readSkip(length);
    }

    private static byte[] readBytes(BytesIn<?> in) {
        long length = in.readStopBit();
        if (length < 0 || length > in.readRemaining()) {
            throw new JournalException(
                    "corrupt record: length " + length + " with " + in.readRemaining() + " bytes left");
        }
        byte[] b = new byte[(int) length];
        in.read(b);
        return b;
    }
}
