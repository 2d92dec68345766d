package io.nucleon.trigger.async;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * The durable "processed up to" position: the input-journal index of the last entry such that it
 * and every entry before it are done. One small file ({@code processed.pos}) with two 32-byte slots
 * written alternately, each {@code magic:i32 seq:i64 value:i64 crc:i32}; the valid slot with the
 * higher sequence wins at open, so a torn write leaves the previous value readable. Each store is
 * one positional write (in the page cache, so it survives the process being killed); with
 * {@code sync} it is also forced to disk (survives power loss).
 */
final class ProcessedPosition implements Closeable {

    static final long NONE = -1L;
    private static final int MAGIC = 0x4E4A5031; // "NJP1"
    private static final int SLOT = 32;

    private final Path file;
    private final FileChannel channel;
    private final boolean sync;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(SLOT);
    private long seq;
    private volatile long value;

    private ProcessedPosition(Path file, FileChannel channel, boolean sync, long seq, long value) {
        this.file = file;
        this.channel = channel;
        this.sync = sync;
        this.seq = seq;
        this.value = value;
    }

    static ProcessedPosition open(Path file, boolean sync) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
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
        return new ProcessedPosition(file, ch, sync, Math.max(bestSeq, 0), bestValue);
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
        buffer.clear();
        buffer.putInt(0, MAGIC).putLong(4, seq).putLong(12, index);
        buffer.putInt(20, crc(buffer));
        buffer.limit(SLOT);
        try {
            long at = (seq & 1) * SLOT;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
            if (sync) {
                channel.force(false);
            }
        } catch (IOException e) {
            throw new JournalException("could not store the processed position in " + file + ": " + e, e);
        }
        value = index;
    }

    private static int crc(ByteBuffer b) {
        CRC32 crc = new CRC32();
        for (int i = 0; i < 20; i++) {
            crc.update(b.get(i));
        }
        return (int) crc.getValue();
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
