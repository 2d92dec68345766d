package io.nucleon.core.metrics;

import io.nucleon.spi.Outcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One trigger's event statistics (outcome counts and the duration histogram), built for the hot
 * path: each worker records into its own {@link Recorder} with plain (opaque) writes, no atomics
 * and no contention; a scrape sums the recorders. Rare paths (stage completions, timeouts,
 * rejections) share one synchronized recorder.
 *
 * <p>Micrometer's percentile-histogram timer cost about a third of a worker's time per event in
 * the dispatch benchmark; this costs a bucket scan and a few stores. The buckets are fixed
 * Prometheus-style upper bounds from 100 µs to 60 s.
 */
public final class EventStats {
    /** Upper bounds in seconds, as exported ({@code le}); +Inf follows. */
    static final double[] BOUNDS_SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
    };

    private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
        }
    }

    private final CopyOnWriteArrayList<Recorder> recorders = new CopyOnWriteArrayList<>();
    private final Recorder shared = newRecorder();

    /** A recorder for one writer thread (a worker). */
    public Recorder newRecorder() {
        Recorder r = new Recorder();
        recorders.add(r);
        return r;
    }

    /** Records from any thread, through the shared recorder. */
    public void recordShared(Outcome outcome, long nanos) {
        synchronized (shared) {
            shared.record(outcome, nanos);
        }
    }

    /** Counts an event that never ran (rejected), from any thread. */
    public void countShared(Outcome outcome) {
        synchronized (shared) {
            shared.count(outcome);
        }
    }

    /** Events that ended with {@code outcome}, summed over every recorder. */
    public long count(Outcome outcome) {
        long n = 0;
        for (Recorder r : recorders) {
            n += (long) LONGS.getOpaque(r.outcomes, outcome.ordinal());
        }
        return n;
    }

    /** A consistent-enough sum of every recorder: counts per bucket (not cumulative), then count, sum and max. */
    Snapshot snapshot() {
        long[] buckets = new long[BOUNDS_NANOS.length + 1];
        long count = 0;
        long sum = 0;
        long max = 0;
        for (Recorder r : recorders) {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] += (long) LONGS.getOpaque(r.counts, i);
            }
            count += (long) LONGS.getOpaque(r.totals, 0);
            sum += (long) LONGS.getOpaque(r.totals, 1);
            max = Math.max(max, (long) LONGS.getOpaque(r.totals, 2));
        }
        return new Snapshot(buckets, count, sum, max);
    }

    record Snapshot(long[] buckets, long count, long sumNanos, long maxNanos) {
        double meanMillis() {
            return count == 0 ? 0 : sumNanos / 1e6 / count;
        }
    }

    /** Single-writer recorder: only its owning thread calls {@link #record}. */
    public static final class Recorder {
        private final long[] outcomes = new long[Outcome.values().length];
        private final long[] counts = new long[BOUNDS_NANOS.length + 1];
        /** count, sum of nanos, max nanos. */
        private final long[] totals = new long[3];

        private Recorder() {}

        /** Counts an event that ran, with its duration. */
        public void record(Outcome outcome, long nanos) {
            count(outcome);
            int i = 0;
            while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
                i++;
            }
            LONGS.setOpaque(counts, i, (long) LONGS.getOpaque(counts, i) + 1);
            LONGS.setOpaque(totals, 0, (long) LONGS.getOpaque(totals, 0) + 1);
            LONGS.setOpaque(totals, 1, (long) LONGS.getOpaque(totals, 1) + nanos);
            if (nanos > (long) LONGS.getOpaque(totals, 2)) {
                LONGS.setOpaque(totals, 2, nanos);
            }
        }

        /** Counts an event without a duration. */
        public void count(Outcome outcome) {
            int o = outcome.ordinal();
            LONGS.setOpaque(outcomes, o, (long) LONGS.getOpaque(outcomes, o) + 1);
        }
    }
}
