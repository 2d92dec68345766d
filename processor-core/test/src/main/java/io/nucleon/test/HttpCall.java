package io.nucleon.test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * An HTTP request a test sends to a function's {@code http} trigger, e.g.
 * {@code HttpCall.post("/orders?dryRun=true").header("X-Tenant", "acme").json("{\"id\": 7}")}.
 *
 * <p>The handler gets the event the http trigger makes of such a request: trigger class {@code sync},
 * kind {@code http}; headers whose names ignore case, repeated ones joined with {@code ", "}; the
 * query's parameters as fields (a repeated one as a list; names starting with {@code auth.} are the
 * trigger's and never come from the query); the path without the query; the request target as the
 * URL; CloudEvents' binary mode ({@code ce-id}, {@code ce-type}, {@code ce-source},
 * {@code ce-specversion}, {@code ce-time}). A request with a body gets a {@code Content-Length} header,
 * as every client sends. Not thread-safe; reusable.
 */
public final class HttpCall {
    private final String method;
    private String target;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private byte[] body = new byte[0];

    private HttpCall(String method, String target) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(target, "target");
        if (method.isBlank()) {
            throw new IllegalArgumentException("the method must not be blank");
        }
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException(
                    "the request target is a path with an optional query, starting with /, got \"" + target + "\"");
        }
        this.method = method.toUpperCase(Locale.ROOT);
        this.target = target;
    }

    /** A request with {@code method}, to {@code target} (a path with an optional query, e.g. {@code /greet?name=Ada}). */
    public static HttpCall request(String method, String target) {
        return new HttpCall(method, target);
    }

    /** A {@code GET} request to {@code target}. */
    public static HttpCall get(String target) {
        return new HttpCall("GET", target);
    }

    /** A {@code POST} request to {@code target}. */
    public static HttpCall post(String target) {
        return new HttpCall("POST", target);
    }

    /** A {@code PUT} request to {@code target}. */
    public static HttpCall put(String target) {
        return new HttpCall("PUT", target);
    }

    /** A {@code DELETE} request to {@code target}. */
    public static HttpCall delete(String target) {
        return new HttpCall("DELETE", target);
    }

    /** Adds a header; adding a name twice sends it twice (the handler sees the values joined with {@code ", "}). */
    public HttpCall header(String name, String value) {
        headers.add(Map.entry(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value")));
        return this;
    }

    /** Adds a query parameter, URL-encoded (UTF-8). */
    public HttpCall query(String name, String value) {
        target += (target.indexOf('?') < 0 ? "?" : "&") + URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8);
        return this;
    }

    /** The body, as UTF-8 text. */
    public HttpCall body(String text) {
        return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The body. */
    public HttpCall body(byte[] bytes) {
        this.body = bytes.clone();
        return this;
    }

    /** A JSON body: sets {@code Content-Type: application/json}. */
    public HttpCall json(String json) {
        return header("Content-Type", "application/json").body(json);
    }

    /** The event the http trigger {@code trigger} would make of this request. */
    SyntheticEvent toEvent(SyntheticTrigger trigger) {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : headers) {
            h.merge(e.getKey(), e.getValue(), (a, b) -> a + ", " + b);
        }
        if (body.length > 0 && !h.containsKey("content-length")) {
            h.put("Content-Length", Integer.toString(body.length));
        }
        String contentType = h.get("content-type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents+json")) {
            throw new IllegalArgumentException("the test kit does not make structured-mode CloudEvents "
                    + "(application/cloudevents+json): send the event in binary mode, its attributes as ce-* headers");
        }
        Map<String, Object> fields =
                HttpQuery.fields(target); // before anything is dispatched: the trigger answers 400 itself
        String ceId = h.get("ce-id");
        SyntheticEvent event = new SyntheticEvent(
                ceId != null ? ceId : UUID.randomUUID().toString(),
                "sync",
                "http",
                trigger.name(),
                body.clone(),
                time(h.get("ce-time")));
        event.contentType = contentType;
        event.headers = Collections.unmodifiableMap(h);
        event.fields = fields;
        int q = target.indexOf('?');
        event.path = q < 0 ? target : target.substring(0, q);
        event.url = target;
        event.method = method;
        event.type = h.get("ce-type");
        event.version = h.get("ce-specversion");
        event.source = h.get("ce-source");
        return event;
    }

    private static Instant time(String ceTime) {
        if (ceTime != null) {
            try {
                return Instant.parse(ceTime);
            } catch (DateTimeParseException notRfc3339) {
                // the trigger keeps the arrival time
            }
        }
        return Instant.now();
    }

    @Override
    public String toString() {
        return method + " " + target;
    }
}
