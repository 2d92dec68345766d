package io.nucleon.trigger.rabbitmq;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code attributes} of a {@code rabbitmq} trigger, with their defaults. Bound from
 * {@code function.yaml}; unknown attributes are an error.
 */
public final class RabbitMqTriggerConfig {
    /** The broker, as an AMQP URI; user and password in it never reach logs or {@code /status}. */
    public String url = "amqp://guest:guest@127.0.0.1:5672/%2f";
    /** The exchange to bind the queue to; empty: no binding (publishers send to the queue directly). */
    public String exchangeName = "";
    /** {@code topic}, {@code direct}, {@code fanout} or {@code headers}; used when the exchange is declared. */
    public String exchangeType = "topic";
    /** The queue to consume; empty: {@code <function>.<trigger>}. */
    public String queueName = "";
    /** Routing keys the queue is bound with; empty with an exchange: {@code #} (everything). */
    public List<String> topics = new ArrayList<>();
    /** Unacknowledged messages each consumer may hold; bounds what is in flight. */
    public int prefetchCount = 64;
    /** Whether the queue, exchange, retry and dead-letter queues survive a broker restart. */
    public boolean durable = true;
    /** Whether the broker deletes the queue when its last consumer goes. */
    public boolean autoDelete = false;
    /** {@code true}: declare the exchange, queue, bindings, retry and dead-letter queues; {@code false}: only check that they exist. */
    public boolean declare = true;
    /** Attempts after the first before a failing message is dead-lettered; 0: dead-letter at once. */
    public int maxRetries = 3;
    /** Delay before the first retry; doubled for each further one, up to {@link #maxRetryDelay}. */
    public Duration retryDelay = Duration.ofSeconds(1);
    /** The longest delay between two attempts. */
    public Duration maxRetryDelay = Duration.ofMinutes(1);
    /** Exchange failed messages are published to after the last retry; empty: the default exchange. */
    public String deadLetterExchange = "";
    /** Routing key for dead letters; empty: {@code <queue>.dlq} (a queue declared for them with the default exchange). */
    public String deadLetterRoutingKey = "";
    /**
     * {@code false}: start returns at once and the trigger connects in the background, retrying with
     * backoff (not ready meanwhile); {@code true}: start fails when the first connection or topology
     * set-up fails.
     */
    public boolean failFast = false;
    /** Delay before the second connection attempt; doubled for each further one, up to {@link #maxConnectRetryDelay}. */
    public Duration connectRetryDelay = Duration.ofSeconds(1);
    /** The longest delay between two connection attempts. */
    public Duration maxConnectRetryDelay = Duration.ofSeconds(30);
    /** How long to wait for the broker to confirm a retry or dead letter before giving the message back (requeue). */
    public Duration publishTimeout = Duration.ofSeconds(10);
}
