package io.nucleon.api;

/**
 * A structured logger: a message plus key/value pairs, e.g.
 * {@code logger.info("order stored", "orderId", id, "items", n)}. With an odd number of trailing
 * arguments whose last is a {@link Throwable}, that throwable is logged with its stack trace.
 *
 * <p>Every line also carries the function name, the trigger and the worker id. Thread-safe.
 */
public interface Logger {

    void debug(String message, Object... keyValues);

    void info(String message, Object... keyValues);

    void warn(String message, Object... keyValues);

    void error(String message, Object... keyValues);

    /** Whether debug lines are written at all; use it to skip building expensive arguments. */
    boolean isDebugEnabled();
}
