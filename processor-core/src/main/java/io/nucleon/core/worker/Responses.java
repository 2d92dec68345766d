package io.nucleon.core.worker;

import io.nucleon.api.Json;
import io.nucleon.api.Response;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns what a handler returned into a {@link Response}, and makes the error responses
 * (500, 503, 504). The one place that knows the shape of Nucleon's error bodies:
 * {@code {"error": "...", "errorId": "...", "message": "..."}}.
 */
public final class Responses {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

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

    /** 503 for an event no worker took. */
    public static Response rejected(String reason) {
        return error(503, "no worker available", null, reason);
    }

    /** A JSON error response. */
    public static Response error(int status, String error, String errorId, String message) {
        StringBuilder sb = new StringBuilder(96).append("{\"error\":");
        quote(sb, error);
        if (errorId != null) {
            sb.append(",\"errorId\":");
            quote(sb, errorId);
        }
        if (message != null) {
            sb.append(",\"message\":");
            quote(sb, message);
        }
        sb.append('}');
        return Response.status(status).contentType(Response.APPLICATION_JSON)
                .body(sb.toString().getBytes(StandardCharsets.UTF_8)).build();
    }

    /** A new error id: 16 hex digits, unique enough to find one line in a log. */
    public static String newErrorId() {
        long v = ThreadLocalRandom.current().nextLong();
        byte[] out = new byte[16];
        for (int i = 15; i >= 0; i--) {
            out[i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
        return new String(out, StandardCharsets.US_ASCII);
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
