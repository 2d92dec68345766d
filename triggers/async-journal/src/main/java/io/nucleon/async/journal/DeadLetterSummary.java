package io.nucleon.async.journal;

/**
 * A dead letter as it is listed: what identifies it and why it failed, without the entry's headers,
 * fields and body (which stay in the journal; {@link AsyncJournal#replay} reads them back).
 *
 * @param index            its position (index) in the dead-letter journal
 * @param id               the id of the call
 * @param method           the call's HTTP method
 * @param path             the call's path
 * @param receivedAtMillis when the call was first accepted
 * @param error            the last error, as text
 * @param attempts         how many attempts were made
 * @param deadAtMillis     when it was dead-lettered (what {@code deadLetterRetention} counts from)
 */
public record DeadLetterSummary(
        long index,
        String id,
        String method,
        String path,
        long receivedAtMillis,
        String error,
        int attempts,
        long deadAtMillis) {}
