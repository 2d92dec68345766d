package io.nucleon.async.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * How long opening a journal takes with many dead letters, and what the listed ones cost on the
 * heap (a measurement, not a test):
 * {@code java <chronicle flags> -cp <test classpath> io.nucleon.async.journal.DeadLetterOpenTime [count]}.
 * Writes {@code count} dead letters (default 100 000) through the journal, once with the default
 * {@code maxDeadLetters} (10 000: the rest are dropped as they come) and once with
 * {@code maxDeadLetters = count} (all listed), then reopens each directory a few times.
 */
public final class DeadLetterOpenTime {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        for (int max : new int[] {10_000, n}) {
            Path dir = Files.createTempDirectory("dead-letter-open");
            try {
                long t0 = System.nanoTime();
                try (AsyncJournal j = AsyncJournal.builder(dir)
                        .maintenanceInterval(null)
                        .maxDeadLetters(max)
                        .open()) {
                    Entries.deadLettered(j, 0, n);
                }
                System.out.printf(
                        "%,d dead letters written (maxDeadLetters %,d) in %,d ms%n",
                        n, max, (System.nanoTime() - t0) / 1_000_000);
                for (int round = 0; round < 5; round++) {
                    System.gc();
                    long heapBefore = usedHeap();
                    long t1 = System.nanoTime();
                    try (AsyncJournal j = AsyncJournal.builder(dir)
                            .maintenanceInterval(null)
                            .maxDeadLetters(max)
                            .open()) {
                        long opened = System.nanoTime() - t1;
                        System.gc();
                        long heap = usedHeap() - heapBefore;
                        long t2 = System.nanoTime();
                        DeadLetterPage page = j.deadLetterPage(null, 1000).orElseThrow();
                        DeadLetterPage last =
                                j.deadLetterPage(page.next(), 1000).orElseThrow();
                        long paged = System.nanoTime() - t2;
                        System.out.printf(
                                "  open %d: %,d ms, %,d listed, heap +%,d bytes (%,d per listed); two pages of 1000: %,d ms (%s)%n",
                                round,
                                opened / 1_000_000,
                                j.deadLetterCount(),
                                heap,
                                heap / Math.max(1, j.deadLetterCount()),
                                paged / 1_000_000,
                                last.deadLetters().isEmpty()
                                        ? "-"
                                        : last.deadLetters().get(0).id());
                    }
                }
            } finally {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
