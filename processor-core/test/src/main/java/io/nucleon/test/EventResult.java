package io.nucleon.test;

import io.nucleon.api.Engine;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * How an event a test sent ended: what the engine told its trigger. {@link HttpResult} and
 * {@link MessageResult} add what an http or a message trigger does with it.
 */
public class EventResult {
    private final Event event;
    private final Outcome outcome;
    private final Response response;
    private final Throwable error;

    EventResult(Event event, Outcome outcome, Response response, Throwable error) {
        this.event = event;
        this.outcome = outcome;
        this.response = response;
        this.error = error;
    }

    EventResult(EventResult of) {
        this(of.event, of.outcome, of.response, of.error);
    }

    /** The event as the handler saw it. */
    public Event event() {
        return event;
    }

    /** How it ended: the handler returned, threw, ran past the event timeout, or no worker took it. */
    public Outcome outcome() {
        return outcome;
    }

    /** Whether the handler returned normally (the response may still carry a 4xx or 5xx status). */
    public boolean succeeded() {
        return outcome == Outcome.SUCCESS;
    }

    /**
     * The response: the handler's on success, otherwise the error response a sync caller would get
     * (500 with an error id, 504, 503). Never {@code null}.
     */
    public Response response() {
        return response;
    }

    /** What the handler threw, when {@link #outcome()} is {@link Outcome#HANDLER_ERROR}; otherwise {@code null}. */
    public Throwable error() {
        return error;
    }

    /** The response's body: for a message or a tick, the handler's result as the engine encodes it. */
    public byte[] body() {
        return response.body();
    }

    /** The body as UTF-8 text. */
    public String bodyAsString() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /** The body read as JSON into {@code type} (a record, a bean, a {@code Map}, Jackson's {@code JsonNode}). */
    public <T> T bodyAs(Class<T> type) {
        try {
            return Engine.get().readJson(body(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "the response body is not JSON that fits " + type.getSimpleName() + ": " + e.getMessage()
                            + "; body: " + bodyAsString(),
                    e);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + outcome.label() + ", event " + event.id() + " (" + event.triggerKind()
                + "), " + response.status() + (error != null ? ", " + error : "") + "}";
    }
}
