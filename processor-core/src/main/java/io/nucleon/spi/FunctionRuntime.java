package io.nucleon.spi;

import io.nucleon.api.Context;

/**
 * Runs a function's handler: one {@link WorkerRuntime} per worker.
 */
public interface FunctionRuntime extends AutoCloseable {

    /**
     * Prepares a worker: instantiates (or connects to) its handler and runs the handler's init hook.
     * Called on the worker's own thread before its first event.
     */
    WorkerRuntime startWorker(Context context) throws Exception;

    /** Releases what the runtime holds once every worker is closed. */
    @Override
    default void close() {
    }
}
