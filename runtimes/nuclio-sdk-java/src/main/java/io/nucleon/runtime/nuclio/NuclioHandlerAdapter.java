package io.nucleon.runtime.nuclio;

import io.nucleon.api.Handler;
import io.nucleon.spi.HandlerAdapter;
import io.nuclio.EventHandler;

/**
 * Lets the {@code java} runtime run classes implementing Nuclio's {@link EventHandler}. Registered in
 * {@code META-INF/services/io.nucleon.spi.HandlerAdapter}.
 */
public final class NuclioHandlerAdapter implements HandlerAdapter {

    /** Made by {@link java.util.ServiceLoader}. */
    public NuclioHandlerAdapter() {}

    @Override
    public String handlerType() {
        return EventHandler.class.getName();
    }

    @Override
    public boolean accepts(Class<?> type) {
        return EventHandler.class.isAssignableFrom(type);
    }

    @Override
    public Handler adapt(Object instance) {
        return new NuclioHandler((EventHandler) instance);
    }
}
