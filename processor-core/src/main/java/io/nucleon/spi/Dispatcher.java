package io.nucleon.spi;

import io.nucleon.api.Event;

/**
 * Hands events from a trigger to its pool of workers. Thread-safe: any number of trigger threads
 * may dispatch at once.
 */
public interface Dispatcher {

    /**
     * Queues {@code event} for the next free worker and returns at once. When the bounded queue is
     * full this waits up to the trigger's worker-availability timeout for room. Either way,
     * {@code completion} is called exactly once: when the event has been handled, or with
     * {@link Outcome#REJECTED} (503) when no worker took it within the worker-availability timeout
     * or the processor is stopping.
     */
    void dispatch(Event event, Completion completion);

    /**
     * Like {@link #dispatch}, but idle workers may stay asleep until this thread calls
     * {@link #endBatch()}. For a trigger thread that hands over several events in a row (a Netty
     * event loop reading many connections, a consumer polling a batch): it pays for one wake-up per
     * batch instead of one per event. The caller must call {@link #endBatch()} soon after, from
     * the same thread, or the events wait.
     */
    default void dispatchBatched(Event event, Completion completion) {
        dispatch(event, completion);
    }

    /** Wakes idle workers for the events this thread dispatched with {@link #dispatchBatched}. */
    default void endBatch() {
    }

    /** The number of workers in the pool. */
    int numWorkers();

    /** Events accepted and not yet completed. */
    long inFlight();
}
