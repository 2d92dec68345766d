package io.nucleon.async.journal;

import io.nucleon.trigger.http.async.AsyncRequest;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Writes the journal of {@code src/test/resources/journal-v2/} (see {@link JournalFormatCompatibilityTest}):
 * every kind of record the journal writes, through the public API only, with a clock that starts at
 * {@link #T0} and moves one second per call. Run once with an earlier build on the class path, so that
 * the fixture is what that build wrote:
 * {@code java <Chronicle flags> -cp <that build's classes and dependencies> io.nucleon.async.journal.JournalFixtureWriter <dir>},
 * then {@code tar -C <dir> -czf journal-v2.tar.gz .}. The ids and indexes it produced are written to
 * {@code expected.properties} in the directory, for the test to compare against.
 */
public final class JournalFixtureWriter {
    /** 2026-03-01T10:00:00Z. */
    static final long T0 = 1_772_359_200_000L;

    private JournalFixtureWriter() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        long[] now = {T0};
        Properties expected = new Properties();
        try (AsyncJournal j = AsyncJournal.builder(dir)
                .maintenanceInterval(null)
                .minFreeSpace(0)
                .blockSize(64 << 10)
                .maxDeadLetters(4)
                .clock(() -> now[0]++)
                .open()) {
            // a1: accepted, succeeded, its callback delivered, done
            AcceptResult a1 = j.append(request("/a1", "http://cb.example/a1", "one"));
            JournalRecord r1 = j.poll();
            j.succeeded(r1.entry(), 1, 200, "text/plain", bytes("ok-a1"));
            j.callbackFinished(r1.entry().id(), CallbackState.DELIVERED);
            j.markDone(r1.index());
            expected.setProperty("a1", a1.id());
            // a2: accepted, one attempt failed, dead-lettered after the second, done
            AcceptResult a2 = j.append(request("/a2", null, "two"));
            JournalRecord r2 = j.poll();
            j.attemptFailed(r2.entry().id(), 1, "first failure");
            j.deadLetter(r2.entry().withAttempts(2), "second failure", 2, 500, "text/plain", bytes("boom-a2"));
            j.markDone(r2.index());
            expected.setProperty("a2", a2.id());
            // order-3: an explicit id, dead-lettered, done (replayed below)
            j.append(explicit("order-3", "three"));
            JournalRecord r3 = j.poll();
            j.deadLetter(r3.entry().withAttempts(1), "third failure", 1, 502, null, null);
            j.markDone(r3.index());
            // three more dead letters with maxDeadLetters 4: the oldest listed one (a2's) is dropped by an expired
            // record
            for (String id : new String[] {"dead-4", "dead-5", "dead-6"}) {
                j.append(explicit(id, id));
                JournalRecord r = j.poll();
                j.deadLetter(r.entry().withAttempts(1), "failure of " + id, 1, 500, null, null);
                j.markDone(r.index());
            }
            var again = j.replay("order-3").orElseThrow(); // appended again, PENDING
            if (again == null) {
                throw new IllegalStateException("order-3 was not replayed");
            }
            // a7: succeeded, its callback still owed: not done
            AcceptResult a7 = j.append(request("/a7", "http://cb.example/a7", "seven"));
            expected.setProperty("a7", a7.id());
            // the replayed order-3, then a7
            JournalRecord replayed = j.poll();
            expected.setProperty("replayed.index", Long.toString(replayed.index()));
            JournalRecord r7 = j.poll();
            j.succeeded(r7.entry(), 1, 201, "application/json", bytes("{\"a\":7}"));
            // a8: one attempt failed, to be retried: not done
            AcceptResult a8 = j.append(request("/a8", null, "eight"));
            JournalRecord r8 = j.poll();
            j.attemptFailed(r8.entry().id(), 1, "eighth failure");
            expected.setProperty("a8", a8.id());
            // a9 and order-10: waiting, never handed out
            expected.setProperty("a9", j.append(request("/a9", null, "nine")).id());
            j.append(explicit("order-10", "ten"));
            expected.setProperty("processed", Long.toString(j.processedIndex()));
            expected.setProperty("a7.index", Long.toString(r7.index()));
            expected.setProperty("clock", Long.toString(now[0]));
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("expected.properties"), StandardCharsets.UTF_8)) {
            expected.store(w, "written by JournalFixtureWriter");
        }
    }

    static AsyncRequest request(String path, String callbackUrl, String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "text/plain");
        headers.put("X-Trace", "t-" + body);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("name", body);
        fields.put("tag", "x,y"); // as that build journaled ?tag=x&tag=y
        // copied into a map of the request's own field type: Map<String, String> in the build that wrote the fixture
        return new AsyncRequest(
                "POST",
                path,
                path + "?name=" + body + "&tag=x&tag=y",
                headers,
                new LinkedHashMap<>(fields),
                "text/plain",
                bytes(body),
                callbackUrl,
                T0);
    }

    static JournalEntry explicit(String id, String body) {
        return JournalEntry.builder()
                .id(id)
                .receivedAtMillis(T0)
                .method("PUT")
                .path("/e")
                .url("/e?k=v")
                .header("X-Id", id)
                .field("k", "v")
                .contentType("text/plain")
                .body(bytes(body))
                .build();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
