package io.nucleon.api;

/**
 * A connection to an outside system (a Kafka producer, an AMQP publisher, an HTTP client …) that
 * the processor opens once at start, shares with every worker and closes at stop. Handlers reach
 * one with {@link Context#binding(String, Class)}.
 *
 * <p>Implementations say in their own javadoc whether they are thread-safe or handed out per worker.
 */
@SuppressWarnings("try") // close() may be interrupted: a binding waits for its sends to finish
public interface DataBinding extends AutoCloseable {

    /** The name given to the binding in {@code function.yaml} or the builder. */
    String name();

    /** The kind of binding, e.g. {@code kafka}. */
    String kind();

    /**
     * Opens the binding's connections. Called once at processor start, before any worker starts (so
     * handler init hooks can use it); a failure fails the start.
     */
    default void open() throws Exception {}

    /** What {@code /status} shows about the binding (connections, counts …); empty by default. */
    default java.util.Map<String, Object> status() {
        return java.util.Map.of();
    }

    /** Whether the binding can be used now; part of the processor's readiness. */
    default boolean isReady() {
        return true;
    }

    /** Releases the binding's connections. Called once, at processor stop. */
    @Override
    void close() throws Exception;
}
