package io.nucleon.core;

/**
 * Where the control server listens.
 *
 * @param enabled whether to run it at all
 * @param host    the address to bind; loopback by default
 * @param port    the port; 0 picks a free one
 */
public record ControlOptions(boolean enabled, String host, int port) {
    /** Loopback, port 8082. */
    public static final ControlOptions DEFAULT = new ControlOptions(true,
            io.nucleon.core.control.ControlServer.DEFAULT_HOST, io.nucleon.core.control.ControlServer.DEFAULT_PORT);

    public ControlOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("control port must be from 0 to 65535, got " + port);
        }
    }
}
