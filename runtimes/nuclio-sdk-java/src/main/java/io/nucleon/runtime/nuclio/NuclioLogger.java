package io.nucleon.runtime.nuclio;

import io.nuclio.Logger;
import java.util.Arrays;
import java.util.IllegalFormatException;

/**
 * Nuclio's {@link Logger} over Nucleon's: the plain methods format their message with
 * {@link String#format}, the {@code ...With} methods pass their keys and values on as the line's
 * structured fields. Thread-safe, as the logger beneath.
 */
final class NuclioLogger implements Logger {
    private static final Object[] NONE = {};

    private final io.nucleon.api.Logger log;

    NuclioLogger(io.nucleon.api.Logger log) {
        this.log = log;
    }

    /** One level of the logger beneath. */
    @FunctionalInterface
    private interface Level {
        void log(String message, Object... keyValues);
    }

    /**
     * Logs {@code format} formatted with {@code args}. Nuclio's wrapper would throw on a bad format; a log
     * call is not worth failing an event for, so the format is logged as it is, with the arguments as
     * the field {@code args}.
     */
    private static void formatted(Level level, String format, Object[] args) {
        if (format == null) {
            level.log("null", NONE);
            return;
        }
        String message;
        Object[] fields = NONE;
        try {
            message = String.format(format, args);
        } catch (IllegalFormatException e) {
            message = format;
            if (args != null && args.length > 0) {
                fields = new Object[] {"args", Arrays.asList(args)};
            }
        }
        level.log(message, fields);
    }

    private static Object[] vars(Object[] vars) {
        return vars == null ? NONE : vars;
    }

    @Override
    public void error(String format, Object... args) {
        formatted(log::error, format, args);
    }

    @Override
    public void warn(String format, Object... args) {
        formatted(log::warn, format, args);
    }

    @Override
    public void info(String format, Object... args) {
        formatted(log::info, format, args);
    }

    @Override
    public void debug(String format, Object... args) {
        if (log.isDebugEnabled()) { // nothing is formatted for a line nobody reads
            formatted(log::debug, format, args);
        }
    }

    @Override
    public void errorWith(String format, Object... vars) {
        log.error(format, vars(vars));
    }

    @Override
    public void warnWith(String format, Object... vars) {
        log.warn(format, vars(vars));
    }

    @Override
    public void infoWith(String format, Object... vars) {
        log.info(format, vars(vars));
    }

    @Override
    public void debugWith(String format, Object... vars) {
        log.debug(format, vars(vars));
    }
}
