package io.nuclio;

/**
 * The function's logger. The plain methods take a {@link String#format(String, Object...)} format and
 * its arguments ({@code info("%d items", n)}); the {@code ...With} methods take a message and
 * alternating keys and values ({@code infoWith("stored", "id", id, "items", n)}), which become the
 * line's structured fields. Thread-safe.
 */
public interface Logger {

    /**
     * Logs a formatted error line.
     *
     * @param format a {@link String#format(String, Object...)} format
     * @param args   its arguments
     */
    void error(String format, Object... args);

    /**
     * Logs a formatted warning line.
     *
     * @param format a {@link String#format(String, Object...)} format
     * @param args   its arguments
     */
    void warn(String format, Object... args);

    /**
     * Logs a formatted info line.
     *
     * @param format a {@link String#format(String, Object...)} format
     * @param args   its arguments
     */
    void info(String format, Object... args);

    /**
     * Logs a formatted debug line; nothing is formatted when debug lines are off.
     *
     * @param format a {@link String#format(String, Object...)} format
     * @param args   its arguments
     */
    void debug(String format, Object... args);

    /**
     * Logs an error line with structured fields.
     *
     * @param format the message, as it is
     * @param vars   alternating keys (strings) and values
     */
    void errorWith(String format, Object... vars);

    /**
     * Logs a warning line with structured fields.
     *
     * @param format the message, as it is
     * @param vars   alternating keys (strings) and values
     */
    void warnWith(String format, Object... vars);

    /**
     * Logs an info line with structured fields.
     *
     * @param format the message, as it is
     * @param vars   alternating keys (strings) and values
     */
    void infoWith(String format, Object... vars);

    /**
     * Logs a debug line with structured fields.
     *
     * @param format the message, as it is
     * @param vars   alternating keys (strings) and values
     */
    void debugWith(String format, Object... vars);
}
