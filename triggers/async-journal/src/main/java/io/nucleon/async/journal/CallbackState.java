package io.nucleon.async.journal;

/**
 * Where the callback ({@code X-Callback-Url}) of a finished invocation stands. Recorded in the
 * status journal, so a callback not finished before a crash is sent again after the restart.
 */
public enum CallbackState {
    /** The call has no callback URL. */
    NONE,
    /** The outcome is recorded; the callback is not yet delivered nor given up. */
    PENDING,
    /** A callback request was answered 2xx. */
    DELIVERED,
    /** Every attempt ({@code callbackMaxAttempts}) failed; the callback was given up. */
    FAILED;

    /** Whether nothing more will be sent. */
    public boolean finished() {
        return this == DELIVERED || this == FAILED;
    }
}
