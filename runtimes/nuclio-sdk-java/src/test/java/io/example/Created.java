package io.example;

import io.nuclio.Context;
import io.nuclio.Event;
import io.nuclio.EventHandler;
import io.nuclio.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** Answers with a status, headers (text and a number) and a content type of its own. */
public class Created implements EventHandler {
    @Override
    public Response handleEvent(Context context, Event event) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("Location", "/items/42");
        headers.put("X-Item-Count", 42);
        return new Response()
                .setStatusCode(201)
                .setContentType("application/json")
                .setHeaders(headers)
                .setBody("{\"id\":42}");
    }
}
