package io.nucleon.async.journal;

/**
 * The journal directory is readable or writable by others and cannot be made private (0700): the
 * journal holds callers' requests, so the trigger refuses to start rather than use it.
 */
final class JournalNotPrivateException extends JournalUnavailableException {
    private static final long serialVersionUID = 1L;

    JournalNotPrivateException(String message, Throwable cause) {
        super(message, cause);
    }
}
