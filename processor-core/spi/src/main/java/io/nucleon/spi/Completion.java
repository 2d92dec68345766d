package io.nucleon.spi;

import io.nucleon.api.Event;
import io.nucleon.api.Response;

/**
 * Learns how a dispatched event ended. Called exactly once per event given to
 * {@link Dispatcher#dispatch}, on whichever thread finished it: a worker, the timeout watchdog, the
 * thread that completed the handler's stage, or the dispatching thread itself when the event was
 * rejected. It must not block; a trigger that needs its own thread (a Netty event loop) hops there.
 *
 * <h2>A response, or only the outcome</h2>
 * A trigger that answers a caller (an HTTP reply, an async call's stored result) needs the handler's
 * result as a {@link Response}: that is the default. A trigger that only acknowledges, commits or
 * forgets (a broker's message, a timer's tick) returns {@code false} from {@link #wantsResponse()}.
 * The engine then never turns a successful handler's result into a {@code Response} (no JSON
 * serialisation of a plain object), so such a result costs nothing and cannot fail the event: the
 * event ends as {@link Outcome#SUCCESS} with a {@code null} response. The other outcomes carry their
 * error response either way.
 *
 * <h2>Handing the next event to the same worker</h2>
 * The engine calls {@link #complete(Event, Outcome, Response, Throwable, Dispatcher)}, whose
 * {@code next} dispatches into the same pool. When the completion runs on the worker that ran the
 * event, the first event it dispatches through {@code next} wakes nobody: that worker claims an event
 * as soon as the completion returns, so a trigger that hands out one event per finished one (a Kafka
 * partition, in order) keeps the work on one warm thread instead of waking a second one per event.
 * Later events of the same call, and every call on another thread, are ordinary dispatches. A
 * completion that dispatches nothing ignores {@code next} and implements the four-argument method
 * alone.
 */
@FunctionalInterface
public interface Completion {

    /**
     * @param event    the event as dispatched
     * @param outcome  how it ended
     * @param response the response to send: the handler's on success, an error response otherwise
     *                 (500 with an error id, 504, 503); {@code null} only on {@link Outcome#SUCCESS}
     *                 when {@link #wantsResponse()} is {@code false}
     * @param error    the cause on {@link Outcome#HANDLER_ERROR}, otherwise {@code null}
     */
    void complete(Event event, Outcome outcome, Response response, Throwable error);

    /**
     * What the engine calls: {@link #complete(Event, Outcome, Response, Throwable)} with a dispatcher
     * for the events this completion hands out in turn (see "Handing the next event to the same
     * worker" above). Override it, rather than the four-argument method, to dispatch through
     * {@code next}. {@code next} is only worth more than the trigger's own dispatcher during this
     * call; kept and used later, it is an ordinary dispatcher.
     *
     * @param next dispatches into the pool this event ran in, without waking another worker for the
     *             first event when called on the worker that ran this one
     */
    default void complete(Event event, Outcome outcome, Response response, Throwable error, Dispatcher next) {
        complete(event, outcome, response, error);
    }

    /**
     * Whether this completion uses the {@link Response} of a successful event. {@code true} by
     * default; {@code false} for a trigger that only acks, commits or forgets, which then gets a
     * {@code null} response on {@link Outcome#SUCCESS} and a handler result that is never serialised.
     * Asked once per event, when it ends; the answer should not change.
     */
    default boolean wantsResponse() {
        return true;
    }

    /**
     * The most events, this one included, that a worker may hand the handler at once when its runtime
     * takes batches ({@link WorkerRuntime#takesBatches()}): a worker that takes this event also takes
     * up to this many minus one more that are already queued (it never waits for more). {@code 1} by
     * default: batches are off unless the trigger turns them on (the kafka trigger's {@code batchSize}).
     */
    default int batchLimit() {
        return 1;
    }
}
