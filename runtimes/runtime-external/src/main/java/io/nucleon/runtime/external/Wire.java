package io.nucleon.runtime.external;

import io.nucleon.runtime.external.Protocol.Message;
import io.nucleon.runtime.external.Protocol.ProtocolException;
import java.io.Closeable;
import java.io.IOException;

/**
 * One wrapper's connection: sends the processor's frames and receives the wrapper's. Used by one
 * thread at a time (the worker), except {@link #close}, which any thread may call to break a
 * blocked {@link #receive}.
 */
interface Wire extends Closeable {

    /** Sends an EVENT frame. */
    void sendEvent(long seq, byte[] meta, int metaLength, byte[] body) throws IOException;

    /** Sends a STOP frame. */
    void sendStop() throws IOException;

    /** Blocks until the wrapper's next frame and decodes it. */
    Message receive() throws IOException, ProtocolException;

    /** {@code uds} or {@code shm}. */
    String transport();

    @Override
    void close();
}
