package io.nuclio;

/**
 * A Nuclio Java function: its class, named in {@code spec.handler}, implements this interface and has
 * a public no-argument constructor. Each worker makes its own instance, so fields need no locking;
 * state shared between workers (static fields) does.
 */
public interface EventHandler {

    /**
     * Handles one event on a worker thread.
     *
     * @param context where the handler runs: its logger
     * @param event   the event to handle
     * @return the response; {@code null} answers 204 with no body. A thrown exception answers 500
     *     (the caller gets an error id, the log gets the stack trace).
     */
    Response handleEvent(Context context, Event event);
}
