package io.nucleon.spi;

import io.nucleon.api.Context;
import io.nucleon.api.Event;

/**
 * One worker's handle on the handler. {@link #invoke} is only called from the worker's thread, one
 * event at a time; {@link #abort} may be called from the timeout watchdog while {@link #invoke} runs.
 */
public interface WorkerRuntime {

    /** Runs the handler on {@code event}; returns what the handler returned (see {@link io.nucleon.api.Handler}). */
    Object invoke(Context context, Event event) throws Exception;

    /**
     * The event timed out: stop the handler if that is possible (interrupt the thread, kill the
     * wrapper process). The worker running it is abandoned and replaced either way.
     */
    void abort(Thread workerThread);

    /** Runs the handler's close hook. Called on the worker's thread when the processor stops. */
    void close(Context context);
}
