package io.nucleon.binding.rabbitmq;

import java.io.IOException;

/**
 * A publish of the {@code rabbitmq} binding failed: the broker rejected it (nack), returned it as
 * unroutable, did not confirm it in time, or the channel or connection closed before it confirmed
 * (then the message may or may not have reached a queue). {@link #reason()} says which.
 */
public final class RabbitMqPublishException extends IOException {
    /** Why a publish failed. */
    public enum Reason {
        /** The broker answered with a negative acknowledgement (e.g. a full queue with {@code x-overflow: reject-publish}). */
        NACK,
        /** {@code mandatory} is on and no queue is bound for the routing key. */
        UNROUTABLE,
        /** No confirm within {@code confirmTimeout}. */
        TIMEOUT,
        /** The channel or connection closed (or was down) before the broker confirmed. */
        CONNECTION,
        /** The binding is not open, or is closed. */
        CLOSED
    }

    private final Reason reason;

    RabbitMqPublishException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the publish failed. */
    public Reason reason() {
        return reason;
    }
}
