package io.nucleon.async.journal;

/**
 * The answer to {@link AsyncJournal#append(JournalEntry)}: the entry is in the journal (in the page
 * cache, so it survives the process dying; on disk too when {@code synced}).
 *
 * @param id     the event id, for the status URL
 * @param index  the entry's position in the input journal
 * @param synced whether the append was forced to disk before returning ({@code syncOnAppend})
 */
public record AcceptResult(String id, long index, boolean synced) {}
