package io.nucleon.spi;

import io.nucleon.api.Response;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The error responses triggers and runtimes send themselves: one JSON shape for every error Nucleon
 * answers, {@code {"error": "...", "errorId": "...", "message": "..."}}, where {@code error} is a
 * short fixed phrase a client may match on, {@code errorId} (optional) is also on the log line with
 * the details, and {@code message} says what was wrong in words. Thread-safe, allocation only.
 */
public final class ErrorResponses {
    /** The header that tells a rejected client when to try again, in whole seconds. */
    public static final String RETRY_AFTER = "Retry-After";

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private ErrorResponses() {}

    /** A JSON error response; {@code errorId} and {@code message} may be {@code null}. */
    public static Response error(int status, String error, String errorId, String message) {
        return Response.status(status)
                .contentType(Response.APPLICATION_JSON)
                .body(body(error, errorId, message))
                .build();
    }

    /**
     * A {@code 503} for work refused because something is full (workers, connections, memory), with
     * {@value #RETRY_AFTER} set to {@code retryAfterSeconds} (at least 1).
     */
    public static Response overloaded(String error, String message, long retryAfterSeconds) {
        return Response.status(503)
                .contentType(Response.APPLICATION_JSON)
                .header(RETRY_AFTER, Long.toString(Math.max(1, retryAfterSeconds)))
                .body(body(error, null, message))
                .build();
    }

    /** The whole seconds a {@value #RETRY_AFTER} header should carry for a wait of {@code millis}: rounded up, at least 1. */
    public static long retryAfterSeconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
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

    /** The body of {@link #error}, as UTF-8 JSON. */
    public static byte[] body(String error, String errorId, String message) {
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
        return sb.toString().getBytes(StandardCharsets.UTF_8);
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
