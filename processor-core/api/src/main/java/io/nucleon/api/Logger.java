package io.nucleon.api;

/**
 * A structured logger: a message plus key/value pairs, e.g.
 * {@code logger.info("order stored", "orderId", id, "items", n)}. With an odd number of trailing
 * arguments whose last is a {@link Throwable}, that throwable is logged with its stack trace.
 *
 * <p>Every line also carries the function name, the trigger and the worker id. Thread-safe.
 */
public interface Logger {

    /** A line for finding out what happened; written only when {@link #isDebugEnabled()}. */
    void debug(String message, Object... keyValues);

    /** A line worth keeping: something the function did. */
    void info(String message, Object... keyValues);

    /** Something went wrong but the function goes on (a retry, a fallback, a bad input refused). */
    void warn(String message, Object... keyValues);

    /** Something failed and needs a person to look at it. */
    void error(String message, Object... keyValues);

    /** Whether debug lines are written at all; use it to skip building expensive arguments. */
    boolean isDebugEnabled();
}
