package io.nucleon.async.journal;

import io.nucleon.spi.ErrorResponses;

/**
 * What a caller may learn of a failed attempt: a short failure class ({@code handler error},
 * {@code timeout}, {@code HTTP 503} …) and the error id of the log line that holds the full text
 * (exception message, a wrapper's traceback, the handler's error body). The journal stores a note in
 * its error field as {@code <MARK><errorId>:<failure>}; an error field written by an earlier build (the
 * full text) is shown only by its class, since that text may hold what a caller must not see.
 *
 * @param failure a short, fixed phrase; never an exception message
 * @param errorId the id of the log line with the details, or {@code null} when there is none
 */
record FailureNote(String failure, String errorId) {
    private static final String MARK = "\u0001e1:";

    /** A note with a new error id. */
    static FailureNote withNewId(String failure) {
        return new FailureNote(failure, ErrorResponses.newErrorId());
    }

    /** The form stored in the journal's error field. */
    String encode() {
        return MARK + (errorId == null ? "" : errorId) + ":" + failure;
    }

    /** The note in a stored error field, or {@code null} for none. */
    static FailureNote decode(String stored) {
        if (stored == null) {
            return null;
        }
        if (stored.startsWith(MARK)) {
            int colon = stored.indexOf(':', MARK.length());
            if (colon > 0) {
                String id = stored.substring(MARK.length(), colon);
                return new FailureNote(stored.substring(colon + 1), id.isEmpty() ? null : id);
            }
        }
        // written by an earlier build: the full text, of which only the class is shown
        String failure;
        if (stored.startsWith("handler error")) {
            failure = "handler error";
        } else if (stored.startsWith("timeout")) {
            failure = "timeout";
        } else if (stored.startsWith("status ") && stored.length() >= 10) {
            failure = "HTTP " + stored.substring(7, 10);
        } else {
            failure = "failed";
        }
        return new FailureNote(failure, null);
    }
}
