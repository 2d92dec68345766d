package io.nucleon.async.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A quick throughput check (not a test; the JMH version is bench/JournalBenchmark.java):
 * {@code java <chronicle flags> -cp <test classpath> io.nucleon.async.journal.JournalThroughput [count]}.
 */
public final class JournalThroughput {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        JournalEntry e = Entries.numbered(1); // ~200 bytes encoded: 2 headers, 1 field, 8-byte body
        for (int round = 0; round < 3; round++) {
            Path dir = Files.createTempDirectory("journal-bench");
            try (AsyncJournal j =
                    AsyncJournal.builder(dir).maintenanceInterval(null).open()) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    j.append(e);
                }
                long t1 = System.nanoTime();
                int read = 0;
                JournalRecord r;
                while ((r = j.poll()) != null) {
                    j.markDone(r.index());
                    read++;
                }
                long t2 = System.nanoTime();
                System.out.printf(
                        "round %d: append %,.0f/s, poll+markDone %,.0f/s (%d read)%n",
                        round, n / ((t1 - t0) / 1e9), read / ((t2 - t1) / 1e9), read);
            }
            Path sdir = Files.createTempDirectory("journal-bench-sync");
            try (AsyncJournal j = AsyncJournal.builder(sdir)
                    .maintenanceInterval(null)
                    .syncOnAppend(true)
                    .open()) {
                int m = 2000;
                long t0 = System.nanoTime();
                for (int i = 0; i < m; i++) {
                    j.append(e);
                }
                System.out.printf(
                        "round %d: append with syncOnAppend %,.0f/s%n", round, m / ((System.nanoTime() - t0) / 1e9));
            }
            delete(dir);
            delete(sdir);
        }
    }

    private static void delete(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
