package io.nucleon.async.journal;

import java.util.List;

/**
 * What one {@link AsyncJournal#replayAll(int)} did.
 *
 * @param replayed  the dead letters appended to the input journal again, oldest first
 * @param remaining how many dead letters are still listed (left for a further call)
 */
public record ReplayBatch(List<AcceptResult> replayed, int remaining) {
    public ReplayBatch {
        replayed = List.copyOf(replayed);
    }
}
