package io.nucleon.core.runtime;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;

/** A handler named by class in the java runtime's tests, with a nested one. */
public class Greeter implements Handler {
    @Override
    public Object handle(Context context, Event event) {
        return "hello " + event.bodyAsString();
    }

    /** Named {@code Greeter$Loud} or {@code Greeter.Loud}. */
    public static class Loud implements Handler {
        @Override
        public Object handle(Context context, Event event) {
            return "HELLO " + event.bodyAsString();
        }
    }
}
