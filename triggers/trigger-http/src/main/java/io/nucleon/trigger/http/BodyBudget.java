package io.nucleon.trigger.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The trigger-wide budget for request bodies held in memory ({@code maxInflightBodyBytes}): bytes
 * are reserved as a request's body is about to be received (its whole declared length at once, or
 * chunk by chunk for a chunked body) and given back when its reply is set, so the bodies of requests
 * being received, queued, waiting and running never add up to more than the limit. A request that
 * does not fit is answered 503 instead of growing the heap. Thread-safe, lock-free, never blocks.
 */
final class BodyBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    BodyBudget(long limit) {
        this.limit = limit;
    }

    /** The default limit: a quarter of the maximum heap, but at least one largest body. */
    static long defaultLimit(long maxRequestBodySize) {
        return Math.max(Runtime.getRuntime().maxMemory() / 4, maxRequestBodySize);
    }

    /** Reserves {@code bytes}, or returns {@code false} (reserving nothing) when they do not fit. */
    boolean tryReserve(long bytes) {
        if (bytes <= 0) {
            return true;
        }
        long u;
        do {
            u = used.get();
            if (u + bytes > limit) {
                return false;
            }
        } while (!used.compareAndSet(u, u + bytes));
        return true;
    }

    /** Gives back bytes reserved earlier. */
    void release(long bytes) {
        if (bytes > 0) {
            used.addAndGet(-bytes);
        }
    }

    long used() {
        return used.get();
    }

    long limit() {
        return limit;
    }
}
