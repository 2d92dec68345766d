package io.nucleon.async.journal;

/**
 * The status of one invocation.
 *
 * @param id              the event id
 * @param state           where it stands
 * @param updatedAtMillis when the state was last changed
 * @param attempts        attempts made so far (as reported when the state was recorded)
 * @param statusCode      the HTTP status of the handler's last response (terminal states), or 0
 * @param contentType     content type of the result, or null
 * @param result          the handler's result (terminal states only; empty otherwise)
 * @param error           the last error (FAILED, or PENDING/RUNNING after a failed attempt), or null
 * @param callback        where its callback stands ({@link CallbackState#NONE} without a callback URL,
 *                        and while not terminal)
 * @param callbackFailure why its callback was given up (FAILED), else {@link CallbackFailure#NONE}
 */
public record StatusRecord(
        String id,
        InvocationState state,
        long updatedAtMillis,
        int attempts,
        int statusCode,
        String contentType,
        byte[] result,
        String error,
        CallbackState callback,
        CallbackFailure callbackFailure) {

    /** A status whose callback has not failed. */
    public StatusRecord(
            String id,
            InvocationState state,
            long updatedAtMillis,
            int attempts,
            int statusCode,
            String contentType,
            byte[] result,
            String error,
            CallbackState callback) {
        this(
                id,
                state,
                updatedAtMillis,
                attempts,
                statusCode,
                contentType,
                result,
                error,
                callback,
                CallbackFailure.NONE);
    }
}
