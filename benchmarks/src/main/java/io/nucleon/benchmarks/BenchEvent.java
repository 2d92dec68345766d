package io.nucleon.benchmarks;

import io.nucleon.api.Event;
import java.time.Instant;
import java.util.Map;

/**
 * The smallest useful {@link Event}: every accessor returns a constant, so reading the event costs
 * nothing and building it costs nothing either. The dispatch benchmarks hand one shared instance
 * to every path, which keeps allocation and decoding out of what they compare.
 */
final class BenchEvent implements Event {
    private static final byte[] BODY = new byte[0];
    private static final Instant TIMESTAMP = Instant.EPOCH;

    @Override
    public String id() {
        return "bench";
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
        return null;
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
    public byte[] body() {
        return BODY;
    }

    @Override
    public Instant timestamp() {
        return TIMESTAMP;
    }

    @Override
    public String path() {
        return "/";
    }

    @Override
    public String url() {
        return "/";
    }

    @Override
    public String method() {
        return "GET";
    }
}
