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
     * The event timed out: stop the handler if that is possible (interrupt the thread, kill the
     * wrapper process). The worker running it is abandoned and replaced either way.
     */
    void abort(Thread workerThread);

    /** Runs the handler's close hook. Called on the worker's thread when the processor stops. */
    void close(Context context);
}
