package io.nucleon.spi;

import io.nucleon.api.Event;

/**
 * Events that a worker hands its {@link WorkerRuntime} at once ({@link WorkerRuntime#invokeAll}),
 * and where the runtime reports how each ended.
 *
 * <p>The runtime reports the events in index order, each once, on the worker's thread. The event
 * after the last one reported is the one <i>running</i>: its event timeout counts from the moment its
 * predecessor was reported (or the batch was handed over, for the first), because a runtime runs
 * them one after another. The events after the running one have not started: if the runtime stops
 * early (it throws, or a report returns {@code false}), the worker puts them back in the pool
 * unharmed.
 */
public interface EventBatch {

    /** How many events the batch holds. */
    int size();

    /** Event {@code index}, 0 to {@code size() - 1}. */
    Event event(int index);

    /**
     * The handler returned {@code result} for event {@code index} (the running one). Returns
     * {@code false} when that event had already ended without it (it timed out, and the runtime is
     * being aborted): the runtime must then stop and return.
     */
    boolean succeeded(int index, Object result);

    /**
     * The handler failed on event {@code index} (the running one); returns as {@link #succeeded} does.
     *
     * <p>Once a report has returned {@code false}, the runtime may still report as failed, in order,
     * the events after the running one that it had already passed on (to a process that it is now
     * stopping, so it cannot say whether they ran): they end with {@code error} instead of going back
     * to the pool. These calls return {@code false}.
     */
    boolean failed(int index, Throwable error);

    /**
     * The runtime is about to wait (for a process's next answer, say): the replies of the events
     * reported so far go out now rather than at the end of the batch (see {@link CompletionHops}).
     */
    void flush();
}
