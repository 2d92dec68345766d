package io.nucleon.async.journal;

/** Where an accepted invocation stands, as reported on its status URL. */
public enum InvocationState {
    /**
     * In the journal, not yet handed to a worker, or waiting for a retry after a failed attempt (or
     * handed out before a restart and due again).
     */
    PENDING,
    /** Handed to a worker (held in memory only: after a restart it is PENDING again). */
    RUNNING,
    /** Handled; the result is kept for {@code resultRetention}. */
    SUCCEEDED,
    /** Failed for good (dead-lettered); the error and any result are kept for {@code resultRetention}. */
    FAILED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED;
    }
}
