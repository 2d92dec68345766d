package io.nucleon.runtime.nuclio;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nuclio.EventHandler;

/**
 * One worker's Nuclio handler as a {@link Handler}. Nuclio's API has no init or close hook, so only
 * {@link #handle} reaches the handler. Used from its worker's thread only.
 */
final class NuclioHandler implements Handler {
    private final EventHandler handler;
    private Context context;
    private NuclioContext nuclioContext;

    NuclioHandler(EventHandler handler) {
        this.handler = handler;
    }

    @Override
    public void init(Context context) {
        contextFor(context);
    }

    @Override
    public Object handle(Context context, Event event) {
        return NuclioResponses.toNucleon(handler.handleEvent(contextFor(context), new NuclioEvent(event)));
    }

    /** The worker's Nuclio context, made once: the engine gives a worker the same context for all its events. */
    private NuclioContext contextFor(Context c) {
        if (c != context) {
            context = c;
            nuclioContext = new NuclioContext(c);
        }
        return nuclioContext;
    }

    @Override
    public String toString() {
        return "NuclioHandler[" + handler.getClass().getName() + "]";
    }
}
