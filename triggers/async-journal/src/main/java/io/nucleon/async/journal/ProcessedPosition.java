package io.nucleon.async.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * The durable "processed up to" position: the input-journal index of the last entry such that it
 * and every entry before it are done. One small file ({@code processed.pos}) with two 32-byte slots
 * written alternately, each {@code magic:i32 seq:i64 value:i64 crc:i32}; the valid slot with the
 * higher sequence wins at open, so a torn write leaves the previous value readable. The file is
 * memory-mapped: a store is a few memory writes into the page cache (no system call, and it
 * survives the process being killed); with {@code sync} it is also forced to disk (survives power
 * loss).
 */
final class ProcessedPosition implements Closeable {

    static final long NONE = -1L;
    private static final int MAGIC = 0x4E4A5031; // "NJP1"
    private static final int SLOT = 32;

    private final Path file;
    private final FileChannel channel;
    private final boolean sync;
    private final MappedByteBuffer map;
    private final ByteBuffer scratch = ByteBuffer.allocate(SLOT);
    private long seq;
    private volatile long value;

    private ProcessedPosition(Path file, FileChannel channel, boolean sync, long seq, long value) throws IOException {
        this.file = file;
        this.channel = channel;
        this.map = channel.map(FileChannel.MapMode.READ_WRITE, 0, 2L * SLOT);
        this.sync = sync;
        this.seq = seq;
        this.value = value;
    }

    static ProcessedPosition open(Path file, boolean sync) throws IOException {
        FileChannel ch =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long bestSeq = -1;
        long bestValue = NONE;
        ByteBuffer b = ByteBuffer.allocate(SLOT);
        for (int slot = 0; slot < 2; slot++) {
            b.clear();
            int n = ch.read(b, (long) slot * SLOT);
            if (n < 24) {
                continue;
            }
            b.flip();
            int magic = b.getInt(0);
            long s = b.getLong(4);
            long v = b.getLong(12);
            int crc = b.getInt(20);
            if (magic == MAGIC && crc == crc(b) && s > bestSeq) {
                bestSeq = s;
                bestValue = v;
            }
        }
        try {
            if (ch.size() < 2L * SLOT) {
                // allocate the blocks now: a store into a mapped hole on a full disk would be a SIGBUS
                ByteBuffer zeros = ByteBuffer.allocate((int) (2L * SLOT - ch.size()));
                long at = ch.size();
                while (zeros.hasRemaining()) {
                    at += ch.write(zeros, at);
                }
                ch.force(true);
            }
            return new ProcessedPosition(file, ch, sync, Math.max(bestSeq, 0), bestValue);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    long get() {
        return value;
    }

    /** Stores {@code index} unless an equal or higher value is already stored. */
    synchronized void advanceTo(long index) {
        if (index <= value) {
            return;
        }
        seq++;
        scratch.clear();
        scratch.putInt(0, MAGIC).putLong(4, seq).putLong(12, index);
        scratch.putInt(20, crc(scratch));
        int at = (int) (seq & 1) * SLOT;
        map.put(at, scratch.array(), 0, 24);
        if (sync) {
            map.force();
        }
        value = index;
    }

    private static int crc(ByteBuffer b) {
        CRC32 crc = new CRC32();
        crc.update(b.array(), b.arrayOffset(), 20);
        return (int) crc.getValue();
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
