package io.nucleon.test;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A handler that records how each event and its context look to a handler (a "portrait": every
 * accessor of the event and the context's trigger), then answers 200 with the body it got. The test
 * that made it reads the portraits; each test has its own probe.
 */
final class Probe implements Handler {
    private final BlockingQueue<Map<String, Object>> portraits = new LinkedBlockingQueue<>();

    @Override
    public Object handle(Context context, Event event) {
        portraits.add(portrait(context, event));
        return Response.builder()
                .status(200)
                .contentType(event.contentType() == null ? Response.OCTET_STREAM : event.contentType())
                .body(event.body())
                .build();
    }

    static Map<String, Object> portrait(Context context, Event event) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", event.id());
        p.put("triggerClass", event.triggerClass());
        p.put("triggerKind", event.triggerKind());
        p.put("triggerName", event.triggerName());
        p.put("context.triggerKind", context.triggerKind());
        p.put("context.triggerName", context.triggerName());
        p.put("contentType", event.contentType());
        // the map as the handler iterates it, and how a lookup by another case answers
        p.put("headers", new TreeMap<>(event.headers()));
        p.put("headerLookupIgnoresCase", !event.headers().isEmpty() && lookupIgnoresCase(event));
        p.put("fields", new TreeMap<>(event.fields()));
        p.put("body", event.bodyAsString());
        p.put("timestamp", event.timestamp());
        p.put("path", event.path());
        p.put("url", event.url());
        p.put("method", event.method());
        p.put("shardId", event.shardId());
        p.put("totalShards", event.totalShards());
        p.put("offset", event.offset());
        p.put("topic", event.topic());
        p.put("type", event.type());
        p.put("typeVersion", event.typeVersion());
        p.put("version", event.version());
        p.put("source", event.source());
        return p;
    }

    private static boolean lookupIgnoresCase(Event event) {
        String name = event.headers().keySet().iterator().next();
        String other = name.equals(name.toUpperCase(java.util.Locale.ROOT))
                ? name.toLowerCase(java.util.Locale.ROOT)
                : name.toUpperCase(java.util.Locale.ROOT);
        return event.header(other) != null;
    }

    /** The next portrait, waiting up to 30 s for it. */
    Map<String, Object> next() throws InterruptedException {
        Map<String, Object> p = portraits.poll(30, TimeUnit.SECONDS);
        if (p == null) {
            throw new AssertionError("the handler got no event within 30 s");
        }
        return p;
    }
}
