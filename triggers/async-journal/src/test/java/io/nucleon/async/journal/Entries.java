package io.nucleon.async.journal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test entries. */
final class Entries {
    private Entries() {}

    static JournalEntry numbered(int n) {
        return JournalEntry.builder()
                .id(String.format("e-%05d", n))
                .receivedAtMillis(1_700_000_000_000L + n)
                .method("POST")
                .path("/fn")
                .url("http://localhost:8080/fn?n=" + n)
                .header("Content-Type", "application/json")
                .header("X-Request-Id", "r" + n)
                .field("n", Integer.toString(n))
                .contentType("application/json")
                .body(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8))
                .build();
    }

    /**
     * Dead-letters the entries numbered {@code from} to {@code from + n - 1} through the journal's
     * own path (appended, handed out, dead-lettered after one attempt, marked done); returns their ids.
     */
    static List<String> deadLettered(AsyncJournal j, int from, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = from; i < from + n; i++) {
            j.append(numbered(i));
            JournalRecord r = j.poll();
            j.deadLetter(r.entry().withAttempts(1), "boom " + Entries.number(r.entry()), 1, 500, null, null);
            j.markDone(r.index());
            ids.add(r.entry().id());
        }
        return ids;
    }

    static int number(JournalEntry e) {
        return Integer.parseInt(e.id().substring(2));
    }
}
