package io.nucleon.async.journal;

import io.nucleon.api.Event;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** A journaled async call as the handler sees it: trigger class {@code async}, the request's parts. */
final class JournalEvent implements Event {
    private final JournalEntry entry;
    private final String triggerName;
    private final String triggerKind;
    private Map<String, String> headers;

    JournalEvent(JournalEntry entry, String triggerName, String triggerKind) {
        this.entry = entry;
        this.triggerName = triggerName;
        this.triggerKind = triggerKind;
    }

    JournalEntry entry() {
        return entry;
    }

    @Override
    public String id() {
        return entry.id();
    }

    @Override
    public String triggerClass() {
        return "async";
    }

    @Override
    public String triggerKind() {
        return triggerKind;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        return entry.contentType();
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            m.putAll(entry.headers());
            headers = Collections.unmodifiableMap(m);
        }
        return headers;
    }

    @Override
    public String header(String name) {
        return headers().get(name);
    }

    @Override
    public Map<String, Object> fields() {
        return entry.fields(); // read-only, a String or a List<String> each: as a sync call's HttpEvent has them
    }

    @Override
    public byte[] body() {
        return entry.body();
    }

    @Override
    public Instant timestamp() {
        return Instant.ofEpochMilli(entry.receivedAtMillis());
    }

    @Override
    public String path() {
        return entry.path();
    }

    @Override
    public String url() {
        return entry.url();
    }

    @Override
    public String method() {
        return entry.method();
    }

    @Override
    public String toString() {
        return "JournalEvent{" + entry.method() + " " + entry.url() + ", id=" + entry.id() + ", " + entry.body().length
                + " bytes}";
    }
}
