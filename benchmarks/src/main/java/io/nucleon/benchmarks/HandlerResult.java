package io.nucleon.benchmarks;

import io.nucleon.api.Handler;

/**
 * What the throughput benchmarks' handler returns, chosen with {@code -Dresult=}: {@code null}
 * (nothing, the default) or {@code object}, a small record, as a handler that reports what it did
 * returns. A trigger that answers a caller serialises the record as JSON; a trigger that only acks or
 * commits need not.
 */
public final class HandlerResult {
    /** {@code -Dresult=null|object}. */
    public static final String KIND = System.getProperty("result", "null");

    /** What the {@code object} handler returns for each event. */
    public record Handled(long offset, boolean ok) {}

    private HandlerResult() {}

    /** A handler that counts each event with {@code counted} and returns the configured result. */
    public static Handler counting(Runnable counted) {
        return switch (KIND) {
            case "null" ->
                (ctx, e) -> {
                    counted.run();
                    return null;
                };
            case "object" ->
                (ctx, e) -> {
                    counted.run();
                    return new Handled(e.offset(), true);
                };
            default -> throw new IllegalArgumentException("-Dresult must be null or object, got " + KIND);
        };
    }
}
