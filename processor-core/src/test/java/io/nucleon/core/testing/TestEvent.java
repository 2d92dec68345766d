package io.nucleon.core.testing;

import io.nucleon.api.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/** A plain event for core tests. */
public record TestEvent(String id, String path, byte[] body) implements Event {
    public static TestEvent of(String id, String body) {
        return new TestEvent(id, "/", body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String triggerClass() {
        return "sync";
    }

    @Override
    public String triggerKind() {
        return "direct";
    }

    @Override
    public String triggerName() {
        return "direct";
    }

    @Override
    public String contentType() {
        return "text/plain";
    }

    @Override
    public Map<String, String> headers() {
        return Map.of();
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of();
    }

    @Override
    public Instant timestamp() {
        return Instant.EPOCH;
    }

    @Override
    public String url() {
        return path;
    }

    @Override
    public String method() {
        return "POST";
    }
}
