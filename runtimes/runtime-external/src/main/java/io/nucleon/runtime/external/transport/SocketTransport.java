package io.nucleon.runtime.external.transport;

import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.Protocol;
import io.nucleon.runtime.external.protocol.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * Frames over a Unix domain socket. Reads are buffered (a small response arrives in one read call);
 * a frame that fits the output buffer is written in one call, a larger one by a gathering write.
 * Also the side channel of {@link ShmTransport}: its doorbells and its frames too large for a ring.
 */
public final class SocketTransport implements Transport {
    private static final int OUT_CAPACITY = 64 << 10;
    private static final int IN_INITIAL = 64 << 10;

    private final SocketChannel channel;
    private final int maxFrame;
    private final ByteBuffer out = ByteBuffer.allocateDirect(OUT_CAPACITY).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer header =
            ByteBuffer.allocateDirect(Protocol.META_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
    /** What {@link #receive(Runnable)} runs before its first blocking read; the receiving thread only. */
    private Runnable beforeWait;
    /** Between {@link #hold()} and {@link #flush()}: frames gather in {@link #out}. */
    private boolean holding;
    /** Bytes of whole frames gathered in {@link #out}, not yet written. */
    private int held;
    /** Bytes read and not yet handed out, between position and limit (read mode). */
    private ByteBuffer in =
            ByteBuffer.allocate(IN_INITIAL).order(ByteOrder.LITTLE_ENDIAN).limit(0);

    /** Frames over {@code channel} (connected, blocking); frames longer than {@code maxFrame} from the peer are a protocol error. */
    public SocketTransport(SocketChannel channel, int maxFrame) {
        this.channel = channel;
        this.maxFrame = maxFrame;
    }

    @Override
    public String name() {
        return UDS;
    }

    @Override
    public void sendEvent(long seq, byte[] meta, int metaLength, byte[] body) throws IOException {
        int length = (int) Protocol.eventFrameLength(metaLength, body.length);
        int total = Protocol.LENGTH_BYTES + length;
        if (total <= OUT_CAPACITY) {
            if (held + total > OUT_CAPACITY) {
                writeHeld();
            }
            int base = held;
            int at = Protocol.putEventHead(out, base, seq, metaLength);
            out.put(at, meta, 0, metaLength).put(at + metaLength, body);
            Protocol.putLength(out, base, length);
            held += total;
            if (!holding) {
                writeHeld();
            }
        } else {
            writeHeld(); // in order
            header.clear();
            Protocol.putEventHead(header, 0, seq, metaLength);
            Protocol.putLength(header, 0, length);
            ByteBuffer[] parts = {header, ByteBuffer.wrap(meta, 0, metaLength), ByteBuffer.wrap(body)};
            long left = total;
            while (left > 0) {
                left -= channel.write(parts);
            }
        }
    }

    @Override
    public void sendStop() throws IOException {
        sendEmpty(Protocol.STOP);
    }

    @Override
    public void hold() {
        holding = true;
    }

    @Override
    public void flush() throws IOException {
        holding = false;
        writeHeld();
    }

    /** Writes the frames gathered in {@link #out}, in one call when the socket takes them. */
    private void writeHeld() throws IOException {
        if (held > 0) {
            out.limit(held).position(0);
            held = 0;
            writeFully(out);
            out.clear();
        }
    }

    @Override
    public void sendEventBatch(long batchSeq, int count, byte[] items, int length) throws IOException {
        writeHeld(); // in order
        int frameLength = Protocol.TYPE_BYTES + Protocol.SEQ_META_BYTES + length;
        header.clear();
        Protocol.putBatchHead(header, 0, batchSeq, count);
        Protocol.putLength(header, 0, frameLength);
        ByteBuffer[] parts = {header, ByteBuffer.wrap(items, 0, length)};
        long left = Protocol.LENGTH_BYTES + (long) frameLength;
        while (left > 0) {
            left -= channel.write(parts);
        }
    }

    @Override
    public void sendBindingResult(long callId, byte[] meta, int metaLength, byte[] body) throws IOException {
        writeHeld(); // in order
        int length = (int) Protocol.eventFrameLength(metaLength, body.length); // the same layout as an EVENT
        header.clear();
        Protocol.putBindingResultHead(header, 0, callId, metaLength);
        Protocol.putLength(header, 0, length);
        ByteBuffer[] parts = {header, ByteBuffer.wrap(meta, 0, metaLength), ByteBuffer.wrap(body)};
        long left = Protocol.LENGTH_BYTES + (long) length;
        while (left > 0) {
            left -= channel.write(parts);
        }
    }

    /** Sends a frame with no payload (STOP, DOORBELL). */
    void sendEmpty(byte type) throws IOException {
        writeHeld(); // in order
        header.clear();
        Protocol.putLength(header, 0, Protocol.putEmpty(header, 0, type));
        header.limit(Protocol.LENGTH_BYTES + Protocol.TYPE_BYTES);
        writeFully(header);
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    @Override
    public Message receive(Runnable beforeWait) throws IOException, ProtocolException {
        this.beforeWait = beforeWait;
        try {
            return Protocol.decode(nextFrame());
        } finally {
            this.beforeWait = null;
        }
    }

    /**
     * The next frame's type and payload, as a buffer valid until the next call.
     */
    ByteBuffer nextFrame() throws IOException, ProtocolException {
        fill(Protocol.LENGTH_BYTES);
        int length = Protocol.checkLength(in.getInt() & 0xffffffffL, maxFrame);
        fill(length);
        ByteBuffer frame = in.slice().limit(length);
        in.position(in.position() + length);
        return frame;
    }

    /** Makes at least {@code n} bytes available in {@code in}, reading as many as the socket has. */
    private void fill(int n) throws IOException {
        if (in.remaining() >= n) {
            return;
        }
        if (in.capacity() < n) {
            ByteBuffer bigger =
                    ByteBuffer.allocate(Math.max(n, in.capacity() * 2)).order(ByteOrder.LITTLE_ENDIAN);
            bigger.put(in);
            in = bigger;
        } else if (in.capacity() > IN_INITIAL && n <= IN_INITIAL && in.remaining() <= IN_INITIAL) {
            ByteBuffer smaller =
                    ByteBuffer.allocate(IN_INITIAL).order(ByteOrder.LITTLE_ENDIAN); // give back a large frame's buffer
            smaller.put(in);
            in = smaller;
        } else {
            in.compact();
        }
        // write mode now
        Runnable wait = beforeWait;
        if (wait != null) {
            beforeWait = null;
            wait.run();
        }
        while (in.position() < n) {
            if (channel.read(in) < 0) {
                in.flip();
                throw new EOFException("the wrapper closed its connection");
            }
        }
        in.flip();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
