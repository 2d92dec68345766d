package io.nucleon.spi;

/**
 * The headers a message trigger puts on a message it sends back for a retry or to its dead letters,
 * the same names on every broker (Kafka record headers, AMQP headers, MQTT 5 user properties …) so
 * that one consumer of dead letters reads them all. Values are text (AMQP may carry numbers as
 * numbers).
 */
public final class FailureHeaders {
    /** How many times the handler has been given the message so far (1 after the first attempt). */
    public static final String ATTEMPTS = "x-nucleon-attempts";
    /** Why the last attempt failed: a short class and the error id of the log line with the details. */
    public static final String ERROR = "x-nucleon-error";
    /** When the last attempt failed, ISO-8601 in UTC. */
    public static final String FAILED_AT = "x-nucleon-failed-at";

    private FailureHeaders() {}
}
