package io.nucleon.core.worker;

import io.nucleon.api.Event;
import io.nucleon.spi.Completion;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The events of a {@link QueueFullPolicy#WAIT} pool that found its ring full: a bounded FIFO that
 * holds them without holding a thread, until room frees in the ring or their wait passes the
 * availability timeout.
 *
 * <pre>
 *  dispatch (ring full) ──offer──▶ [ waiting list, at most capacity ] ──drain: oldest first──▶ ring
 *                                          │ waited past the availability timeout, or the pool closed
 *                                          └──▶ rejected (503)
 * </pre>
 *
 * Any thread may {@link #offer}; removal is done by one drainer at a time (the thread that wins
 * {@link #tryLock}), so the head it peeks is the head it takes. A drainer re-checks after unlocking
 * (see {@link WorkerPool#drainWaiting}), so an offer that raced with the end of a drain is not
 * left behind. Never blocks.
 */
final class WaitingList {

    /** One waiting event; {@code queuedAt} is when it was dispatched, so its whole wait is bounded. */
    record Waiter(Event event, Completion completion, long queuedAt) {}

    private final int capacity;
    private final ConcurrentLinkedQueue<Waiter> queue = new ConcurrentLinkedQueue<>();
    /** Waiters offered and not yet taken; bounds the list, and is the one value the hot path reads. */
    private final AtomicInteger size = new AtomicInteger();

    private final AtomicBoolean draining = new AtomicBoolean();

    WaitingList(int capacity) {
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Events waiting now. */
    int size() {
        return size.get();
    }

    /** Whether any event waits: one volatile read, for the dispatch and worker paths. */
    boolean hasWaiters() {
        return size.get() != 0;
    }

    /** Adds an event at the tail; returns {@code false}, adding nothing, when the list is full. */
    boolean offer(Event event, Completion completion, long queuedAt) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        queue.offer(new Waiter(event, completion, queuedAt));
        return true;
    }

    /** Becomes the drainer, or returns {@code false} when another thread is draining. */
    boolean tryLock() {
        return !draining.get() && draining.compareAndSet(false, true);
    }

    void unlock() {
        draining.set(false);
    }

    /** Whether no waiter is in the list (one being offered right now may not show yet). */
    boolean isEmpty() {
        return queue.peek() == null;
    }

    /** The oldest waiter, or {@code null}; drainer only. */
    Waiter peek() {
        return queue.peek();
    }

    /** Removes the oldest waiter (the one {@link #peek} gave); drainer only. */
    void removeHead() {
        if (queue.poll() != null) {
            size.decrementAndGet();
        }
    }
}
