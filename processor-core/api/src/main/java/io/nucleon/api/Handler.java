package io.nucleon.api;

/**
 * A function: called once per event on a worker thread.
 *
 * <p>Each worker owns its own handler instance when the handler is named by class (in
 * {@code function.yaml}); a handler instance given to the builder is shared by all workers and must
 * be thread-safe. {@link #init(Context)} runs once per worker before its first event (like Nuclio's
 * {@code init_context}), {@link #close(Context)} once per worker when the processor stops (or, in a
 * trigger with {@code minWorkers} below {@code numWorkers}, when an idle worker retires).
 *
 * <p>What {@link #handle} may return:
 * <ul>
 *   <li>a {@link Response}: sent as it is;</li>
 *   <li>{@code byte[]}: 200, {@code application/octet-stream};</li>
 *   <li>a {@link String}: 200, {@code text/plain; charset=utf-8};</li>
 *   <li>{@code null}: 204 with no body;</li>
 *   <li>a {@link java.util.concurrent.CompletionStage} of any of these: the worker is free at once and
 *       the event completes when the stage does (still bound by the event timeout);</li>
 *   <li>any other object: serialised as JSON with Jackson, 200, {@code application/json}.</li>
 * </ul>
 * A thrown exception becomes a 500 whose JSON body carries an error id that is also logged with
 * the stack trace. A handler that runs past the function's event timeout is abandoned: the caller
 * gets a 504, the thread is interrupted and a new worker takes its place.
 */
@FunctionalInterface
public interface Handler {

    /** Handles one event. May block; the worker is busy until it returns. */
    Object handle(Context context, Event event) throws Exception;

    /**
     * Called once per worker before its first event. A failure stops the processor from starting; for
     * a worker started later (on demand, or in place of a timed-out one) it is logged and the pool
     * carries on without that worker.
     */
    default void init(Context context) throws Exception {}

    /** Called once per worker when the processor stops or the worker retires, after its last event. */
    default void close(Context context) throws Exception {}
}
