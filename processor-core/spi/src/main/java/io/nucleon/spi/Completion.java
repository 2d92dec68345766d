package io.nucleon.spi;

import io.nucleon.api.Event;
import io.nucleon.api.Response;

/**
 * Learns how a dispatched event ended. Called exactly once per event given to
 * {@link Dispatcher#dispatch}, on whichever thread finished it: a worker, the timeout watchdog, the
 * thread that completed the handler's stage, or the dispatching thread itself when the event was
 * rejected. It must not block; a trigger that needs its own thread (a Netty event loop) hops there.
 */
@FunctionalInterface
public interface Completion {

    /**
     * @param event    the event as dispatched
     * @param outcome  how it ended
     * @param response the response to send: the handler's on success, an error response otherwise
     *                 (500 with an error id, 504, 503); never {@code null}
     * @param error    the cause on {@link Outcome#HANDLER_ERROR}, otherwise {@code null}
     */
    void complete(Event event, Outcome outcome, Response response, Throwable error);
}
