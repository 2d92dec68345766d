package io.nucleon.runtime.external.supervision;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket for log lines: on average {@code perSecond} lines a second, and up to {@code burst}
 * at once after a quiet spell. Kept as one "theoretical arrival time" (the generic cell rate
 * algorithm): each admitted line moves it one interval on, and a line is refused while it is more
 * than {@code burst - 1} intervals ahead of now. Thread-safe and lock-free; {@link #tryTake} never
 * blocks, so a reader that must keep draining a pipe can ask it for every line.
 */
final class LogLineBudget {
    private final long intervalNanos;
    private final long toleranceNanos;
    private final AtomicLong theoreticalArrival;

    LogLineBudget(int perSecond, int burst) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException(
                    "perSecond and burst must be at least 1, got " + perSecond + " and " + burst);
        }
        this.intervalNanos = Math.max(1, 1_000_000_000L / perSecond);
        this.toleranceNanos = (burst - 1L) * intervalNanos;
        this.theoreticalArrival = new AtomicLong(System.nanoTime());
    }

    /** Takes one line from the budget; {@code false} when it is spent (the line should be dropped). */
    boolean tryTake() {
        long now = System.nanoTime();
        while (true) {
            long tat = theoreticalArrival.get();
            long start = tat - now > 0 ? tat : now; // nanoTime values compare by difference
            if (start - now > toleranceNanos) {
                return false;
            }
            if (theoreticalArrival.compareAndSet(tat, start + intervalNanos)) {
                return true;
            }
        }
    }
}
