package io.nucleon.core.worker;

import io.nucleon.spi.Json;
import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;

/**
 * Turns what a handler returned into a {@link Response}, and makes the error responses
 * (500, 503, 504) of the worker pool. The body shape is {@link ErrorResponses}'.
 */
public final class Responses {
    private Responses() {
    }

    /**
     * The response for a handler's (non-stage) result.
     *
     * @throws com.fasterxml.jackson.core.JsonProcessingException when an object result cannot be serialised
     */
    public static Response fromResult(Object result) throws com.fasterxml.jackson.core.JsonProcessingException {
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
        return Response.builder().contentType(Response.APPLICATION_JSON).body(Json.toBytes(result)).build();
    }

    /** 500 for a failed handler; the error id is also in the log line with the stack trace. */
    public static Response handlerError(String errorId) {
        return error(500, "handler failed", errorId, "see the function's log for this error id");
    }

    /** 504 for a handler that ran past the event timeout. */
    public static Response timeout(String errorId, long timeoutMillis) {
        return error(504, "event timeout", errorId, "the handler did not finish within " + timeoutMillis + " ms");
    }

    /** 503 for an event no worker took, telling the caller to try again after {@code retryAfterMillis}. */
    public static Response rejected(String reason, long retryAfterMillis) {
        return ErrorResponses.overloaded("no worker available", reason, ErrorResponses.retryAfterSeconds(retryAfterMillis));
    }

    /** A JSON error response (see {@link ErrorResponses#error}). */
    public static Response error(int status, String error, String errorId, String message) {
        return ErrorResponses.error(status, error, errorId, message);
    }

    /** A new error id (see {@link ErrorResponses#newErrorId}). */
    public static String newErrorId() {
        return ErrorResponses.newErrorId();
    }
}
