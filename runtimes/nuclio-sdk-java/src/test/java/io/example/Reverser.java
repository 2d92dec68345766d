package io.example;

import io.nuclio.Context;
import io.nuclio.Event;
import io.nuclio.EventHandler;
import io.nuclio.Response;
import java.nio.charset.StandardCharsets;

/** A reverser in a package, logging with a format as Nuclio's plain logger methods take one. */
public class Reverser implements EventHandler {
    @Override
    public Response handleEvent(Context context, Event event) {
        String body = new String(event.getBody(), StandardCharsets.UTF_8);
        context.getLogger().info("reversing %d bytes", event.getBody().length);
        return new Response().setBody(new StringBuilder(body).reverse().toString());
    }
}
