package io.nucleon.core.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import io.nucleon.spi.Json;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.RuntimeFailure;

/**
 * The {@link Response} each {@link Outcome} hands a trigger's completion: for {@link Outcome#SUCCESS}
 * the handler's result turned into a response (only for a completion that wants one), and for the
 * others the engine's error responses, 500 ({@link Outcome#HANDLER_ERROR}), 504
 * ({@link Outcome#TIMEOUT}) and 503 ({@link Outcome#REJECTED}, prepared once per pool since under
 * overload they are most of what it answers). The error body is {@link ErrorResponses}' shape.
 */
final class OutcomeResponses {
    private OutcomeResponses() {}

    /**
     * The response for a handler's (non-stage) result: a {@link Response} as is, {@code null} → 204,
     * a {@code String} → 200 text, {@code byte[]} → 200 octet-stream, anything else → 200 JSON.
     *
     * @throws JsonProcessingException when an object result cannot be serialised
     */
    static Response ofResult(Object result) throws JsonProcessingException {
        if (result instanceof Response r) {
            return r;
        }
        if (result == null) {
            return Response.noContent();
        }
        if (result instanceof String s) {
            return Response.text(s);
        }
        if (result instanceof byte[] b) {
            return Response.bytes(b);
        }
        return Response.builder()
                .contentType(Response.APPLICATION_JSON)
                .body(Json.toBytes(result))
                .build();
    }

    /** 500 for a failed handler; the error id is also in the log line with the stack trace. */
    static Response handlerError(String errorId) {
        return ErrorResponses.error(500, "handler failed", errorId, "see the function's log for this error id");
    }

    /** The status and message a runtime chose for its own failure (a wrapper died: 502, none can start: 503 …). */
    static Response runtimeFailure(RuntimeFailure failure, String errorId) {
        return ErrorResponses.error(failure.status(), "runtime failure", errorId, failure.getMessage());
    }

    /** 504 for a handler that ran past the event timeout. */
    static Response timeout(String errorId, long timeoutMillis) {
        return ErrorResponses.error(
                504, "event timeout", errorId, "the handler did not finish within " + timeoutMillis + " ms");
    }

    /** 503 for an event no worker took, telling the caller to try again after {@code retryAfterMillis}. */
    static Response rejected(String reason, long retryAfterMillis) {
        return ErrorResponses.overloaded(
                "no worker available", reason, ErrorResponses.retryAfterSeconds(retryAfterMillis));
    }
}
