package io.nucleon.trigger.async;

/**
 * The status of one invocation.
 *
 * @param id              the event id
 * @param state           where it stands
 * @param updatedAtMillis when the state was last changed
 * @param attempts        attempts made so far (as reported when the state was recorded)
 * @param contentType     content type of the result, or null
 * @param result          the handler's result (terminal states only; empty otherwise)
 * @param error           the error text (FAILED only), or null
 */
public record StatusRecord(String id, InvocationState state, long updatedAtMillis, int attempts,
                           String contentType, byte[] result, String error) {
}
