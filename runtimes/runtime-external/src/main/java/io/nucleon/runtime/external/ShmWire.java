package io.nucleon.runtime.external;

import io.nucleon.runtime.external.Protocol.Message;
import io.nucleon.runtime.external.Protocol.ProtocolException;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Frames over the shared-memory rings, with the socket kept for doorbells and for frames too large
 * for a ring ({@code docs/protocol.md} section 5). Waiting for the wrapper spins for
 * {@code spinNanos}, then announces sleep in ring B and blocks reading the socket, so an idle worker
 * costs no CPU.
 */
final class ShmWire implements Wire {
    /** How long a wait spins before it starts yielding the core. */
    private static final long PURE_SPIN_NANOS = 5_000;
    private final SocketWire socket;
    private final ShmRings rings;
    private final ShmRings.Ring out;
    private final ShmRings.Ring in;
    private final long spinNanos;
    private final int maxFrame;
    private long outTail;
    private long inHead;
    /** A frame read from the socket while the ring still had frames: handled after the ring is drained. */
    private Message pending;
    private volatile boolean closed;

    ShmWire(SocketWire socket, ShmRings rings, long spinNanos, int maxFrame) {
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
    public String transport() {
        return "shm";
    }

    @Override
    public void sendEvent(long seq, byte[] meta, int metaLength, byte[] body) throws IOException {
        long length = 1L + Protocol.SEQ_META_BYTES + metaLength + body.length;
        if (length > rings.maxRingFrame()) {
            socket.sendEvent(seq, meta, metaLength, body); // every earlier frame is already published
            return;
        }
        int at = claim((int) length);
        out.putByte(at + 4, Protocol.EVENT);
        out.putLongAt(at + 5, seq);  // unaligned puts are fine: only the header fields need atomicity
        out.putIntAt(at + 13, metaLength);
        out.putBytes(at + 17, meta, 0, metaLength);
        out.putBytes(at + 17 + metaLength, body, 0, body.length);
        publish(at, (int) length);
    }

    @Override
    public void sendStop() throws IOException {
        int at = claim(1);
        out.putByte(at + 4, Protocol.STOP);
        publish(at, 1);
    }

    /** Waits for room for a record of {@code length} frame bytes, writes a pad marker if needed, returns its index. */
    private int claim(int length) throws IOException {
        int need = ShmRings.align8(Protocol.LENGTH_BYTES + (long) length);
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
            out.putIntAt(at, ShmRings.PAD);
            outTail += pad;
            at = 0;
        }
        return at;
    }

    private void publish(int at, int length) throws IOException {
        out.putIntAt(at, length);
        outTail += ShmRings.align8(Protocol.LENGTH_BYTES + (long) length);
        out.tailRelease(outTail);
        VarHandle.fullFence(); // publish, then look at the sleeping flag: one half of the Dekker pair
        if (out.sleepingVolatile() != 0) {
            socket.sendEmpty(Protocol.DOORBELL);
        }
    }

    @Override
    public Message receive() throws IOException, ProtocolException {
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
            if (!(fromSocket instanceof Protocol.Doorbell)) {
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
            int rawLength = in.intAt(at);
            if (rawLength == ShmRings.PAD) {
                if (rings.capacity - at > available) {
                    throw new ProtocolException("a pad marker at " + at + " runs past the published tail");
                }
                inHead += rings.capacity - at;
                in.headRelease(inHead);
                continue;
            }
            int length = Protocol.checkLength(rawLength & 0xffffffffL, Math.min(maxFrame, rings.maxRingFrame()));
            long consumed = ShmRings.align8(Protocol.LENGTH_BYTES + (long) length);
            if (at + consumed > rings.capacity || inHead + consumed > tail) {
                throw new ProtocolException("ring record of " + length + " bytes at " + at + " runs past the "
                        + (at + consumed > rings.capacity ? "end of the ring" : "published tail"));
            }
            Message m = Protocol.decode(in.slice(at + 4, length));
            inHead += consumed;
            in.headRelease(inHead);
            return m;
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        // The mapping is released by the owner once the worker no longer uses this wire.
    }

    /** Releases the mapping; only when no thread can be inside {@link #receive} or a send. */
    void unmap() {
        rings.close();
    }
}
