package io.nucleon.trigger.http;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs at WARN (or DEBUG) at most once per interval and counts what it held back, so a storm of the same
 * failure (thousands of broken connections a second) is visible without flooding the log: the next
 * line says how many were suppressed. Thread-safe, never blocks.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextAllowed = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(Logger log, java.time.Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Logs {@code message} with {@code cause}'s stack trace, unless a line went out less than an interval ago. */
    void warn(String trigger, String message, Throwable cause) {
        long held = take();
        if (held >= 0) {
            log.atWarn()
                    .setCause(cause)
                    .addKeyValue("trigger", trigger)
                    .addKeyValue("suppressed", held)
                    .log(message
                            + (held > 0
                                    ? " (" + held + " more like it since the last such line were not logged)"
                                    : ""));
        }
    }

    /** Logs {@code message} at DEBUG, without a stack trace, unless a line went out less than an interval ago. */
    void debug(String trigger, String message) {
        long held = take();
        if (held >= 0) {
            log.atDebug()
                    .addKeyValue("trigger", trigger)
                    .addKeyValue("suppressed", held)
                    .log(message
                            + (held > 0
                                    ? " (" + held + " more like it since the last such line were not logged)"
                                    : ""));
        }
    }

    /** How many lines were held back since the last one, if a line may go out now; -1 (and one more held back) if not. */
    private long take() {
        long now = System.nanoTime();
        long next = nextAllowed.get();
        if (now - next < 0 || !nextAllowed.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return -1;
        }
        return suppressed.getAndSet(0);
    }
}
