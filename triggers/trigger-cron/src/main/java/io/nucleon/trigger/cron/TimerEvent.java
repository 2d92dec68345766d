package io.nucleon.trigger.cron;

import io.nucleon.api.Event;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * An event made by a timer ({@code cron} or {@code kickstart}) from the trigger's
 * {@link EventTemplate}. Its timestamp is the time it was scheduled for; the fields carry
 * {@code scheduledTime} (ISO-8601) and {@code tick} (1 for the first event of the trigger).
 */
final class TimerEvent implements Event {
    private final String id = UUID.randomUUID().toString();
    private final String kind;
    private final String triggerName;
    private final byte[] body;
    private final EventTemplate template;
    private final Instant scheduledAt;
    private final Map<String, Object> fields;

    TimerEvent(String kind, String triggerName, EventTemplate template, byte[] body, Instant scheduledAt, long tick) {
        this.kind = kind;
        this.triggerName = triggerName;
        this.template = template;
        this.body = body;
        this.scheduledAt = scheduledAt;
        this.fields = Map.of("scheduledTime", scheduledAt.toString(), "tick", tick);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String triggerClass() {
        return "async";
    }

    @Override
    public String triggerKind() {
        return kind;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        return template.contentType;
    }

    @Override
    public Map<String, String> headers() {
        return template.headers;
    }

    @Override
    public Map<String, Object> fields() {
        return fields;
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public Instant timestamp() {
        return scheduledAt;
    }

    @Override
    public String path() {
        return template.path;
    }

    @Override
    public String method() {
        return template.method;
    }
}
