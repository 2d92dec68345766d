package io.nucleon.spi;

import io.nucleon.api.Context;
import io.nucleon.api.Event;

/**
 * One worker's handle on the handler. {@link #invoke} and {@link #invokeAll} are only called from the
 * worker's thread, one call at a time; {@link #abort} may be called from the timeout watchdog while
 * either runs.
 */
public interface WorkerRuntime {

    /** Runs the handler on {@code event}; returns what the handler returned (see {@link io.nucleon.api.Handler}). */
    Object invoke(Context context, Event event) throws Exception;

    /**
     * The most events the worker hands {@link #invokeAll} at once. 1, the default, means one at a time
     * through {@link #invoke}. A runtime that gains from having several events in hand (a wrapper
     * process that can be sent the next events while it works on the first) returns more; the worker
     * then passes along the events already queued when it takes one, up to this many, and only while no
     * other worker of the pool is idle, so that no event waits in a batch that an idle worker could run.
     */
    default int batchLimit() {
        return 1;
    }

    /**
     * Runs the handler on each event of {@code batch}, in order, reporting each outcome through the
     * batch as soon as it is known (see {@link EventBatch} for the rules). The default calls
     * {@link #invoke} for each. An exception thrown out of this method ends the event being run (the
     * first one not reported yet) with that exception; the events after it were never started and
     * go back to the pool.
     */
    default void invokeAll(Context context, EventBatch batch) throws Exception {
        for (int i = 0; i < batch.size(); i++) {
            Object result;
            try {
                result = invoke(context, batch.event(i));
            } catch (Exception e) {
                if (!batch.failed(i, e)) {
                    return;
                }
                continue;
            }
            if (!batch.succeeded(i, result)) {
                return;
            }
        }
    }

    /**
     * Runs the handler on several events at once, for a runtime whose handlers take batches (the
     * {@code python} runtime: Nuclio's batch API). One {@link BatchOutcome} per event, in order: one
     * failed event fails only itself. By default, {@link #invoke} on each event in turn.
     *
     * @throws Exception when the whole batch failed (a wrapper that died, a timeout)
     */
    default java.util.List<BatchOutcome> invokeBatch(Context context, java.util.List<Event> events) throws Exception {
        java.util.List<BatchOutcome> out = new java.util.ArrayList<>(events.size());
        for (Event e : events) {
            try {
                out.add(new BatchOutcome(invoke(context, e), null));
            } catch (Exception t) {
                out.add(new BatchOutcome(null, t));
            }
        }
        return out;
    }

    /**
     * Whether {@link #invokeBatch} hands the handler a list (the {@code python} runtime); {@code false}
     * by default, and the worker then runs events one at a time whatever the trigger allows.
     */
    default boolean takesBatches() {
        return false;
    }

    /** What one event of a batch came to: the handler's result, or {@code error} when it failed. */
    record BatchOutcome(Object result, Throwable error) {}

    /**
     * The event timed out: stop the handler if that is possible (interrupt the thread, kill the
     * wrapper process). The worker running it is abandoned and replaced either way.
     */
    void abort(Thread workerThread);

    /** Runs the handler's close hook. Called on the worker's thread when the processor stops. */
    void close(Context context);
}
