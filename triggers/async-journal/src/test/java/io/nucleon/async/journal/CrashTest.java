package io.nucleon.async.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a JVM that is appending and processing: nothing accepted is lost, only unfinished work repeats. */
class CrashTest {

    private static final int TOTAL = 10_000;

    @Test
    void aKilledJournalLosesNothingAcceptedAndRedeliversEveryUnfinishedEntry(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("journal");
        Path doneLog = tmp.resolve("done.txt");
        Path acceptedLog = tmp.resolve("accepted.txt");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ChronicleSetup.requiredJvmFlags());
        cmd.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                CrashChild.class.getName(),
                dir.toString(),
                Integer.toString(TOTAL),
                doneLog.toString()));
        Process child = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile())
                .start();
        try {
            await("the child through 3000 entries")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(5))
                    .failFast(() ->
                            assertTrue(child.isAlive(), () -> "the child died: " + read(tmp.resolve("child.log"))))
                    .until(() -> numbers(doneLog).size() >= 3000);
        } finally {
            child.destroyForcibly(); // SIGKILL: no close, no flush
            child.waitFor(30, TimeUnit.SECONDS);
        }
        Set<Integer> accepted = numbers(acceptedLog);
        Set<Integer> done = numbers(doneLog);
        int prefix = 0; // every entry below this was done before the kill
        while (done.contains(prefix)) {
            prefix++;
        }

        List<Integer> again = new ArrayList<>();
        try (AsyncJournal j = AsyncJournalTest.options(dir).open()) {
            JournalRecord r;
            while ((r = j.poll()) != null) {
                again.add(Entries.number(r.entry()));
                assertEquals(Entries.numbered(Entries.number(r.entry())), r.entry(), "content intact");
                j.markDone(r.index());
            }
        }
        Set<Integer> againSet = new TreeSet<>(again);
        assertEquals(again.size(), againSet.size(), "each entry once after the restart");
        Set<Integer> notDone = new HashSet<>(accepted);
        notDone.removeAll(done);
        assertTrue(againSet.containsAll(notDone), "every accepted entry not done is delivered again");
        Set<Integer> all = new HashSet<>(done);
        all.addAll(againSet);
        assertTrue(all.containsAll(accepted), "nothing accepted is lost");
        int first = again.isEmpty() ? Integer.MAX_VALUE : again.get(0);
        assertTrue(first >= prefix, "resumed at " + first + ", yet 0.." + (prefix - 1) + " were all done");
        for (int i = 0; i < again.size(); i++) {
            assertEquals(first + i, again.get(i), "a contiguous run in journal order");
        }
        System.out.printf(
                "crash test: %d accepted, %d done before the kill (contiguous to %d), %d delivered again"
                        + " (%d of them done out of order before the kill)%n",
                accepted.size(),
                done.size(),
                prefix,
                again.size(),
                again.stream().filter(done::contains).count());
    }

    /** The complete lines of a log (a line torn by the kill is ignored). */
    private static Set<Integer> numbers(Path log) throws IOException {
        Set<Integer> s = new HashSet<>();
        if (!Files.exists(log)) {
            return s;
        }
        String text = Files.readString(log, StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return s;
        }
        for (String line : text.substring(0, end).split("\n")) {
            s.add(Integer.parseInt(line));
        }
        return s;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
