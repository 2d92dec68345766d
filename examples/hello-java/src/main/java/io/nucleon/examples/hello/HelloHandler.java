package io.nucleon.examples.hello;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;
import java.util.Map;

/**
 * Greets whoever calls it.
 * <ul>
 *   <li>{@code GET /?name=Ada} → {@code Hello, Ada!} as text;</li>
 *   <li>{@code POST /} with {@code {"name": "Ada"}} → {@code {"greeting": "Hello, Ada!"}} as JSON;</li>
 *   <li>{@code ?sleepMs=200} makes it take that long, to watch timeouts and graceful stops.</li>
 * </ul>
 */
public final class HelloHandler implements Handler {
    private String greeting;

    @Override
    public void init(Context context) {
        String g = context.env("GREETING");
        greeting = g != null ? g : "Hello";
        context.logger().debug("hello handler ready", "greeting", greeting);
    }

    @Override
    public Object handle(Context context, Event event) throws Exception {
        Object sleep = event.field("sleepMs");
        if (sleep != null) {
            Thread.sleep(Long.parseLong(sleep.toString()));
        }
        if ("POST".equals(event.method()) && event.body().length > 0) {
            JsonNode body;
            try {
                body = event.bodyAs(JsonNode.class);
            } catch (java.io.UncheckedIOException e) {
                return Response.status(400)
                        .body("the body must be JSON such as {\"name\": \"Ada\"}")
                        .build();
            }
            String name = body.path("name").asText("world");
            return Map.of("greeting", greeting + ", " + name + "!");
        }
        Object name = event.field("name");
        return Response.text(greeting + ", " + (name != null ? name : "world") + "!");
    }
}
