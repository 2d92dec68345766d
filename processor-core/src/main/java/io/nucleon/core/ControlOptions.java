package io.nucleon.core;

/**
 * Where the control server listens, and the token it asks for.
 *
 * @param enabled whether to run it at all
 * @param host    the address to bind; loopback by default
 * @param port    the port; 0 picks a free one
 * @param token   the bearer token {@code /metrics}, {@code /status} and the admin endpoints ask for,
 *                or {@code null} for none (then admin endpoints answer only on a loopback listener).
 *                Never logged; {@link #toString()} hides it.
 */
public record ControlOptions(boolean enabled, String host, int port, String token) {
    /** Loopback, port 8082, no token. */
    public static final ControlOptions DEFAULT = new ControlOptions(
            true,
            io.nucleon.core.control.ControlServer.DEFAULT_HOST,
            io.nucleon.core.control.ControlServer.DEFAULT_PORT,
            null);

    public ControlOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("control port must be from 0 to 65535, got " + port);
        }
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("the control token is blank");
        }
    }

    /** Without a token. */
    public ControlOptions(boolean enabled, String host, int port) {
        this(enabled, host, port, null);
    }

    /** The same options with {@code token}. */
    public ControlOptions withToken(String token) {
        return new ControlOptions(enabled, host, port, token);
    }

    @Override
    public String toString() {
        return "ControlOptions[enabled=" + enabled + ", host=" + host + ", port=" + port + ", token="
                + (token == null ? "none" : "(set)") + "]";
    }
}
