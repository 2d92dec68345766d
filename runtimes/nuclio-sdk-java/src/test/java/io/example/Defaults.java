package io.example;

import io.nuclio.Context;
import io.nuclio.Event;
import io.nuclio.EventHandler;
import io.nuclio.Response;
import java.util.Map;

/** Nuclio's defaults, or a content type given only as a header when the query says {@code ?header}. */
public class Defaults implements EventHandler {
    @Override
    public Response handleEvent(Context context, Event event) {
        if (event.getFieldString("header") != null) {
            return new Response()
                    .setContentType("")
                    .setHeaders(Map.of("Content-Type", "application/xml"))
                    .setBody("<a/>");
        }
        return new Response().setBody("plain");
    }
}
