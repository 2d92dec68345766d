package io.nucleon.runtime.external.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The wrapper protocol's constants, the layout of a frame, the writing of the frames the processor
 * sends and the decoding of those a wrapper sends ({@code docs/protocol.md} sections 2 and 3). Both
 * transports write and read frames only through these offsets and methods, so the layout has one
 * source of truth. Every check a peer's bytes must pass lives here too, so the fuzz test can aim at
 * one place: whatever the input, {@link #decode} ends in a {@link Message} or a
 * {@link ProtocolException}, never another exception. Stateless and thread-safe.
 *
 * <pre>
 * a frame, as a record on the socket or in a ring (all integers little-endian):
 *
 *  offset 0        4      5        13            17              17 + metaLength
 *         | length | type | seq    | metaLength  | meta (JSON)   | body ...        EVENT, RESPONSE
 *         | u32    | u8   | u64    | u32         |               |
 *          `length` counts the bytes after itself: type and payload
 * </pre>
 */
public final class Protocol {
    /** The protocol version this processor speaks (the wrapper's {@code HELLO} must say the same). */
    public static final int VERSION = 1;

    /** W → P: the wrapper has loaded the handler; JSON with its protocol version. */
    public static final byte HELLO = 0x01;
    /** W → P: loading the handler or its init hook failed; JSON with the message and traceback. */
    public static final byte INIT_FAILED = 0x02;
    /** P → W: finish the event in flight, then exit; no payload. */
    public static final byte STOP = 0x03;
    /** Both ways, socket only ({@code shm}): look at the ring; no payload. */
    public static final byte DOORBELL = 0x04;
    /** P → W: an event: {@code seq}, {@code metaLength}, meta JSON, body. */
    public static final byte EVENT = 0x10;
    /** W → P: the answer to an event: {@code seq}, {@code metaLength}, meta JSON, body. */
    public static final byte RESPONSE = 0x11;
    /** W → P: the handler failed: {@code seq}, then JSON with the message, type and traceback. */
    public static final byte ERROR = 0x12;
    /** P → W: the answer to a BINDING_CALL: {@code callId}, {@code metaLength}, meta JSON, body. */
    public static final byte BINDING_RESULT = 0x13;
    /** P → W: several events at once: {@code batchSeq}, {@code count}, then per event its lengths, meta and body. */
    public static final byte EVENT_BATCH = 0x14;
    /** W → P: the answers to an EVENT_BATCH, one per event in its order: {@code batchSeq}, {@code count}, items. */
    public static final byte RESPONSE_BATCH = 0x15;
    /** W → P: a call of the handler's logger; JSON. */
    public static final byte LOG = 0x20;
    /** W → P: an increment of one of the handler's counters; JSON. */
    public static final byte METRIC = 0x21;
    /** W → P: the handler calls a data binding: {@code callId}, {@code metaLength}, meta JSON, body. */
    public static final byte BINDING_CALL = 0x22;

    /** Bytes of a frame's {@code length} field (u32), which comes first. */
    public static final int LENGTH_BYTES = 4;
    /** Bytes of a frame's {@code type} field (u8), right after the length. */
    public static final int TYPE_BYTES = 1;
    /** Bytes of {@code seq} (u64), the first payload field of EVENT, RESPONSE and ERROR. */
    public static final int SEQ_BYTES = 8;
    /** Bytes of {@code metaLength} (u32), after {@code seq} in EVENT and RESPONSE. */
    public static final int META_LENGTH_BYTES = 4;
    /** An EVENT or RESPONSE payload starts with {@code seq} and {@code metaLength}. */
    public static final int SEQ_META_BYTES = SEQ_BYTES + META_LENGTH_BYTES;

    /** Where the {@code length} field is, from the start of a frame record. */
    public static final int LENGTH_OFFSET = 0;
    /** Where the {@code type} field is, from the start of a frame record. */
    public static final int TYPE_OFFSET = LENGTH_OFFSET + LENGTH_BYTES;
    /** Where {@code seq} is in an EVENT, RESPONSE or ERROR record. */
    public static final int SEQ_OFFSET = TYPE_OFFSET + TYPE_BYTES;
    /** Where {@code metaLength} is in an EVENT or RESPONSE record. */
    public static final int META_LENGTH_OFFSET = SEQ_OFFSET + SEQ_BYTES;
    /** Where the meta JSON starts in an EVENT or RESPONSE record: the bytes of its fixed fields. */
    public static final int META_OFFSET = META_LENGTH_OFFSET + META_LENGTH_BYTES;

    private Protocol() {}

    /** The {@code length} of an EVENT frame (type and payload) with {@code metaLength} meta bytes and {@code bodyLength} body bytes. */
    public static long eventFrameLength(int metaLength, int bodyLength) {
        return (long) TYPE_BYTES + SEQ_META_BYTES + metaLength + bodyLength;
    }

    /**
     * Writes the fixed fields of an EVENT record that starts at index {@code record} of {@code b}
     * (little-endian, its limit past the record): the type, {@code seq} and {@code metaLength}, not
     * the length (see {@link #putLength}). Absolute writes: the buffer's position is left alone.
     *
     * @return the index where the meta JSON goes; the body follows it
     */
    public static int putEventHead(ByteBuffer b, int record, long seq, int metaLength) {
        b.put(record + TYPE_OFFSET, EVENT);
        b.putLong(record + SEQ_OFFSET, seq); // unaligned in a ring: fine, only the ring's positions need atomicity
        b.putInt(record + META_LENGTH_OFFSET, metaLength);
        return record + META_OFFSET;
    }

    /**
     * Writes the fixed fields of a BINDING_RESULT record at index {@code record} of {@code b}, as
     * {@link #putEventHead} does for an EVENT (the two share their layout).
     *
     * @return the index where the meta JSON goes; the body follows it
     */
    public static int putBindingResultHead(ByteBuffer b, int record, long callId, int metaLength) {
        b.put(record + TYPE_OFFSET, BINDING_RESULT);
        b.putLong(record + SEQ_OFFSET, callId);
        b.putInt(record + META_LENGTH_OFFSET, metaLength);
        return record + META_OFFSET;
    }

    /**
     * Writes the fixed fields of an EVENT_BATCH record at index {@code record} of {@code b}: the type,
     * {@code batchSeq} and {@code count}; the items follow at the returned index.
     */
    public static int putBatchHead(ByteBuffer b, int record, long batchSeq, int count) {
        b.put(record + TYPE_OFFSET, EVENT_BATCH);
        b.putLong(record + SEQ_OFFSET, batchSeq);
        b.putInt(record + META_LENGTH_OFFSET, count);
        return record + META_OFFSET;
    }

    /**
     * Writes the type of a frame without payload (STOP, DOORBELL) at index {@code record} of {@code b}.
     *
     * @return the frame's {@code length}, for {@link #putLength}
     */
    public static int putEmpty(ByteBuffer b, int record, byte type) {
        b.put(record + TYPE_OFFSET, type);
        return TYPE_BYTES;
    }

    /** Writes the {@code length} field of the record at index {@code record}; a ring's producer writes it last. */
    public static void putLength(ByteBuffer b, int record, int frameLength) {
        b.putInt(record + LENGTH_OFFSET, frameLength);
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
    public static int checkLength(long length, int maxFrame) throws ProtocolException {
        if (length < TYPE_BYTES) {
            throw new ProtocolException("frame length 0: a frame carries at least its type byte");
        }
        if (length > maxFrame) {
            throw new ProtocolException("frame length " + length + " exceeds the limit of " + maxFrame
                    + " bytes (runtimeAttributes.maxFrameSize)");
        }
        return (int) length;
    }

    /**
     * Decodes a frame sent by a wrapper: {@code frame} holds the type byte and the payload (the
     * length already stripped and checked), from its position to its limit.
     */
    public static Message decode(ByteBuffer frame) throws ProtocolException {
        frame.order(ByteOrder.LITTLE_ENDIAN);
        if (!frame.hasRemaining()) {
            throw new ProtocolException("empty frame");
        }
        int type = frame.get() & 0xff;
        switch (type) {
            case HELLO:
                return new Message.Hello(text(frame));
            case INIT_FAILED:
                return new Message.InitFailed(text(frame));
            case DOORBELL:
                if (frame.hasRemaining()) {
                    throw new ProtocolException(
                            "DOORBELL frame with a " + frame.remaining() + "-byte payload; it has none");
                }
                return Message.DOORBELL;
            case RESPONSE: {
                if (frame.remaining() < SEQ_META_BYTES) {
                    throw new ProtocolException("RESPONSE frame of " + frame.remaining() + " payload bytes; at least "
                            + SEQ_META_BYTES + " expected");
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
                return new Message.Answer(seq, meta, body);
            }
            case ERROR: {
                if (frame.remaining() < SEQ_BYTES) {
                    throw new ProtocolException("ERROR frame of " + frame.remaining() + " payload bytes; at least "
                            + SEQ_BYTES + " expected");
                }
                long seq = frame.getLong();
                return new Message.Failure(seq, text(frame));
            }
            case BINDING_CALL: {
                if (frame.remaining() < SEQ_META_BYTES) {
                    throw new ProtocolException("BINDING_CALL frame of " + frame.remaining()
                            + " payload bytes; at least " + SEQ_META_BYTES + " expected");
                }
                long callId = frame.getLong();
                long metaLength = frame.getInt() & 0xffffffffL;
                if (metaLength > frame.remaining()) {
                    throw new ProtocolException("BINDING_CALL metaLength " + metaLength + " exceeds the "
                            + frame.remaining() + " bytes left in the frame");
                }
                String meta = utf8(frame, (int) metaLength);
                byte[] body = new byte[frame.remaining()];
                frame.get(body);
                return new Message.BindingCall(callId, meta, body);
            }
            case RESPONSE_BATCH: {
                if (frame.remaining() < SEQ_META_BYTES) {
                    throw new ProtocolException("RESPONSE_BATCH frame of " + frame.remaining()
                            + " payload bytes; at least " + SEQ_META_BYTES + " expected");
                }
                long seq = frame.getLong();
                long count = frame.getInt() & 0xffffffffL;
                if (count > frame.remaining() / 8) {
                    throw new ProtocolException("RESPONSE_BATCH count " + count + " does not fit in the "
                            + frame.remaining() + " bytes left in the frame");
                }
                java.util.List<Message.Answer> items = new java.util.ArrayList<>((int) count);
                for (int i = 0; i < count; i++) {
                    if (frame.remaining() < 8) {
                        throw new ProtocolException("RESPONSE_BATCH item " + i + " runs past the frame");
                    }
                    long metaLength = frame.getInt() & 0xffffffffL;
                    long bodyLength = frame.getInt() & 0xffffffffL;
                    if (metaLength + bodyLength > frame.remaining()) {
                        throw new ProtocolException("RESPONSE_BATCH item " + i + " of " + (metaLength + bodyLength)
                                + " bytes exceeds the " + frame.remaining() + " bytes left in the frame");
                    }
                    String meta = utf8(frame, (int) metaLength);
                    byte[] body = new byte[(int) bodyLength];
                    frame.get(body);
                    items.add(new Message.Answer(seq, meta, body));
                }
                if (frame.hasRemaining()) {
                    throw new ProtocolException(
                            "RESPONSE_BATCH has " + frame.remaining() + " bytes after its " + count + " items");
                }
                return new Message.BatchAnswer(seq, items);
            }
            case LOG:
                return new Message.Log(text(frame));
            case METRIC:
                return new Message.Metric(text(frame));
            default:
                if (ignorable(type)) {
                    return new Message.Skipped(type);
                }
                throw new ProtocolException(String.format("unknown frame type 0x%02x", type));
        }
    }

    private static String text(ByteBuffer b) throws ProtocolException {
        return utf8(b, b.remaining());
    }

    private static String utf8(ByteBuffer b, int length) throws ProtocolException {
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(b.slice().limit(length))
                    .toString();
            b.position(b.position() + length);
            return s;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ProtocolException("a text field is not valid UTF-8");
        }
    }
}
