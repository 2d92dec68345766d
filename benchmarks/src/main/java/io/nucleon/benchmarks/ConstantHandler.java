package io.nucleon.benchmarks;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;

/**
 * A handler that does no work: it answers every event with the same, prebuilt
 * {@code 200 "Hello, world!"} {@link Response}. With nothing to do in the handler, a dispatch
 * benchmark measures only the machinery around it. It is stateless, so one instance
 * ({@link #INSTANCE}) serves every path.
 */
final class ConstantHandler implements Handler {
    /** The one instance every benchmark path calls. */
    static final ConstantHandler INSTANCE = new ConstantHandler();
    /** What it returns, built once. */
    static final Response HELLO = Response.text("Hello, world!");

    private ConstantHandler() {}

    @Override
    public Object handle(Context context, Event event) {
        return HELLO;
    }
}
