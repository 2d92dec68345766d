package io.nucleon.core.worker;

import io.nucleon.api.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The handler's {@link Logger} on top of SLF4J's key/value API. Every line carries the function,
 * trigger and worker as key/values; a trailing {@link Throwable} in an odd-length argument list is
 * logged as the line's cause.
 */
final class StructuredLogger implements Logger {
    private final org.slf4j.Logger log;
    private final String function;
    private final String trigger;
    private final int worker;

    StructuredLogger(String function, String trigger, int worker) {
        this.log = LoggerFactory.getLogger("nucleon.function." + function);
        this.function = function;
        this.trigger = trigger;
        this.worker = worker;
    }

    @Override
    public void debug(String message, Object... keyValues) {
        if (log.isDebugEnabled()) {
            emit(log.atLevel(Level.DEBUG), message, keyValues);
        }
    }

    @Override
    public void info(String message, Object... keyValues) {
        if (log.isInfoEnabled()) {
            emit(log.atLevel(Level.INFO), message, keyValues);
        }
    }

    @Override
    public void warn(String message, Object... keyValues) {
        if (log.isWarnEnabled()) {
            emit(log.atLevel(Level.WARN), message, keyValues);
        }
    }

    @Override
    public void error(String message, Object... keyValues) {
        if (log.isErrorEnabled()) {
            emit(log.atLevel(Level.ERROR), message, keyValues);
        }
    }

    @Override
    public boolean isDebugEnabled() {
        return log.isDebugEnabled();
    }

    private void emit(LoggingEventBuilder b, String message, Object[] kv) {
        b = b.addKeyValue("function", function).addKeyValue("trigger", trigger).addKeyValue("worker", worker);
        int pairs = kv.length / 2;
        for (int i = 0; i < pairs; i++) {
            b = b.addKeyValue(String.valueOf(kv[2 * i]), kv[2 * i + 1]);
        }
        if (kv.length % 2 == 1) {
            Object last = kv[kv.length - 1];
            if (last instanceof Throwable t) {
                b = b.setCause(t);
            } else {
                b = b.addKeyValue("arg", last);
            }
        }
        b.log(message);
    }
}
