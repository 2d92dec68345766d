package io.nucleon.binding.nats;

/** A JetStream publish that the server did not store: no stream for the subject, a timeout, the connection gone. */
public final class NatsPublishException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the subject
     * @param cause   the client's error, if any
     */
    public NatsPublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
