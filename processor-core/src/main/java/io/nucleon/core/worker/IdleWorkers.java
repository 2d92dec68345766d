package io.nucleon.core.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the idle workers of a {@code blocking} pool sleep, and the rule for waking them: wake one
 * worker only when events wait and no worker is already awake looking for one.
 *
 * <pre>
 *  dispatch / endBatch ──signal()──▶ nobody searching? ──▶ wake the lowest-numbered sleeper (it searches)
 *  searching worker claims an event ──▶ more waiting and nobody else searching? ──▶ wake one more
 * </pre>
 *
 * A burst of quick events is therefore drained by as few threads as keep up with it (a thread
 * switch costs far more than a small handler here), while slow events still fan out over every
 * worker: each worker that finds an event wakes the next one before it runs its handler. Waking
 * prefers low-numbered workers, so a light load stays on a few warm threads.
 *
 * <p>Lost wake-ups cannot happen: a worker marks itself parked and then looks for events once more
 * before it sleeps; a dispatcher publishes its event and then looks for parked workers. Whichever
 * comes second sees the other. A worker woken while it was still looking (a "stale" wake) simply
 * carries on as a searching worker.
 *
 * <p>In an elastic pool, a wake-up that finds no sleeper tells the pool so ({@code noSleeper}: events
 * wait and no worker is idle, the cue to grow), and an idle worker parks only until its idle deadline,
 * after which it may retire. A worker whose deadline passes un-woken was never counted as searching,
 * so retiring leaves no wake-up owed.
 *
 * <p>Thread-safe; {@link #signal()} never blocks. {@link #park} blocks its caller until woken or until
 * its deadline.
 */
final class IdleWorkers {
    private static final int RUNNING = 0;
    private static final int PARKED = 1;
    private static final int WOKEN = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Parker.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One worker's place: its thread and whether it sleeps. */
    static final class Parker {
        final int index;
        final Thread thread;

        @SuppressWarnings("unused")
        private volatile int state;

        Parker(int index, Thread thread) {
            this.index = index;
            this.thread = thread;
        }
    }

    private final Parker[] parkers;
    /** Bit {@code i} set: worker {@code i} may be parked (it is, unless it is about to run again). */
    private final AtomicLongArray parkedBits;
    /** Workers woken and not yet settled: they will find the waiting events, so nobody else need be woken. */
    private final AtomicInteger searching = new AtomicInteger();
    /** Told when a wake-up found no sleeper (an elastic pool grows then); {@code null} for a fixed pool. */
    private final Runnable noSleeper;

    /** A {@link #park} deadline meaning none: the worker sleeps until woken. */
    static final long NO_DEADLINE = Long.MAX_VALUE;

    IdleWorkers(int workers) {
        this(workers, null);
    }

    /**
     * @param noSleeper called, on the waker's thread, when events wait and no worker sleeps; must not block
     */
    IdleWorkers(int workers, Runnable noSleeper) {
        this.parkers = new Parker[workers];
        this.parkedBits = new AtomicLongArray((workers + 63) >>> 6);
        this.noSleeper = noSleeper;
    }

    /** Gives worker {@code index} its place (again, for a replacement); call before it runs. */
    Parker register(int index, Thread thread) {
        Parker p = new Parker(index, thread);
        parkers[index] = p;
        return p;
    }

    /**
     * Called after events were published: wakes one sleeper unless a worker is already searching.
     * Costs a fence and two volatile reads when nobody sleeps or somebody searches.
     */
    void signal() {
        // The event was published with a release store; without a full fence x86 may let the reads
        // below pass that store, and a worker parking at that moment would miss the event.
        VarHandle.fullFence();
        if (searching.get() == 0 && !wakeOne() && noSleeper != null) {
            noSleeper.run();
        }
    }

    /** A searching worker found an event; when more wait and nobody else searches, it wakes a helper. */
    void foundEvent(java.util.function.BooleanSupplier moreWaiting) {
        // decrement first: a dispatcher that saw us searching skipped its wake-up, so look after it
        if (searching.decrementAndGet() == 0 && moreWaiting.getAsBoolean() && !wakeOne() && noSleeper != null) {
            noSleeper.run();
        }
    }

    /** A searching worker found nothing and goes back to sleep. */
    void foundNothing() {
        searching.decrementAndGet();
    }

    /** {@link #park(Parker, java.util.function.BooleanSupplier, long)} without a deadline. */
    boolean park(Parker me, java.util.function.BooleanSupplier stillIdle) {
        return park(me, stillIdle, NO_DEADLINE);
    }

    /**
     * Parks the calling worker until it is woken, or until {@code deadline} ({@link System#nanoTime()},
     * or {@link #NO_DEADLINE}). Before sleeping it asks {@code stillIdle} once more, after it is
     * visible to wakers. Returns whether a waker woke it, in which case it counts as searching until
     * it reports {@link #foundEvent} or {@link #foundNothing}; {@code false} when it did not sleep or its
     * deadline passed first (then nobody counts on it).
     */
    boolean park(Parker me, java.util.function.BooleanSupplier stillIdle, long deadline) {
        STATE.setVolatile(me, PARKED);
        setBit(me.index);
        if (!stillIdle.getAsBoolean()) {
            if (STATE.compareAndSet(me, PARKED, RUNNING)) {
                return false; // nobody counted us; our bit may stay set and is skipped later
            }
            STATE.setVolatile(me, RUNNING); // a waker got here first and counted us as searching
            return true;
        }
        while ((int) STATE.getVolatile(me) == PARKED) {
            if (deadline == NO_DEADLINE) {
                LockSupport.park(this);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (STATE.compareAndSet(me, PARKED, RUNNING)) {
                        return false; // not woken: nobody counted us; our bit may stay set and is skipped later
                    }
                    break; // a waker got here first and counted us as searching
                }
                LockSupport.parkNanos(this, left);
            }
            Thread.interrupted(); // an interrupt is no reason to wake: only a waker is
        }
        STATE.setVolatile(me, RUNNING);
        return true;
    }

    /** Wakes every sleeper (the pool is closing). */
    void wakeAll() {
        while (wakeOne()) {
            // until none sleeps
        }
    }

    /** Workers sleeping now. */
    int sleeping() {
        int n = 0;
        for (Parker p : parkers) {
            if (p != null && (int) STATE.getVolatile(p) == PARKED) {
                n++;
            }
        }
        return n;
    }

    private boolean wakeOne() {
        for (int w = 0; w < parkedBits.length(); w++) {
            long bits;
            while ((bits = parkedBits.get(w)) != 0) {
                long lowest = bits & -bits;
                if (!parkedBits.compareAndSet(w, bits, bits & ~lowest)) {
                    continue;
                }
                Parker p = parkers[(w << 6) + Long.numberOfTrailingZeros(lowest)];
                searching.incrementAndGet(); // before the wake, so the woken worker can never take it below zero
                if (p != null && STATE.compareAndSet(p, PARKED, WOKEN)) {
                    LockSupport.unpark(p.thread);
                    return true;
                }
                searching.decrementAndGet(); // a stale bit: that worker is running
            }
        }
        return false;
    }

    private void setBit(int index) {
        int w = index >>> 6;
        long bit = 1L << (index & 63);
        long bits;
        while (((bits = parkedBits.get(w)) & bit) == 0 && !parkedBits.compareAndSet(w, bits, bits | bit)) {
            Thread.onSpinWait();
        }
    }
}
