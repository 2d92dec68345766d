package io.nucleon.async.journal;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link CrashTest}: appends {@code total} entries (logging each id once append
 * returned) while a dispatcher polls and four workers finish entries in random order (logging each
 * number once markDone returned). It runs until it is killed.
 */
public final class CrashChild {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int total = Integer.parseInt(args[1]);
        Path log = Path.of(args[2]);
        AsyncJournal j = AsyncJournal.builder(dir)
                .maintenanceInterval(null)
                .minFreeSpace(0)
                .open();
        FileOutputStream accepted =
                new FileOutputStream(log.resolveSibling("accepted.txt").toFile(), true);
        FileOutputStream done = new FileOutputStream(log.toFile(), true);
        Thread producer = new Thread(
                () -> {
                    for (int i = 0; i < total; i++) {
                        j.append(Entries.numbered(i));
                        write(accepted, i);
                        if (i % 5 == 0) { // ~2 s for 10 000: the kill lands while appending
                            pace(1);
                        }
                    }
                },
                "producer");
        producer.start();
        ExecutorService workers = Executors.newFixedThreadPool(4);
        while (true) {
            JournalRecord r = j.poll(java.time.Duration.ofMillis(100));
            if (r == null) {
                continue;
            }
            workers.submit(() -> {
                try {
                    // the work of a handler, of random length: entries finish out of order (the behaviour under test)
                    TimeUnit.MICROSECONDS.sleep(ThreadLocalRandom.current().nextInt(2000));
                } catch (InterruptedException e) {
                    return;
                }
                j.markDone(r.index());
                write(done, Entries.number(r.entry()));
            });
        }
    }

    private static void write(FileOutputStream out, int n) {
        byte[] line = (n + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (out) {
            try {
                out.write(line); // unbuffered: in the page cache as soon as it returns
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
    }

    /** Slows the producer down (the behaviour under test: a kill while appending), not a wait for a condition. */
    private static void pace(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
