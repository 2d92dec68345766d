package io.nucleon.binding.rabbitmq;

import java.time.Duration;

/**
 * The {@code attributes} of a {@code rabbitmq} data binding, with their defaults. Bound from
 * {@code spec.dataBindings.<name>.attributes}; unknown attributes are an error.
 */
public final class RabbitMqBindingConfig {
    /** The broker, as an AMQP URI; the user and password in it never reach logs, errors or {@code /status}. */
    public String url = "amqp://guest:guest@127.0.0.1:5672/%2f";
    /** The exchange of the publish methods that name none; empty: the default exchange (routing key = queue name). */
    public String exchange = "";
    /** {@code true}: declare {@link #exchange} at open (with {@link #exchangeType}, {@link #durable}); {@code false}: it must exist. */
    public boolean declare = false;
    /** {@code topic}, {@code direct}, {@code fanout} or {@code headers}; used when the exchange is declared. */
    public String exchangeType = "topic";
    /** Whether a declared exchange survives a broker restart. */
    public boolean durable = true;
    /** Whether messages are published persistent (delivery mode 2) unless the caller's properties say otherwise. */
    public boolean persistent = true;
    /**
     * {@code true}: a message no queue is bound for fails its publish ("unroutable") instead of being
     * dropped by the broker; the binding then adds an {@code x-nucleon-publish-seq} header to match the
     * broker's return to the publish.
     */
    public boolean mandatory = false;
    /** How long a publish waits for the broker's confirm before it fails. */
    public Duration confirmTimeout = Duration.ofSeconds(10);
    /** How long opening the connection may take. */
    public Duration connectTimeout = Duration.ofSeconds(10);
    /** The pause between two attempts to recover a lost connection. */
    public Duration recoveryInterval = Duration.ofSeconds(1);
    /** The AMQP heartbeat; 0 disables it. */
    public Duration heartbeat = Duration.ofSeconds(15);
}
