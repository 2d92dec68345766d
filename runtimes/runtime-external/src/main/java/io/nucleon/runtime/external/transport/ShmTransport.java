package io.nucleon.runtime.external.transport;

import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.Protocol;
import io.nucleon.runtime.external.protocol.ProtocolException;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * Frames over the shared-memory rings, with the socket kept for doorbells and for frames too large
 * for a ring ({@code docs/protocol.md} section 5). Waiting for the wrapper spins for
 * {@code spinNanos}, then announces sleep in ring B and blocks reading the socket, so an idle worker
 * costs no CPU. A frame is stored as a record in {@link Protocol}'s layout, exactly as on the socket.
 */
public final class ShmTransport implements Transport {
    /** How long a wait spins before it starts yielding the core. */
    private static final long PURE_SPIN_NANOS = 5_000;

    private final SocketTransport socket;
    private final ShmRings rings;
    private final ShmRings.Ring out;
    private final ShmRings.Ring in;
    private final long spinNanos;
    private final int maxFrame;
    private long outTail;
    private long inHead;
    /** A frame read from the socket while the ring still had frames: handled after the ring is drained. */
    private Message pending;
    /** Between {@link #hold()} and {@link #flush()}: the doorbell waits for the flush. */
    private boolean holding;
    /** A record was published while holding: the flush looks at the sleeping flag. */
    private boolean unrung;

    private volatile boolean closed;

    /**
     * Frames in {@code rings}, with {@code socket} (after the handshake) for doorbells and large frames.
     * {@code spinNanos}: how long {@link #receive} waits on the ring before it sleeps on the socket.
     * The rings stay mapped until their owner closes them, once no thread uses this transport.
     */
    public ShmTransport(SocketTransport socket, ShmRings rings, long spinNanos, int maxFrame) {
        this.socket = socket;
        this.rings = rings;
        this.out = rings.toWrapper;
        this.in = rings.fromWrapper;
        this.spinNanos = spinNanos;
        this.maxFrame = maxFrame;
        this.outTail = out.tailAcquire();
        this.inHead = in.headAcquire();
    }

    @Override
    public String name() {
        return SHM;
    }

    @Override
    public void sendEvent(long seq, byte[] meta, int metaLength, byte[] body) throws IOException {
        long length = Protocol.eventFrameLength(metaLength, body.length);
        if (length > rings.maxRingFrame()) {
            socket.sendEvent(seq, meta, metaLength, body); // every earlier frame is already published
            return;
        }
        int record = out.index(claim((int) length));
        ByteBuffer memory = out.memory();
        int metaAt = Protocol.putEventHead(memory, record, seq, metaLength);
        memory.put(metaAt, meta, 0, metaLength);
        memory.put(metaAt + metaLength, body);
        publish(record, (int) length);
    }

    @Override
    public void sendEventBatch(long batchSeq, int count, byte[] items, int length) throws IOException {
        long frameLength = Protocol.TYPE_BYTES + Protocol.SEQ_META_BYTES + (long) length;
        if (frameLength > rings.maxRingFrame()) {
            socket.sendEventBatch(batchSeq, count, items, length); // every earlier frame is already published
            return;
        }
        int record = out.index(claim((int) frameLength));
        ByteBuffer memory = out.memory();
        int itemsAt = Protocol.putBatchHead(memory, record, batchSeq, count);
        memory.put(itemsAt, items, 0, length);
        publish(record, (int) frameLength);
    }

    @Override
    public void sendBindingResult(long callId, byte[] meta, int metaLength, byte[] body) throws IOException {
        long length = Protocol.eventFrameLength(metaLength, body.length); // the same layout as an EVENT
        if (length > rings.maxRingFrame()) {
            socket.sendBindingResult(callId, meta, metaLength, body); // every earlier frame is already published
            return;
        }
        int record = out.index(claim((int) length));
        ByteBuffer memory = out.memory();
        int metaAt = Protocol.putBindingResultHead(memory, record, callId, metaLength);
        memory.put(metaAt, meta, 0, metaLength);
        memory.put(metaAt + metaLength, body);
        publish(record, (int) length);
    }

    @Override
    public void sendStop() throws IOException {
        int record = out.index(claim(Protocol.TYPE_BYTES));
        publish(record, Protocol.putEmpty(out.memory(), record, Protocol.STOP));
    }

    /** Waits for room for a record of {@code length} frame bytes, writes a pad marker if needed, returns its index. */
    private int claim(int length) throws IOException {
        int need = ShmRings.recordBytes(length);
        int capacity = rings.capacity;
        int at = (int) (outTail & out.mask);
        int pad = at + need > capacity ? capacity - at : 0;
        int spins = 0;
        while (capacity - (outTail - out.headAcquire()) < pad + need) {
            if (closed) {
                throw new IOException("the connection to the wrapper is closed");
            }
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(50_000);
            }
        }
        if (pad > 0) {
            out.putIntAt(at + Protocol.LENGTH_OFFSET, ShmRings.PAD);
            outTail += pad;
            at = 0;
        }
        return at;
    }

    /** Writes the length of the record at index {@code record} (last, as docs/protocol.md says), then moves the tail past it. */
    private void publish(int record, int length) throws IOException {
        Protocol.putLength(out.memory(), record, length);
        outTail += ShmRings.recordBytes(length);
        out.tailRelease(outTail);
        if (holding) {
            unrung = true; // one look at the sleeping flag at the flush
            return;
        }
        ring();
    }

    /** After a publish: rings the doorbell if the wrapper announced sleep. */
    private void ring() throws IOException {
        VarHandle.fullFence(); // publish, then look at the sleeping flag: one half of the Dekker pair
        if (out.sleepingVolatile() != 0) {
            socket.sendEmpty(Protocol.DOORBELL);
        }
    }

    @Override
    public void hold() {
        holding = true;
    }

    @Override
    public void flush() throws IOException {
        holding = false;
        if (unrung) {
            unrung = false;
            ring();
        }
    }

    @Override
    public Message receive(Runnable beforeWait) throws IOException, ProtocolException {
        while (true) {
            Message m = poll();
            if (m != null) {
                return m;
            }
            if (pending != null) {
                m = pending;
                pending = null;
                return m;
            }
            if (spin()) {
                continue;
            }
            if (beforeWait != null) {
                beforeWait.run();
                beforeWait = null;
                continue; // that took time: look at the ring again before sleeping
            }
            in.sleeping(1);
            VarHandle.fullFence(); // announce sleep, then look again: the other half of the pair
            if (in.tailAcquire() != inHead) {
                in.sleeping(0);
                continue;
            }
            Message fromSocket;
            try {
                fromSocket = socket.receive();
            } finally {
                in.sleeping(0);
            }
            if (!(fromSocket instanceof Message.Doorbell)) {
                pending = fromSocket; // handled once the ring's earlier frames are
            }
        }
    }

    /**
     * Waits for the ring to have a frame: spins for {@link #PURE_SPIN_NANOS} (an answer already on its
     * way), then yields until the spin time is up, so that a wrapper sharing this core gets to run.
     * True when a frame came, false when it is time to sleep.
     */
    private boolean spin() {
        long start = System.nanoTime();
        int i = 0;
        while (true) {
            if (in.tailAcquire() != inHead) {
                return true;
            }
            if ((++i & 15) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long waited = System.nanoTime() - start;
            if (waited > spinNanos) {
                return false;
            }
            if (waited > PURE_SPIN_NANOS) {
                Thread.yield();
            }
        }
    }

    /** The ring's next frame, or {@code null} when it is empty. */
    private Message poll() throws ProtocolException {
        while (true) {
            long tail = in.tailAcquire();
            if (tail == inHead) {
                return null;
            }
            long available = tail - inHead;
            if (available < 0 || available > rings.capacity) {
                throw new ProtocolException("ring tail " + tail + " is not within one ring of the head " + inHead);
            }
            int at = (int) (inHead & in.mask);
            int rawLength = in.intAt(at + Protocol.LENGTH_OFFSET);
            if (rawLength == ShmRings.PAD) {
                if (rings.capacity - at > available) {
                    throw new ProtocolException("a pad marker at " + at + " runs past the published tail");
                }
                inHead += rings.capacity - at;
                in.headRelease(inHead);
                continue;
            }
            int length = Protocol.checkLength(rawLength & 0xffffffffL, Math.min(maxFrame, rings.maxRingFrame()));
            long consumed = ShmRings.recordBytes(length);
            if (at + consumed > rings.capacity || inHead + consumed > tail) {
                throw new ProtocolException("ring record of " + length + " bytes at " + at + " runs past the "
                        + (at + consumed > rings.capacity ? "end of the ring" : "published tail"));
            }
            Message m = Protocol.decode(in.slice(at + Protocol.TYPE_OFFSET, length));
            inHead += consumed;
            in.headRelease(inHead);
            return m;
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        // The mapping is released by the rings' owner once the worker no longer uses this transport.
    }
}
