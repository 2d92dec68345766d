package io.example;

import io.nuclio.Context;
import io.nuclio.Event;
import io.nuclio.EventHandler;
import io.nuclio.Response;

/** A Nuclio handler that cannot be made: it has no no-argument constructor. */
public class NoDefaultConstructor implements EventHandler {
    private final String greeting;

    public NoDefaultConstructor(String greeting) {
        this.greeting = greeting;
    }

    @Override
    public Response handleEvent(Context context, Event event) {
        return new Response().setBody(greeting);
    }
}
