package io.nucleon.test;

/**
 * What a message trigger (kafka, rabbitmq) does with a message once its event has ended, as its
 * {@code maxRetries}, {@code retryDelay} and {@code maxRetryDelay} attributes decide.
 */
public enum MessageDecision {
    /** The handler succeeded: Kafka commits the record's offset, RabbitMQ acks the message. */
    ACKNOWLEDGE,
    /**
     * The attempt failed (the handler threw or ran past the event timeout) and retries are left: the
     * message is handed to the handler again after {@link MessageResult#retryDelay()}, with the
     * {@code attempt} field one higher.
     */
    RETRY,
    /** The attempt failed and it was the last one allowed: the message goes to the dead letters. */
    DEAD_LETTER,
    /**
     * No worker took the event (the pool was full, or the function is stopping): the handler never saw
     * it, and the trigger hands the message out again later. Not an attempt.
     */
    REDELIVER
}
