package io.nucleon.trigger.async;

/**
 * An entry handed out by {@link AsyncJournal#poll()}: its position in the input journal (pass it to
 * {@link AsyncJournal#markDone(long)} when the entry is finished) and the entry itself.
 */
public record JournalRecord(long index, JournalEntry entry) {
}
