package io.nucleon.runtime.external.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.MetaCodec;
import io.nucleon.runtime.external.protocol.Protocol;
import io.nucleon.runtime.external.protocol.ProtocolException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutation fuzzing of everything that reads a wrapper's bytes: the frame decoder, the socket framer
 * and the ring consumer. Each runs for a bounded time ({@code -Dnucleon.fuzz.seconds}, default 4 s
 * each) from valid frames mutated at random; whatever the bytes, reading must end in a message, a
 * {@link ProtocolException} or an end of stream, never another exception and never a hang.
 * A failure prints the seed and the input, so it can be replayed. (It found one: a garbage tail
 * with a pad marker at the ring's start once sent the ring consumer round the ring for ever.)
 */
class ProtocolFuzzTest {
    static final long SECONDS = Long.getLong("nucleon.fuzz.seconds", 4);
    static final int MAX_FRAME = 1 << 20;

    @TempDir
    Path dir;

    /** Valid frames (type and payload, no length) of every type a wrapper sends. */
    static List<byte[]> seeds() {
        List<byte[]> s = new ArrayList<>();
        s.add(frame(Protocol.HELLO, json("{\"protocol\":1,\"wrapper\":\"nucleon-python\"}")));
        s.add(frame(Protocol.INIT_FAILED, json("{\"message\":\"boom\",\"traceback\":\"line 1\"}")));
        s.add(frame(Protocol.DOORBELL, new byte[0]));
        s.add(frame(
                Protocol.RESPONSE,
                answer(7, "{\"status\":201,\"contentType\":\"text/plain\",\"headers\":{\"a\":\"b\"}}", "hello")));
        s.add(frame(Protocol.RESPONSE, answer(1, "{}", "")));
        s.add(frame(Protocol.RESPONSE, answer(2, "", "\u00e9\u0000binary")));
        s.add(frame(Protocol.ERROR, concat(le64(3), json("{\"message\":\"x\",\"type\":\"ValueError\"}"))));
        s.add(frame(Protocol.LOG, json("{\"level\":\"info\",\"message\":\"m\",\"with\":{\"k\":1,\"n\":[1,2]}}")));
        s.add(frame(Protocol.METRIC, json("{\"name\":\"hits\",\"value\":2}")));
        s.add(frame((byte) 0x55, json("ignorable")));
        return s;
    }

    @Test
    @Timeout(
            value = 120,
            threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang in a reader fails the test, not the build
    void theFrameDecoderOnlyEverReturnsAMessageOrAProtocolError() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        List<byte[]> seeds = seeds();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        long runs = 0;
        while (System.nanoTime() < end) {
            byte[] input = mutate(seeds.get(r.nextInt(seeds.size())), r);
            try {
                Message m = Protocol.decode(ByteBuffer.wrap(input));
                if (m instanceof Message.Answer a) {
                    MetaCodec.response(a.metaJson(), a.body());
                }
            } catch (ProtocolException expected) {
                // a clear error: fine
            } catch (Throwable t) {
                fail(
                        "decoding threw " + t + " (seed " + seed + ") for input "
                                + HexFormat.of().formatHex(input),
                        t);
            }
            runs++;
        }
        assertTrue(runs > 1000, "only " + runs + " inputs in " + SECONDS + " s");
    }

    @Test
    @Timeout(
            value = 120,
            threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang in a reader fails the test, not the build
    void theSocketFramerNeverHangsOrThrowsAnythingElse() throws Exception {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        List<byte[]> seeds = seeds();
        Path socket = dir.resolve("fuzz.sock");
        ExecutorService reader = Executors.newSingleThreadExecutor();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        long runs = 0;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            while (System.nanoTime() < end) {
                // a stream of a few frames, some of them mutated (length fields included), then the end
                ByteBuffer stream = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                int frames = 1 + r.nextInt(4);
                for (int i = 0; i < frames; i++) {
                    byte[] f = seeds.get(r.nextInt(seeds.size()));
                    if (r.nextBoolean()) {
                        f = mutate(f, r);
                    }
                    if (stream.remaining() < f.length + 8) {
                        break;
                    }
                    stream.putInt(r.nextInt(8) == 0 ? lengthMutation(f.length, r) : f.length)
                            .put(f);
                }
                if (r.nextInt(4) == 0 && stream.position() > 0) {
                    stream.position(r.nextInt(stream.position())); // cut mid-frame
                }
                stream.flip();
                byte[] bytes = new byte[stream.remaining()];
                stream.get(bytes);
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                        SocketChannel accepted = server.accept()) {
                    SocketTransport transport = new SocketTransport(accepted, MAX_FRAME);
                    Future<?> reading = reader.submit(() -> {
                        while (true) {
                            try {
                                transport.receive();
                            } catch (ProtocolException | IOException expected) {
                                return null;
                            }
                        }
                    });
                    client.write(ByteBuffer.wrap(bytes));
                    client.shutdownOutput();
                    try {
                        reading.get(5, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        fail("the framer hung (seed " + seed + ") on "
                                + HexFormat.of().formatHex(bytes));
                    } catch (java.util.concurrent.ExecutionException e) {
                        fail(
                                "the framer threw " + e.getCause() + " (seed " + seed + ") on "
                                        + HexFormat.of().formatHex(bytes),
                                e.getCause());
                    }
                }
                runs++;
            }
        } finally {
            reader.shutdownNow();
        }
        assertTrue(runs > 100, "only " + runs + " streams in " + SECONDS + " s");
    }

    @SuppressWarnings("try") // the resource is held for its effect, not used
    @Test
    @Timeout(
            value = 120,
            threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang in a reader fails the test, not the build
    void theRingConsumerNeverReadsOutOfBoundsOrThrowsAnythingElse() throws Exception {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        List<byte[]> seeds = seeds();
        int capacity = 64 << 10;
        Path socket = dir.resolve("ring.sock");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        long runs = 0;
        try (ShmRings rings = ShmRings.create(dir.resolve("ring"), capacity);
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            ShmRings.Ring in = rings.fromWrapper;
            while (System.nanoTime() < end) {
                // records written as a producer would, some mutated, starting anywhere in the ring
                long start = r.nextInt(capacity / 8) * 8L + (r.nextBoolean() ? 0 : (long) capacity * r.nextInt(1000));
                long pos = start;
                int records = 1 + r.nextInt(6);
                for (int i = 0; i < records; i++) {
                    byte[] f = seeds.get(r.nextInt(seeds.size()));
                    if (r.nextBoolean()) {
                        f = mutate(f, r);
                    }
                    int need = ShmRings.recordBytes(f.length);
                    int at = (int) (pos & (capacity - 1));
                    if (at + need > capacity) {
                        in.putIntAt(at + Protocol.LENGTH_OFFSET, ShmRings.PAD);
                        pos += capacity - at;
                        at = 0;
                    }
                    in.putIntAt(
                            at + Protocol.LENGTH_OFFSET, r.nextInt(8) == 0 ? lengthMutation(f.length, r) : f.length);
                    in.memory().put(in.index(at + Protocol.TYPE_OFFSET), f);
                    pos += need;
                }
                long tail = r.nextInt(6) == 0 ? start + r.nextInt(capacity + 1) : pos;
                in.headRelease(start);
                in.tailRelease(tail);
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                        SocketChannel accepted = server.accept()) {
                    client.close(); // an empty ring then ends in end-of-stream rather than a wait
                    ShmTransport transport =
                            new ShmTransport(new SocketTransport(accepted, MAX_FRAME), rings, 0, MAX_FRAME);
                    for (int i = 0; i < 100; i++) {
                        try {
                            transport.receive();
                        } catch (ProtocolException | IOException expected) {
                            break;
                        } catch (Throwable t) {
                            fail("the ring consumer threw " + t + " (seed " + seed + ")", t);
                        }
                    }
                }
                runs++;
            }
        }
        assertTrue(runs > 100, "only " + runs + " rings in " + SECONDS + " s");
    }

    // ---- inputs ---------------------------------------------------------------------------------

    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(7)) {
                case 0 -> { // flip a bit
                    if (b.length > 0) {
                        int at = r.nextInt(b.length);
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> { // a random byte
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                }
                case 2 -> b = java.util.Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length)); // truncate
                case 3 -> { // append random bytes
                    byte[] extra = new byte[1 + r.nextInt(16)];
                    r.nextBytes(extra);
                    b = concat(b, extra);
                }
                case 4 -> { // a boundary value into the metaLength / seq area
                    if (b.length >= Protocol.META_OFFSET - Protocol.LENGTH_BYTES) { // frames here start at their type
                        ByteBuffer.wrap(b)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(
                                        Protocol.META_LENGTH_OFFSET - Protocol.LENGTH_BYTES,
                                        lengthMutation(b.length, r));
                    }
                }
                case 5 -> { // a different type byte
                    if (b.length > 0) {
                        b[0] = (byte) r.nextInt(256);
                    }
                }
                default -> { // invalid UTF-8 / JSON noise
                    if (b.length > 1) {
                        b[1 + r.nextInt(b.length - 1)] = (byte) (0x80 | r.nextInt(0x80));
                    }
                }
            }
        }
        return b;
    }

    static int lengthMutation(int length, Random r) {
        int[] choices = {
            0,
            1,
            -1,
            Integer.MAX_VALUE,
            Integer.MIN_VALUE,
            length + 1,
            length - 1,
            length * 2,
            MAX_FRAME + 1,
            r.nextInt()
        };
        return choices[r.nextInt(choices.length)];
    }

    static byte[] frame(byte type, byte[] payload) {
        return concat(new byte[] {type}, payload);
    }

    static byte[] answer(long seq, String meta, String body) {
        byte[] m = json(meta);
        ByteBuffer b = ByteBuffer.allocate(Protocol.SEQ_META_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(seq)
                .putInt(m.length);
        return concat(concat(b.array(), m), body.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(Protocol.SEQ_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(v)
                .array();
    }

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
