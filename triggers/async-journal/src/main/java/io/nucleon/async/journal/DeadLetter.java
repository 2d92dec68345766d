package io.nucleon.async.journal;

/**
 * An entry that failed every attempt, as kept in the dead-letter journal.
 *
 * @param index        its position in the dead-letter journal
 * @param entry        the entry as it was last attempted
 * @param error        the last error, as text
 * @param attempts     how many attempts were made
 * @param deadAtMillis when it was dead-lettered
 */
public record DeadLetter(long index, JournalEntry entry, String error, int attempts, long deadAtMillis) {}
