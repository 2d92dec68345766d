package io.nucleon.async.journal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import net.openhft.chronicle.queue.RollCycle;

/**
 * Where the final status of an accepted call (one with an id derived from its input index, see
 * {@link EventIds}) sits in the status journal, kept on disk instead of on the heap: for each input
 * cycle a file {@code status-index/<cycle>.sidx} holds one 8-byte slot per sequence number of that
 * cycle, {@code (statusIndex + 1) | callbackState << 56 | callbackFailure << 58} (0: no final status
 * yet; the failure, an ordinal of {@link CallbackFailure}, is 0 in files written before it existed). The files are
 * memory-mapped in segments of {@value #SEGMENT_SLOTS} slots (1 MiB) as they are reached, each
 * written with zeros first so that its blocks exist (no SIGBUS on a full disk); a store is one
 * memory write (kept by the page cache when the process is killed).
 *
 * <p>So a status query costs a read of the mapping and one status-journal read, and the heap holds
 * nothing per finished call, however many calls finish within {@code resultRetention}. Files whose
 * last write is older than {@code resultRetention} are deleted by {@link #purge}. Thread-safe.
 */
final class StatusIndex implements AutoCloseable {
    static final String DIRECTORY = "status-index";
    private static final String SUFFIX = ".sidx";
    static final int SEGMENT_SLOTS = 1 << 17; // 1 MiB of slots per mapping
    private static final int MAX_MAPPED = 64;
    private static final long INDEX_MASK = (1L << 56) - 1;
    private static final VarHandle SLOT = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final Path dir;
    private final RollCycle rollCycle;
    /** Mapped segments by (cycle, segment), least recently used first. */
    private final LinkedHashMap<Long, MappedByteBuffer> mapped = new LinkedHashMap<>(16, 0.75f, true);

    private boolean closed;

    StatusIndex(Path dir, RollCycle rollCycle) throws IOException {
        this.dir = dir;
        this.rollCycle = rollCycle;
        ChronicleFiles.prepareDirectory(dir);
    }

    /** Records that the call at {@code inputIndex} has its final status at {@code statusIndex}. */
    void put(long inputIndex, long statusIndex, CallbackState callback) {
        if (statusIndex < 0 || statusIndex >= INDEX_MASK) {
            throw new JournalException("status index " + statusIndex + " does not fit the status index file");
        }
        SLOT.setRelease(
                segment(inputIndex, true), offset(inputIndex), (statusIndex + 1) | (long) callback.ordinal() << 56);
    }

    /** Updates the callback state of a call whose final status is recorded; nothing when it is not. */
    void setCallback(long inputIndex, CallbackState callback, CallbackFailure failure) {
        MappedByteBuffer b = segment(inputIndex, true);
        int at = offset(inputIndex);
        long v = (long) SLOT.getAcquire(b, at);
        if (v != 0) {
            SLOT.setRelease(b, at, (v & INDEX_MASK) | (long) callback.ordinal() << 56 | (long) failure.ordinal() << 58);
        }
    }

    /** The status-journal index of the call's final status, or -1 when none is recorded. */
    long statusIndex(long inputIndex) {
        long v = read(inputIndex);
        return v == 0 ? -1 : (v & INDEX_MASK) - 1;
    }

    /** The callback state recorded with the call's final status (NONE when none is recorded). */
    CallbackState callback(long inputIndex) {
        long v = read(inputIndex);
        return v == 0 ? CallbackState.NONE : CallbackState.values()[(int) (v >>> 56) & 3];
    }

    /** Why the call's callback failed, as recorded with it (NONE when it did not, or none is recorded). */
    CallbackFailure callbackFailure(long inputIndex) {
        long v = read(inputIndex);
        return v == 0 ? CallbackFailure.NONE : CallbackFailure.ofOrdinal((int) (v >>> 58));
    }

    private long read(long inputIndex) {
        MappedByteBuffer b = segment(inputIndex, false);
        return b == null ? 0 : (long) SLOT.getAcquire(b, offset(inputIndex));
    }

    private static int offset(long inputIndex) {
        return (int) (inputIndex & (SEGMENT_SLOTS - 1)) * Long.BYTES;
    }

    /** The mapped segment holding {@code inputIndex}'s slot; with {@code create} false, null when its file does not exist. */
    private synchronized MappedByteBuffer segment(long inputIndex, boolean create) {
        if (closed) {
            throw new JournalUnavailableException("the status index in " + dir + " is closed");
        }
        int cycle = rollCycle.toCycle(inputIndex);
        long seq = rollCycle.toSequenceNumber(inputIndex);
        long segment = seq / SEGMENT_SLOTS;
        long key = (long) cycle << 32 | segment;
        MappedByteBuffer b = mapped.get(key);
        if (b != null) {
            return b;
        }
        Path file = dir.resolve(cycle + SUFFIX);
        if (!create && !Files.exists(file)) {
            return null;
        }
        try (FileChannel ch = create
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long start = segment * SEGMENT_SLOTS * Long.BYTES;
            long end = start + (long) SEGMENT_SLOTS * Long.BYTES;
            if (create) {
                allocate(ch, start, end);
            }
            b = ch.map(FileChannel.MapMode.READ_WRITE, start, end - start); // the mapping outlives the channel
        } catch (IOException e) {
            throw new JournalUnavailableException("could not map the status index file " + file + ": " + e, e);
        }
        mapped.put(key, b);
        if (mapped.size() > MAX_MAPPED) {
            Long eldest = mapped.keySet().iterator().next();
            mapped.remove(eldest); // unmapped when collected
        }
        return b;
    }

    /**
     * Writes zeros over {@code [start, end)} where the file has no data yet, so that the blocks are
     * allocated now: a store into a mapped hole on a full disk would kill the process (SIGBUS),
     * whereas this write fails with an error (and the status is recorded again after a restart).
     */
    private static void allocate(FileChannel ch, long start, long end) throws IOException {
        long from = Math.max(start, ch.size());
        if (from >= end) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate(64 << 10);
        for (long at = from; at < end; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), end - at));
            at += ch.write(zeros, at);
        }
    }

    /** Deletes the files last written before {@code before} (epoch millis); returns them. */
    synchronized List<Path> purge(long before) {
        List<Path> deleted = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path f : files) {
                if (Files.getLastModifiedTime(f).toMillis() < before) {
                    String name = f.getFileName().toString();
                    long cycle = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
                    mapped.keySet().removeIf(k -> (k >>> 32) == cycle);
                    Files.deleteIfExists(f);
                    deleted.add(f);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new JournalException("could not purge the status index in " + dir + ": " + e, e);
        }
        return deleted;
    }

    @Override
    public synchronized void close() {
        closed = true;
        mapped.clear();
    }
}
