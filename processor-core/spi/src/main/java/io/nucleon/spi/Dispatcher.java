package io.nucleon.spi;

import io.nucleon.api.Event;
import io.nucleon.api.Response;

/**
 * Hands events from a trigger to its pool of workers. Thread-safe: any number of trigger threads
 * may dispatch at once, and no call ever blocks the calling thread, so a trigger may dispatch from an
 * event loop, a broker client's callback thread or a timer.
 */
public interface Dispatcher {

    /**
     * Queues {@code event} for the next free worker and returns at once, without blocking. When the
     * bounded queue is full, the trigger's {@code whenQueueFull} decides: {@code wait} puts the event
     * on a bounded waiting list that moves into the queue as room frees (no thread waits), {@code reject}
     * rejects it at once. {@code completion} is called exactly once: when the event has been handled,
     * or with {@link Outcome#REJECTED} (503 with {@code Retry-After}) when no worker took it within the
     * worker-availability timeout, the queue and the waiting list were full, or the processor is
     * stopping. A rejection may be completed on the calling thread before this method returns.
     * The engine calls {@link Completion#complete(Event, Outcome, Response, Throwable, Dispatcher)};
     * a completion that hands out the next event in turn should dispatch it through the {@code next}
     * it gets there rather than through this dispatcher, so that the worker that finished takes it.
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
    default void endBatch() {}

    /** The number of workers in the pool. */
    int numWorkers();

    /** Events accepted and not yet completed. */
    long inFlight();
}
