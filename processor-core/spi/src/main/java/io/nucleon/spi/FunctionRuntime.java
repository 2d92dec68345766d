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

    /** What {@code /status} shows about the runtime (processes, restarts …); empty by default. */
    default java.util.Map<String, Object> status() {
        return java.util.Map.of();
    }

    /** Releases what the runtime holds once every worker is closed. */
    @Override
    default void close() {}
}
