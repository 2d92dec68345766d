package io.nucleon.runtime.external.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.Protocol;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both transports carry the same frames: what the processor sends is the same record, byte for byte,
 * on the socket and in a ring, laid out as {@link Protocol} says; what a wrapper sends decodes the
 * same from either. The wrapper's side is played here over a real Unix socket and a real
 * shared-memory file, reading and writing as {@code docs/protocol.md} tells a wrapper to.
 */
class TransportsTest {
    static final int MAX_FRAME = 1 << 20;
    static final int RING = 64 << 10;

    @TempDir
    Path dir;

    ServerSocketChannel server;
    /** The processor's ends, and the wrapper's ends, of two connections: one for each transport. */
    SocketChannel udsWrapper;

    SocketChannel shmWrapper;
    SocketTransport uds;
    ShmRings rings;
    ShmTransport shm;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("t.sock")));
        udsWrapper = SocketChannel.open(server.getLocalAddress());
        uds = new SocketTransport(server.accept(), MAX_FRAME);
        shmWrapper = SocketChannel.open(server.getLocalAddress());
        rings = ShmRings.create(dir.resolve("rings"), RING);
        shm = new ShmTransport(new SocketTransport(server.accept(), MAX_FRAME), rings, 0, MAX_FRAME);
    }

    @AfterEach
    void close() throws IOException {
        uds.close();
        shm.close();
        rings.close();
        udsWrapper.close();
        shmWrapper.close();
        server.close();
    }

    @Test
    void anEventIsTheSameRecordOnTheSocketAndInTheRing() throws Exception {
        Random random = new Random(12);
        long seq = 0;
        // enough frames to wrap the ring (pad markers), and one over half a ring (it goes over the socket)
        for (int bodyLength : new int[] {0, 1, 100, 7, 5000, 20_000, 20_000, 20_000, 40_000, 3, 0}) {
            byte[] meta = ("{\"id\":\"e" + seq + "\",\"path\":\"/é\"}").getBytes(StandardCharsets.UTF_8);
            byte[] padded = Arrays.copyOf(meta, meta.length + 9); // the codec's buffer is longer than its content
            byte[] body = new byte[bodyLength];
            random.nextBytes(body);
            seq++;
            uds.sendEvent(seq, padded, meta.length, body);
            shm.sendEvent(seq, padded, meta.length, body);
            byte[] onTheSocket = recordFromSocket(udsWrapper);
            byte[] inTheRing = recordFromRingOrSocket();
            assertArrayEquals(onTheSocket, inTheRing, "event " + seq + " with " + bodyLength + " body bytes");

            ByteBuffer r = ByteBuffer.wrap(onTheSocket).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(Protocol.eventFrameLength(meta.length, body.length), r.getInt(Protocol.LENGTH_OFFSET));
            assertEquals(Protocol.EVENT, r.get(Protocol.TYPE_OFFSET));
            assertEquals(seq, r.getLong(Protocol.SEQ_OFFSET));
            assertEquals(meta.length, r.getInt(Protocol.META_LENGTH_OFFSET));
            assertArrayEquals(
                    meta, Arrays.copyOfRange(onTheSocket, Protocol.META_OFFSET, Protocol.META_OFFSET + meta.length));
            assertArrayEquals(
                    body, Arrays.copyOfRange(onTheSocket, Protocol.META_OFFSET + meta.length, onTheSocket.length));
        }
        uds.sendStop();
        shm.sendStop();
        byte[] stop = recordFromSocket(udsWrapper);
        assertArrayEquals(new byte[] {1, 0, 0, 0, Protocol.STOP}, stop);
        assertArrayEquals(stop, recordFromRingOrSocket());
    }

    @Test
    void aWrappersFrameDecodesTheSameFromTheSocketAndFromTheRing() throws Exception {
        Random random = new Random(34);
        for (int i = 0; i < 40; i++) {
            byte[] meta = ("{\"status\":" + (200 + i) + ",\"headers\":{\"x\":\"" + i + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[i == 39 ? 40_000 : random.nextInt(9000)]; // the last one is too large for a ring
            random.nextBytes(body);
            byte[] frame = response(i + 1, meta, body);
            write(udsWrapper, frame);
            if (frame.length > rings.maxRingFrame()) {
                write(shmWrapper, frame);
            } else {
                publishInRing(frame);
            }
            Message.Answer fromSocket = assertInstanceOf(Message.Answer.class, uds.receive());
            Message.Answer fromRing = assertInstanceOf(Message.Answer.class, shm.receive());
            for (Message.Answer a : new Message.Answer[] {fromSocket, fromRing}) {
                assertEquals(i + 1, a.seq());
                assertEquals(new String(meta, StandardCharsets.UTF_8), a.metaJson());
                assertArrayEquals(body, a.body());
            }
        }
        assertTrue(rings.fromWrapper.tailAcquire() > RING, "the ring wrapped round");
    }

    // ---- the wrapper's side -----------------------------------------------------------------------

    /** A RESPONSE frame (type and payload) as a wrapper builds it. */
    static byte[] response(long seq, byte[] meta, byte[] body) {
        return ByteBuffer.allocate(Protocol.TYPE_BYTES + Protocol.SEQ_META_BYTES + meta.length + body.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .put(Protocol.RESPONSE)
                .putLong(seq)
                .putInt(meta.length)
                .put(meta)
                .put(body)
                .array();
    }

    static void write(SocketChannel channel, byte[] frame) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Protocol.LENGTH_BYTES + frame.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(frame.length)
                .put(frame)
                .flip();
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** The next record (length and frame) on a socket. */
    static byte[] recordFromSocket(SocketChannel channel) throws IOException {
        ByteBuffer length = readFully(channel, Protocol.LENGTH_BYTES);
        int n = length.getInt(0);
        ByteBuffer frame = readFully(channel, n);
        return ByteBuffer.allocate(Protocol.LENGTH_BYTES + n)
                .put(length.array())
                .put(frame.array())
                .array();
    }

    static ByteBuffer readFully(SocketChannel channel, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("end of stream");
            }
        }
        return b;
    }

    /** The next record of ring A, consumed as a wrapper does; from the socket when the ring is empty. */
    byte[] recordFromRingOrSocket() throws IOException {
        ShmRings.Ring a = rings.toWrapper;
        while (true) {
            long head = a.headAcquire();
            if (a.tailAcquire() == head) {
                return recordFromSocket(shmWrapper); // a frame too large for the ring
            }
            int at = (int) (head & a.mask);
            int length = a.intAt(at + Protocol.LENGTH_OFFSET);
            if (length == ShmRings.PAD) {
                a.headRelease(head + RING - at);
                continue;
            }
            ByteBuffer record = a.slice(at, Protocol.LENGTH_BYTES + length);
            byte[] bytes = new byte[record.remaining()];
            record.get(bytes);
            a.headRelease(head + ShmRings.recordBytes(length));
            return bytes;
        }
    }

    /** Publishes a frame in ring B as a wrapper does (the processor's side is never asleep here: no doorbell). */
    void publishInRing(byte[] frame) {
        ShmRings.Ring b = rings.fromWrapper;
        long tail = b.tailAcquire();
        int need = ShmRings.recordBytes(frame.length);
        int at = (int) (tail & b.mask);
        if (at + need > RING) {
            b.putIntAt(at + Protocol.LENGTH_OFFSET, ShmRings.PAD);
            tail += RING - at;
            at = 0;
        }
        assertTrue(RING - (tail - b.headAcquire()) >= need, "the processor keeps up: one frame in the ring at a time");
        b.memory().put(b.index(at + Protocol.TYPE_OFFSET), frame);
        b.putIntAt(at + Protocol.LENGTH_OFFSET, frame.length);
        b.tailRelease(tail + need);
    }
}
