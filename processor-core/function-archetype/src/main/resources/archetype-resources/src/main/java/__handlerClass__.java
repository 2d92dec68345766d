package ${package};

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;

/**
 * Greets whoever calls it: {@code GET /?name=Ada} answers {@code Hello, Ada!}. Every worker has an
 * instance of its own; {@link #init} runs once per worker, before its first event.
 */
public final class ${handlerClass} implements Handler {
    private String greeting;

    @Override
    public void init(Context context) {
        String configured = context.env("GREETING");
        greeting = configured != null ? configured : "Hello";
    }

    @Override
    public Object handle(Context context, Event event) {
        Object name = event.field("name");
        context.logger().info("greeting", "name", name);
        return Response.text(greeting + ", " + (name != null ? name : "world") + "!");
    }
}
