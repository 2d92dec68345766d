package io.nucleon.spi;

/**
 * A failure of the runtime rather than of the handler's own code, with the HTTP status the caller
 * should get: 502 when a wrapper process died holding the event, 503 while no wrapper can be
 * started, 413 when the event is too large for the runtime. Its message reaches the caller (so it
 * must not carry secrets or stack traces); the cause only reaches the log.
 */
public class RuntimeFailure extends RuntimeException {
    private final int status;

    public RuntimeFailure(int status, String message) {
        this(status, message, null);
    }

    public RuntimeFailure(int status, String message, Throwable cause) {
        super(message, cause);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be between 400 and 599, got " + status);
        }
        this.status = status;
    }

    /** The HTTP status the caller gets. */
    public int status() {
        return status;
    }
}
