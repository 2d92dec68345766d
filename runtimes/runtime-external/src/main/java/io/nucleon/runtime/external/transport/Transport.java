package io.nucleon.runtime.external.transport;

import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.ProtocolException;
import java.io.Closeable;
import java.io.IOException;

/**
 * One wrapper's connection: sends the processor's frames and receives the wrapper's, in the layout
 * of {@link io.nucleon.runtime.external.protocol.Protocol}. Used by one thread at a time (the
 * worker), except {@link #close}, which any thread may call to break a blocked {@link #receive}.
 */
public interface Transport extends Closeable {
    /** {@code runtimeAttributes.transport} of {@link SocketTransport}: frames over a Unix domain socket. */
    String UDS = "uds";
    /** {@code runtimeAttributes.transport} of {@link ShmTransport}: frames in shared-memory rings. */
    String SHM = "shm";

    /** Sends an EVENT frame: {@code meta[0, metaLength)} then {@code body}. */
    void sendEvent(long seq, byte[] meta, int metaLength, byte[] body) throws IOException;

    /** Sends a BINDING_RESULT frame: {@code meta[0, metaLength)} then {@code body}. */
    void sendBindingResult(long callId, byte[] meta, int metaLength, byte[] body) throws IOException;

    /** Sends an EVENT_BATCH frame: {@code count}, then {@code items[0, length)} (the items, already laid out). */
    void sendEventBatch(long batchSeq, int count, byte[] items, int length) throws IOException;

    /** Sends a STOP frame. */
    void sendStop() throws IOException;

    /**
     * The frames sent from now until {@link #flush()} may reach the wrapper together (one write, one
     * doorbell), in order. The caller must flush before it waits for an answer.
     */
    default void hold() {}

    /** Sends what was held since {@link #hold()}. */
    default void flush() throws IOException {}

    /** Blocks until the wrapper's next frame and decodes it. */
    default Message receive() throws IOException, ProtocolException {
        return receive(null);
    }

    /**
     * Blocks until the wrapper's next frame and decodes it; runs {@code beforeWait} (when not
     * {@code null}) once it finds it has to wait, before it sleeps or blocks.
     */
    Message receive(Runnable beforeWait) throws IOException, ProtocolException;

    /** {@link #UDS} or {@link #SHM}. */
    String name();

    @Override
    void close();
}
