package io.nucleon.benchmarks.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CPU time another process has used, per group of threads, read from Linux's
 * {@code /proc/<pid>/task/<tid>/stat} (user + system time). Threads are grouped by name without a
 * trailing number ({@code nucleon-http-3} counts as {@code nucleon-http}), as
 * {@code benchmarks/lib.sh} groups them. Times are in clock ticks of 10 ms ({@code USER_HZ} is 100
 * on Linux x86-64), so a reading is exact to 10 ms per thread.
 *
 * <p>Stateless; any thread. A thread that ends between listing and reading is skipped.
 */
final class ProcessCpu {
    static final double SECONDS_PER_TICK = 0.01;

    private ProcessCpu() {}

    /** Ticks per thread group of the process, or an empty map when it cannot be read (not Linux, gone). */
    static Map<String, Long> snapshot(long pid) {
        Map<String, Long> groups = new TreeMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                    // "<tid> (<comm>) <state> ..." : comm may hold spaces and parentheses; the last ')' ends it
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                    groups.merge(group(name), ticks, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return groups;
    }

    /** {@code after - before}, per group, leaving out groups that used nothing. */
    static Map<String, Long> difference(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long used = v - before.getOrDefault(k, 0L);
            if (used > 0) {
                d.put(k, used);
            }
        });
        return d;
    }

    static String group(String threadName) {
        int i = threadName.length();
        while (i > 0 && Character.isDigit(threadName.charAt(i - 1))) {
            i--;
        }
        if (i < threadName.length() && i > 0 && (threadName.charAt(i - 1) == '-' || threadName.charAt(i - 1) == '#')) {
            i--;
        }
        return i == 0 ? threadName : threadName.substring(0, i);
    }
}
