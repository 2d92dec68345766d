package io.nucleon.async.journal;

import io.nucleon.spi.ErrorResponses;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Error ids for a cause that many answers share (a journal that cannot be opened, a full disk): the
 * answers carry the id, the log holds the cause under it, written once per cause and at most every
 * 10 s, with how many answers the previous line stood for. Thread-safe; cheap while nothing fails.
 */
final class Incidents {
    private static final long RELOG_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final String triggerName;
    private String cause;
    private String errorId;
    private long loggedAt;
    private long answers;

    Incidents(Logger log, String triggerName) {
        this.log = log;
        this.triggerName = triggerName;
    }

    /** The error id under which {@code why} is (now, or recently) in the log. */
    synchronized String idFor(String why) {
        long now = System.nanoTime();
        if (why.equals(cause) && now - loggedAt < RELOG_NANOS) {
            answers++;
            return errorId;
        }
        long before = answers;
        cause = why;
        errorId = ErrorResponses.newErrorId();
        loggedAt = now;
        answers = 1;
        log.atError()
                .addKeyValue("trigger", triggerName)
                .addKeyValue("errorId", errorId)
                .log("async journal unavailable, answering 503: " + why
                        + (before > 1 ? " (the previous error id was given to " + before + " answers)" : ""));
        return errorId;
    }
}
