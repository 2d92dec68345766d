package io.nucleon.runtime.external;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The wrapper protocol's constants and the decoding of one frame's payload (see {@code docs/protocol.md}).
 * Every check a peer's bytes must pass lives here, so the fuzz test can aim at one place: whatever
 * the input, decoding ends in a value or a {@link ProtocolException}, never another exception.
 */
final class Protocol {
    static final int VERSION = 1;

    static final byte HELLO = 0x01;
    static final byte INIT_FAILED = 0x02;
    static final byte STOP = 0x03;
    static final byte DOORBELL = 0x04;
    static final byte EVENT = 0x10;
    static final byte RESPONSE = 0x11;
    static final byte ERROR = 0x12;
    static final byte LOG = 0x20;
    static final byte METRIC = 0x21;

    /** Bytes before a frame's type: the u32 length. */
    static final int LENGTH_BYTES = 4;
    /** An EVENT or RESPONSE payload starts with {@code seq} (u64) and {@code metaLength} (u32). */
    static final int SEQ_META_BYTES = 12;

    private Protocol() {
    }

    /** Whether frames of {@code type} may be skipped by a receiver that does not know them. */
    static boolean ignorable(int type) {
        return type >= 0x40 && type <= 0x7f;
    }

    /**
     * Checks a frame length read from a peer.
     *
     * @throws ProtocolException when it is 0 or larger than {@code maxFrame}
     */
    static int checkLength(long length, int maxFrame) throws ProtocolException {
        if (length < 1) {
            throw new ProtocolException("frame length 0: a frame carries at least its type byte");
        }
        if (length > maxFrame) {
            throw new ProtocolException("frame length " + length + " exceeds the limit of " + maxFrame
                    + " bytes (runtimeAttributes.maxFrameSize)");
        }
        return (int) length;
    }

    /** One decoded frame from a wrapper. */
    sealed interface Message permits Hello, InitFailed, Answer, Failure, Log, Metric, Doorbell, Skipped {
    }

    /** {@code HELLO}: the JSON as text (parsed by the caller, which checks the version). */
    record Hello(String json) implements Message {
    }

    record InitFailed(String json) implements Message {
    }

    /** {@code RESPONSE}: meta JSON text and the body bytes. */
    record Answer(long seq, String metaJson, byte[] body) implements Message {
    }

    /** {@code ERROR}: the handler failed. */
    record Failure(long seq, String json) implements Message {
    }

    record Log(String json) implements Message {
    }

    record Metric(String json) implements Message {
    }

    record Doorbell() implements Message {
    }

    /** An ignorable frame type this processor does not know. */
    record Skipped(int type) implements Message {
    }

    static final Doorbell DOORBELL_MESSAGE = new Doorbell();

    /**
     * Decodes a frame sent by a wrapper: {@code frame} holds the type byte and the payload (the
     * length already stripped and checked), from its position to its limit.
     */
    static Message decode(ByteBuffer frame) throws ProtocolException {
        frame.order(ByteOrder.LITTLE_ENDIAN);
        if (!frame.hasRemaining()) {
            throw new ProtocolException("empty frame");
        }
        int type = frame.get() & 0xff;
        switch (type) {
            case HELLO:
                return new Hello(text(frame));
            case INIT_FAILED:
                return new InitFailed(text(frame));
            case DOORBELL:
                if (frame.hasRemaining()) {
                    throw new ProtocolException("DOORBELL frame with a " + frame.remaining() + "-byte payload; it has none");
                }
                return DOORBELL_MESSAGE;
            case RESPONSE: {
                if (frame.remaining() < SEQ_META_BYTES) {
                    throw new ProtocolException("RESPONSE frame of " + frame.remaining() + " payload bytes; at least 12 expected");
                }
                long seq = frame.getLong();
                long metaLength = frame.getInt() & 0xffffffffL;
                if (metaLength > frame.remaining()) {
                    throw new ProtocolException("RESPONSE metaLength " + metaLength + " exceeds the "
                            + frame.remaining() + " bytes left in the frame");
                }
                String meta = utf8(frame, (int) metaLength);
                byte[] body = new byte[frame.remaining()];
                frame.get(body);
                return new Answer(seq, meta, body);
            }
            case ERROR: {
                if (frame.remaining() < 8) {
                    throw new ProtocolException("ERROR frame of " + frame.remaining() + " payload bytes; at least 8 expected");
                }
                long seq = frame.getLong();
                return new Failure(seq, text(frame));
            }
            case LOG:
                return new Log(text(frame));
            case METRIC:
                return new Metric(text(frame));
            default:
                if (ignorable(type)) {
                    return new Skipped(type);
                }
                throw new ProtocolException(String.format("unknown frame type 0x%02x", type));
        }
    }

    private static String text(ByteBuffer b) throws ProtocolException {
        return utf8(b, b.remaining());
    }

    private static String utf8(ByteBuffer b, int length) throws ProtocolException {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().decode(b.slice().limit(length)).toString();
            b.position(b.position() + length);
            return s;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ProtocolException("a text field is not valid UTF-8");
        }
    }

    /** A peer broke the protocol: the channel is closed and the wrapper restarted. */
    static final class ProtocolException extends Exception {
        ProtocolException(String message) {
            super(message);
        }
    }
}
