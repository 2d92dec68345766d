package io.nucleon.async.journal;

/**
 * The journal cannot accept writes: its directory is missing or not writable, the disk is (nearly)
 * full, or the journal is closed. Nothing was written; the HTTP layer answers 503.
 */
public class JournalUnavailableException extends JournalException {
    private static final long serialVersionUID = 1L;

    public JournalUnavailableException(String message) {
        super(message);
    }

    public JournalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
