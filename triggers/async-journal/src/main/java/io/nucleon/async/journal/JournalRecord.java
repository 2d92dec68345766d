package io.nucleon.async.journal;

/**
 * An entry handed out by {@link AsyncJournal#poll()}: its position in the input journal (pass it to
 * {@link AsyncJournal#markDone(long)} when the entry is finished) and the entry itself.
 *
 * @param index   the entry's input-journal index
 * @param entry   the entry
 * @param tracked whether it may already have a status: it was in the journal before this open (so it
 *                may have finished before a restart), or it has an explicit id (a replay). Only
 *                such an entry needs an {@link AsyncJournal#status} look-up before running it.
 */
public record JournalRecord(long index, JournalEntry entry, boolean tracked) {}
