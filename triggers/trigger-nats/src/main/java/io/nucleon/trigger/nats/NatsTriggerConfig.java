package io.nucleon.trigger.nats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code attributes} of a {@code nats} trigger, with their defaults. Bound from
 * {@code function.yaml}; unknown attributes are an error.
 *
 * <p>Two modes, chosen by {@link #stream}: without a stream the trigger subscribes to core NATS
 * subjects in a queue group, which is at most once (a message that arrives while the processor is
 * away, or that the processor cannot take, is gone); with a stream it reads a durable JetStream pull
 * consumer and acknowledges each message only after its handler succeeded (at least once).
 */
public final class NatsTriggerConfig {
    /** The server, {@code nats://host:port} (or {@code tls://}); several, comma-separated, for a cluster. */
    public String url = "nats://127.0.0.1:4222";
    /**
     * The subjects to read, wildcards allowed ({@code orders.*}, {@code orders.>}). Core NATS: each one
     * is subscribed to. JetStream: the consumer's filter (empty: everything in the stream) and, when
     * the trigger creates the stream, its subjects.
     */
    public List<String> subjects = new ArrayList<>();
    /** Core NATS: the queue group that processors of this function share; empty: {@code <function>-<trigger>}. */
    public String queueName = "";
    /** The JetStream stream to consume; empty: core NATS subscriptions (at most once). */
    public String stream = "";
    /** The durable consumer's name; empty: {@code <function>-<trigger>}. Processors sharing it split the messages. */
    public String consumer = "";
    /**
     * {@code true}: create the stream (file storage, the subjects above) when it does not exist, and
     * create or update the consumer, and the dead-letter stream; {@code false}: only bind to those
     * that exist (start waits, not ready, until they do).
     */
    public boolean create = true;
    /**
     * How long the server waits for an acknowledgement before it delivers a message again; empty:
     * the function's {@code eventTimeout} plus 30 s. The trigger reports progress for messages it
     * still holds every third of it, so a long handler does not see its message redelivered.
     */
    public Duration ackWait = null;
    /** Messages delivered and not yet acknowledged, at most, per processor (and the consumer's {@code MaxAckPending} when created). */
    public int maxAckPending = 256;
    /** Attempts after the first before a failing message is dead-lettered; 0: dead-letter at once. */
    public int maxRetries = 3;
    /** Delay before the first retry (a NAK with this delay); doubled for each further one, up to {@link #maxRetryDelay}. */
    public Duration retryDelay = Duration.ofSeconds(1);
    /** The longest delay between two attempts. */
    public Duration maxRetryDelay = Duration.ofMinutes(1);
    /** JetStream: the subject dead letters are published to; empty: {@code nucleon.dlq.<stream>.<consumer>}. */
    public String deadLetterSubject = "";
    /** JetStream: the stream that keeps dead letters, created with {@code create: true}; empty: {@code <stream>_dlq}. */
    public String deadLetterStream = "";
    /** How long to wait for the server to store a dead letter before the message is given back (NAK). */
    public Duration publishTimeout = Duration.ofSeconds(10);
    /** Delay before the second connection attempt; doubled for each further one, up to {@link #maxConnectRetryDelay}. */
    public Duration connectRetryDelay = Duration.ofSeconds(1);
    /** The longest delay between two connection attempts (and the delay between reconnection attempts). */
    public Duration maxConnectRetryDelay = Duration.ofSeconds(10);
    /** User name, when the server asks for one (or give it in the url). */
    public String username = "";
    /** Password for {@link #username}; never logged. */
    public String password = "";
    /** A token, when the server authenticates with one; never logged. */
    public String token = "";
}
