package io.nucleon.runtime.external.protocol;

/** A peer broke the protocol: the channel is closed and the wrapper restarted. */
public final class ProtocolException extends Exception {
    /** What the peer got wrong, for the log; it may quote the peer's bytes, so escape it before logging. */
    public ProtocolException(String message) {
        super(message);
    }
}
