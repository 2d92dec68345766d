package io.nucleon.runtime.nuclio;

import io.nuclio.Event;
import io.nuclio.TriggerInfo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.Map;

/**
 * Nuclio's {@link Event} as a view of Nucleon's: nothing is copied or decoded until asked for. The
 * typed getters are kinder than Nuclio's wrapper, whose values have crossed JSON: a header or field
 * given as text reads as a number when it is one.
 */
final class NuclioEvent implements Event {
    private final io.nucleon.api.Event event;

    NuclioEvent(io.nucleon.api.Event event) {
        this.event = event;
    }

    /** Nuclio's trigger information: the trigger's class and kind. */
    private record Trigger(String className, String kindName) implements TriggerInfo {
        @Override
        public String getClassName() {
            return className;
        }

        @Override
        public String getKindName() {
            return kindName;
        }
    }

    @Override
    public String getID() {
        return event.id();
    }

    @Override
    public TriggerInfo getTriggerInfo() {
        return new Trigger(event.triggerClass(), event.triggerKind());
    }

    @Override
    public String getContentType() {
        return event.contentType();
    }

    @Override
    public byte[] getBody() {
        return event.body();
    }

    @Override
    public Object getBodyObject() {
        return event.body();
    }

    @Override
    public Object getHeader(String key) {
        if (key == null) {
            return null;
        }
        String value = event.header(key);
        if (value != null) {
            return value;
        }
        for (Map.Entry<String, String> h : event.headers().entrySet()) { // not every trigger's headers ignore case
            if (key.equalsIgnoreCase(h.getKey())) {
                return h.getValue();
            }
        }
        return null;
    }

    @Override
    public String getHeaderString(String key) {
        return text(getHeader(key));
    }

    @Override
    public byte[] getHeaderBytes(String key) {
        return bytes(getHeaderString(key));
    }

    @Override
    public long getHeaderLong(String key) {
        return number(getHeader(key));
    }

    @Override
    public Map<String, Object> getHeaders() {
        return Collections.unmodifiableMap(event.headers());
    }

    @Override
    public Object getField(String key) {
        return event.field(key);
    }

    @Override
    public String getFieldString(String key) {
        return text(getField(key));
    }

    @Override
    public byte[] getFieldBytes(String key) {
        return bytes(getFieldString(key));
    }

    @Override
    public long getFieldLong(String key) {
        return number(getField(key));
    }

    @Override
    public Map<String, Object> getFields() {
        return Collections.unmodifiableMap(event.fields());
    }

    @Override
    public Date getTimestamp() {
        Instant t = event.timestamp();
        return t == null ? null : Date.from(t);
    }

    @Override
    public String getPath() {
        return event.path();
    }

    @Override
    public String getURL() {
        return event.url();
    }

    @Override
    public String getMethod() {
        return event.method();
    }

    @Override
    public long getShardID() {
        return event.shardId();
    }

    @Override
    public long getTotalNumShards() {
        return event.totalShards();
    }

    @Override
    public String getType() {
        return event.type();
    }

    @Override
    public String getTypeVersion() {
        return event.typeVersion();
    }

    @Override
    public String getVersion() {
        return event.version();
    }

    @Override
    public String toString() {
        return "NuclioEvent[" + event.id() + "]";
    }

    /** Text, numbers and booleans as text; {@code null} for anything else, as Nuclio's cast would give. */
    private static String text(Object value) {
        if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        return null;
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** A whole number, or text holding one; {@code 0} for anything else. */
    private static long number(Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof CharSequence s) {
            try {
                return Long.parseLong(s.toString().trim());
            } catch (NumberFormatException e) {
                return 0L;
            }
        }
        return 0L;
    }
}
