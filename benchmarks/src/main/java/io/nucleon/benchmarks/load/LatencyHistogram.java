package io.nucleon.benchmarks.load;

/**
 * A fixed-size histogram of durations in nanoseconds, with log-linear buckets in the manner of
 * HdrHistogram: values below 128 ns have a bucket each, and every power of two above is split into
 * 128 equal buckets, so a bucket is at most 1/128 (0.8 %) of its values wide. The range is 0 to
 * 2<sup>40</sup> ns (about 18 minutes); longer values land in the last bucket, and the exact maximum
 * is kept apart.
 *
 * <p>{@link #record} is a few arithmetic operations and one array increment: no allocation, no
 * lock. Not thread-safe: one thread records, and others read only after it has stopped (the load
 * generator records on its event loop and reports after the run).
 */
public final class LatencyHistogram {
    private static final int SUB_BITS = 7;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    private static final int MAX_MAGNITUDE = 40;
    private static final int BUCKETS = SUB_COUNT + (MAX_MAGNITUDE - SUB_BITS + 1) * SUB_COUNT;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;
    private long min = Long.MAX_VALUE;
    private double sum;

    /** Counts one duration; negative values count as 0. */
    public void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        total++;
        sum += v;
        if (v > max) {
            max = v;
        }
        if (v < min) {
            min = v;
        }
    }

    /** How many durations were recorded. */
    public long count() {
        return total;
    }

    /** The longest duration recorded, exactly; 0 when empty. */
    public long max() {
        return max;
    }

    /** The shortest duration recorded, exactly; 0 when empty. */
    public long min() {
        return total == 0 ? 0 : min;
    }

    /** The mean duration; 0 when empty. */
    public double mean() {
        return total == 0 ? 0 : sum / total;
    }

    /**
     * The duration at or below which {@code percent} % of the recorded ones lie, as the upper bound
     * of the bucket that holds it (so it errs high by at most 0.8 %), never more than {@link #max()};
     * 0 when empty.
     */
    public long percentile(double percent) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }

    /** Adds every count of {@code other} to this one. */
    public void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        max = Math.max(max, other.max);
        min = Math.min(min, other.min);
    }

    static int index(long v) {
        if (v < SUB_COUNT) {
            return (int) v;
        }
        int magnitude = 63 - Long.numberOfLeadingZeros(v);
        if (magnitude > MAX_MAGNITUDE) {
            return BUCKETS - 1;
        }
        int shift = magnitude - SUB_BITS;
        int sub = (int) (v >>> shift) - SUB_COUNT;
        return SUB_COUNT + shift * SUB_COUNT + sub;
    }

    /** The largest value that lands in bucket {@code i}. */
    static long upperBound(int i) {
        if (i < SUB_COUNT) {
            return i;
        }
        int shift = (i - SUB_COUNT) / SUB_COUNT;
        int sub = (i - SUB_COUNT) % SUB_COUNT;
        long low = (long) (SUB_COUNT + sub) << shift;
        return low + (1L << shift) - 1;
    }
}
