package io.nucleon.benchmarks;

import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Outcome;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The end of every benchmark path: counts completed events so that the benchmark thread can wait
 * until a batch is through. It costs one atomic increment per event, the same on every path.
 *
 * <p>Events that did not succeed are counted separately and fail the iteration (see
 * {@link #checkAllSucceeded()}): a path that rejected or timed out events would otherwise look fast.
 */
final class CountingCompletion implements Completion {
    /** How long {@link #awaitCount} waits before it decides that the path lost events. */
    private static final long STALL_NANOS = 30_000_000_000L;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** The last response seen; keeps the response observable so nothing can be optimised away. */
    private volatile Response last;

    @Override
    public void complete(Event event, Outcome outcome, Response response, Throwable error) {
        if (outcome != Outcome.SUCCESS) {
            failed.incrementAndGet();
            last = response;
        }
        completed.incrementAndGet();
    }

    /** Events completed so far, whatever their outcome. */
    long completed() {
        return completed.get();
    }

    /**
     * Spins until at least {@code target} events have completed and returns the count. The waiting
     * thread is the benchmark's producer, which has nothing else to do; spinning rather than parking
     * keeps the wake-up cost of the waiter out of the figures on every path alike.
     *
     * @throws IllegalStateException when the count stops short of the target for 30 s
     */
    long awaitCount(long target) {
        long n;
        long spins = 0;
        long since = 0;
        while ((n = completed.get()) < target) {
            Thread.onSpinWait();
            if ((++spins & 0xFFFF) == 0) {
                long now = System.nanoTime();
                if (since == 0) {
                    since = now;
                } else if (now - since > STALL_NANOS) {
                    throw new IllegalStateException("only " + n + " of " + target + " events completed within 30 s");
                }
            }
        }
        return n;
    }

    /**
     * @throws IllegalStateException when any event ended other than {@link Outcome#SUCCESS}
     */
    void checkAllSucceeded() {
        long f = failed.get();
        if (f > 0) {
            throw new IllegalStateException(f + " events did not succeed; the last response was " + last);
        }
    }
}
