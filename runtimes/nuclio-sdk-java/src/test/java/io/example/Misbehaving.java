package io.example;

import io.nuclio.Context;
import io.nuclio.Event;
import io.nuclio.EventHandler;
import io.nuclio.Response;

/** Fails by the path: throws, answers no response, or a status code that is no HTTP status. */
public class Misbehaving implements EventHandler {
    @Override
    public Response handleEvent(Context context, Event event) {
        switch (event.getPath()) {
            case "/throw":
                throw new IllegalStateException("secret detail /etc/passwd");
            case "/null":
                return null;
            case "/bad-status":
                return new Response().setStatusCode(42);
            case "/zero-status":
                return new Response().setStatusCode(0).setBody("zero");
            default:
                return new Response().setStatusCode(404);
        }
    }
}
