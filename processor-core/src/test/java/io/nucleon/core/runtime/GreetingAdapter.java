package io.nucleon.core.runtime;

import io.nucleon.api.Handler;
import io.nucleon.spi.HandlerAdapter;

/** Runs {@link Greeting}s; registered for the tests in {@code META-INF/services}. */
public final class GreetingAdapter implements HandlerAdapter {
    @Override
    public String handlerType() {
        return Greeting.class.getName();
    }

    @Override
    public boolean accepts(Class<?> type) {
        return Greeting.class.isAssignableFrom(type);
    }

    @Override
    public Handler adapt(Object instance) {
        Greeting g = (Greeting) instance;
        return (context, event) -> g.greet(event.bodyAsString());
    }
}
