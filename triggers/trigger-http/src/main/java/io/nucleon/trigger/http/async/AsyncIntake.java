package io.nucleon.trigger.http.async;

import io.nucleon.api.Response;
import io.nucleon.spi.TriggerContext;
import java.util.Map;

/**
 * The durable side of a trigger's async calls: takes requests into a journal, hands them to the
 * trigger's workers later, and answers the status and dead-letter endpoints. Made by an
 * {@link AsyncIntakeFactory}. Thread-safe; {@link #accept} and {@link #control} are called on the
 * trigger's I/O threads and return without waiting for a handler.
 */
public interface AsyncIntake extends AutoCloseable {

    /**
     * Journals {@code request}. Returns {@code 202 Accepted} with {@code {"id", "status"}} only once
     * the request is in the journal; {@code 503} when the journal cannot take it (nothing is
     * dropped silently); {@code 400} for a callback URL that is malformed or that the intake's
     * address rules refuse (the answer names the rule).
     */
    Response accept(AsyncRequest request);

    /**
     * Answers a caller's request for one of the intake's public endpoints ({@code path} is relative to
     * the async prefix, e.g. {@code /status/<id>}), or returns {@code null} when {@code path} is not one
     * of them. Only what a caller may see about its own call belongs here: operations on everyone's
     * calls (listing or replaying dead letters) are {@linkplain TriggerContext#adminEndpoint admin
     * endpoints} on the control server. Called on an I/O thread, which it must not hold: an answer
     * that needs more than a lookup is made on a thread of the intake's own and completes the stage
     * from there.
     *
     * @param query the request's query string without the {@code ?}, or {@code null} when it has none
     */
    java.util.concurrent.CompletionStage<Response> control(String method, String path, String query);

    /** Stops handing journal entries to the workers (the processor is stopping); accepting may go on. */
    void stopDispatching();

    /** Releases everything; entries not finished are handed out again by the next intake on the directory. */
    @Override
    void close();

    /** Facts for the trigger's {@code /status}. */
    default Map<String, Object> status() {
        return Map.of();
    }
}
