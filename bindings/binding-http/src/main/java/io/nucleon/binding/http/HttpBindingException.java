package io.nucleon.binding.http;

import java.io.IOException;

/**
 * A request of the {@code http} binding got no response: the connection failed or the attempt timed
 * out, after {@link #attempts()} attempts. The cause is the HTTP client's exception (e.g.
 * {@link java.net.ConnectException}, {@link java.net.http.HttpTimeoutException}). A response with an
 * error status is not an exception: the stage completes with it.
 */
public final class HttpBindingException extends IOException {
    private final int attempts;

    HttpBindingException(String message, int attempts, Throwable cause) {
        super(message, cause);
        this.attempts = attempts;
    }

    /** How many attempts were made, the first included. */
    public int attempts() {
        return attempts;
    }
}
