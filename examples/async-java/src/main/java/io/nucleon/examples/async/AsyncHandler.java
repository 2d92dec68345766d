package io.nucleon.examples.async;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Greets whoever calls it, synchronously or asynchronously: the handler does not know the
 * difference (an async call is journaled, answered 202, and handed to it later).
 * <ul>
 *   <li>{@code POST /async/greet} with {@code {"name": "Ada"}} → 202 with an id and a status URL;
 *       the status URL then answers {@code {"greeting": "Hello, Ada!", ...}};</li>
 *   <li>{@code POST /greet} (no prefix) → the same answer at once;</li>
 *   <li>{@code ?sleepMs=200}, or the environment variable {@code SLEEP_MS}, makes each event take
 *       that long, to watch a backlog build up in the journal;</li>
 *   <li>the environment variable {@code INSTANCE} is echoed in the answer (the crash test uses it to
 *       tell which process handled a call).</li>
 * </ul>
 */
public final class AsyncHandler implements Handler {
    private String greeting;
    private long sleepMs;
    private String instance;

    @Override
    public void init(Context context) {
        String g = context.env("GREETING");
        greeting = g != null ? g : "Hello";
        String s = context.env("SLEEP_MS");
        sleepMs = s != null && !s.isBlank() ? Long.parseLong(s.trim()) : 0;
        instance = context.env("INSTANCE");
        context.logger().debug("async handler ready", "greeting", greeting, "sleepMs", sleepMs);
    }

    @Override
    public Object handle(Context context, Event event) throws Exception {
        Object sleep = event.field("sleepMs");
        long ms = sleep != null ? Long.parseLong(sleep.toString()) : sleepMs;
        if (ms > 0) {
            Thread.sleep(ms);
        }
        String name = "world";
        if (event.body().length > 0) {
            JsonNode body;
            try {
                body = event.bodyAs(JsonNode.class);
            } catch (java.io.UncheckedIOException e) {
                // a 4xx is a final answer: an async call with a bad body is "succeeded" with this result, not retried
                return Response.status(400)
                        .body("the body must be JSON such as {\"name\": \"Ada\"}")
                        .build();
            }
            name = body.path("name").asText("world");
        } else if (event.field("name") != null) {
            name = event.field("name").toString();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("greeting", greeting + ", " + name + "!");
        out.put("path", event.path());
        if (instance != null) {
            out.put("instance", instance);
        }
        return out;
    }
}
