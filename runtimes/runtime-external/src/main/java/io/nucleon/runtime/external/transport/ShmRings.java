package io.nucleon.runtime.external.transport;

import io.nucleon.runtime.external.protocol.Protocol;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The shared-memory file of one wrapper: ring A (processor to wrapper) and ring B (wrapper to
 * processor), laid out as {@code docs/protocol.md} section 5 says. Positions and flags are accessed
 * through byte-buffer view var handles, which give single aligned 8/4-byte accesses with
 * acquire/release or volatile semantics on the mapped memory. What goes into a ring's data area is
 * {@link ShmTransport}'s business: frame records in {@link Protocol}'s layout.
 */
public final class ShmRings implements AutoCloseable {
    static final int HEADER = 256;
    static final int MAGIC = 0x5243554E; // "NUCR" little-endian
    static final int LAYOUT_VERSION = 1;
    static final int PAD = 0xFFFFFFFF;
    private static final int OFF_MAGIC = 0;
    private static final int OFF_VERSION = 4;
    private static final int OFF_CAPACITY = 8;
    private static final int OFF_HEAD = 64;
    private static final int OFF_TAIL = 128;
    private static final int OFF_SLEEPING = 192;

    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    final int capacity;
    private final MappedByteBuffer map;
    final Ring toWrapper;
    final Ring fromWrapper;

    private ShmRings(Path file, int capacity, MappedByteBuffer map) {
        this.file = file;
        this.capacity = capacity;
        this.map = map;
        this.toWrapper = new Ring(0);
        this.fromWrapper = new Ring(HEADER + capacity);
    }

    /** Creates {@code file} (mode 0600, failing if it exists), sizes it and initialises both rings. */
    public static ShmRings create(Path file, int capacity) throws IOException {
        if (Integer.bitCount(capacity) != 1 || capacity < (64 << 10) || capacity > (1 << 30)) {
            throw new IllegalArgumentException(
                    "ring capacity must be a power of two from 64 KiB to 1 GiB, got " + capacity);
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        long size = 2L * (HEADER + capacity);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size); // grows the file to size
            map.order(ByteOrder.LITTLE_ENDIAN);
            for (int base : new int[] {0, HEADER + capacity}) {
                map.putInt(base + OFF_MAGIC, MAGIC);
                map.putInt(base + OFF_VERSION, LAYOUT_VERSION);
                map.putLong(base + OFF_CAPACITY, capacity);
                map.putLong(base + OFF_HEAD, 0L);
                map.putLong(base + OFF_TAIL, 0L);
                map.putInt(base + OFF_SLEEPING, 0);
            }
            VarHandle.fullFence();
            return new ShmRings(file, capacity, map);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** The shared-memory file, for the wrapper to map ({@code NUCLEON_SHM_FILE}). */
    public Path file() {
        return file;
    }

    /** The largest frame (type and payload) a ring takes; larger ones go over the socket. */
    int maxRingFrame() {
        return capacity / 2 - Protocol.LENGTH_BYTES;
    }

    /** The bytes a frame of {@code frameLength} takes in a ring: its length field and the frame, rounded up to 8. */
    static int recordBytes(long frameLength) {
        return align8(Protocol.LENGTH_BYTES + frameLength);
    }

    static int align8(long n) {
        return (int) ((n + 7) & ~7L);
    }

    /** Unmaps the file; only once no thread uses the rings any more. */
    @Override
    public void close() {
        Unmapper.unmap(map);
    }

    /** One ring: a view of its header and data area in the shared mapping. */
    final class Ring {
        final int base;
        final int data;
        final int mask;

        Ring(int base) {
            this.base = base;
            this.data = base + HEADER;
            this.mask = capacity - 1;
        }

        long headAcquire() {
            return (long) LONG.getAcquire(map, base + OFF_HEAD);
        }

        void headRelease(long v) {
            LONG.setRelease(map, base + OFF_HEAD, v);
        }

        long tailAcquire() {
            return (long) LONG.getAcquire(map, base + OFF_TAIL);
        }

        void tailRelease(long v) {
            LONG.setRelease(map, base + OFF_TAIL, v);
        }

        int sleepingVolatile() {
            return (int) INT.getVolatile(map, base + OFF_SLEEPING);
        }

        void sleeping(int v) {
            INT.setVolatile(map, base + OFF_SLEEPING, v);
        }

        /** The shared mapping, little-endian; data position {@code at} is at index {@link #index index(at)}. */
        ByteBuffer memory() {
            return map;
        }

        /** The index in {@link #memory} of data position {@code at}. */
        int index(int at) {
            return data + at;
        }

        /** The u32 at data position {@code at}. */
        int intAt(int at) {
            return map.getInt(data + at);
        }

        void putIntAt(int at, int v) {
            map.putInt(data + at, v);
        }

        /** A little-endian view of {@code length} bytes at data position {@code at}. */
        ByteBuffer slice(int at, int length) {
            return map.slice(data + at, length).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Releases a mapping now rather than at garbage collection, where the JDK allows it. */
    static final class Unmapper {
        private static final java.lang.invoke.MethodHandle INVOKE_CLEANER = find();

        private static java.lang.invoke.MethodHandle find() {
            try {
                Class<?> unsafe = Class.forName("sun.misc.Unsafe");
                java.lang.reflect.Field f = unsafe.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                Object u = f.get(null);
                return MethodHandles.lookup()
                        .findVirtual(
                                unsafe,
                                "invokeCleaner",
                                java.lang.invoke.MethodType.methodType(void.class, ByteBuffer.class))
                        .bindTo(u);
            } catch (Throwable t) {
                return null; // the mapping goes with the garbage collector instead
            }
        }

        static void unmap(MappedByteBuffer b) {
            if (INVOKE_CLEANER != null) {
                try {
                    INVOKE_CLEANER.invoke(b);
                } catch (Throwable ignored) {
                    // left to the garbage collector
                }
            }
        }
    }
}
