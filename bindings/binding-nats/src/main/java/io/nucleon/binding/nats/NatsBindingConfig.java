package io.nucleon.binding.nats;

import java.time.Duration;

/**
 * The {@code attributes} of a {@code nats} data binding, with their defaults. Bound from
 * {@code spec.dataBindings.<name>.attributes}; unknown attributes are an error.
 */
public final class NatsBindingConfig {
    /** The server, {@code nats://host:port} (or {@code tls://}); several, comma-separated, for a cluster. */
    public String url = "nats://127.0.0.1:4222";
    /** User name, when the server asks for one. */
    public String username = "";
    /** Password for {@link #username}; never logged. */
    public String password = "";
    /** A token, when the server authenticates with one; never logged. */
    public String token = "";
    /** How long a JetStream publish waits for the server's ack before it fails. */
    public Duration ackTimeout = Duration.ofSeconds(10);
    /** How long opening the connection may take; the processor does not start without it. */
    public Duration connectTimeout = Duration.ofSeconds(5);
    /** The pause between two attempts to reconnect a lost connection (the client reconnects forever). */
    public Duration reconnectWait = Duration.ofSeconds(1);
}
