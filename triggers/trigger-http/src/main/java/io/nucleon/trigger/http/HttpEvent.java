package io.nucleon.trigger.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.nucleon.api.Event;
import io.nucleon.trigger.http.auth.AuthIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An HTTP request as an {@link Event}. Built on the event loop from a request whose body has been
 * copied out (so no Netty buffer outlives the request); everything else (header map, query fields,
 * id, CloudEvents attributes in binary mode) is decoded on first use, on the worker. No accessor
 * throws because of what the client sent: the one decoding that could (a malformed percent-escape
 * in the query) is checked before the event is made ({@link #malformedQuery}); the path is the
 * request target's path as received, not percent-decoded.
 *
 * <p>CloudEvents: in binary mode the {@code ce-*} headers give id, type, source, specversion and
 * time; in structured mode ({@code application/cloudevents+json}) the trigger has already parsed the
 * envelope into a {@link CloudEvent} and the event's body is the envelope's {@code data}.
 *
 * <p>Fields: the query parameters, less any whose name starts with {@code auth.} (reserved for the
 * trigger), plus the fields of the {@link AuthIdentity} the request was let in as
 * ({@code auth.subject}, {@code auth.claim.<name>}).
 */
final class HttpEvent implements Event {
    private final String triggerName;
    private final String method;
    private final String uri;
    private final HttpHeaders httpHeaders;
    private final byte[] body;
    private final long receivedAtMillis;
    private final CloudEvent structured;
    /** Who the request was let in as (its fields are added to the query's); null when auth is off. */
    private final AuthIdentity identity;

    private String id;
    /** Whether the request has binary-mode CloudEvents headers: 0 not looked yet, 1 yes, -1 no. */
    private int ceHeaders;

    private String path;
    private Map<String, Object> fields;
    private Map<String, String> headers;

    HttpEvent(
            String triggerName,
            String method,
            String uri,
            HttpHeaders headers,
            byte[] body,
            CloudEvent structured,
            AuthIdentity identity) {
        this.triggerName = triggerName;
        this.identity = identity;
        this.method = method;
        this.uri = uri;
        this.httpHeaders = headers;
        this.body = body;
        this.structured = structured;
        this.receivedAtMillis = System.currentTimeMillis();
    }

    private String ce(String attribute) {
        if (structured != null) {
            return structured.attribute(attribute);
        }
        if (ceHeaders == 0) {
            ceHeaders = hasCeHeader() ? 1 : -1;
        }
        return ceHeaders > 0 ? httpHeaders.get("ce-" + attribute) : null;
    }

    /** Whether a header's name starts with {@code ce-}: one pass over the names instead of a lookup per attribute. */
    private boolean hasCeHeader() {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = httpHeaders.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (name.length() > 3
                    && (name.charAt(0) | 0x20) == 'c'
                    && (name.charAt(1) | 0x20) == 'e'
                    && name.charAt(2) == '-') {
                return true;
            }
        }
        return false;
    }

    @Override
    public String id() {
        if (id == null) {
            String ceId = ce("id");
            id = ceId != null ? ceId : randomId();
        }
        return id;
    }

    private static String randomId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new java.util.UUID(
                        (r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
                .toString();
    }

    @Override
    public String triggerClass() {
        return "sync";
    }

    @Override
    public String triggerKind() {
        return HttpTriggerFactory.KIND;
    }

    @Override
    public String triggerName() {
        return triggerName;
    }

    @Override
    public String contentType() {
        if (structured != null) {
            String t = structured.attribute("datacontenttype");
            return t != null ? t : structured.dataIsJson() ? "application/json" : null;
        }
        return httpHeaders.get(HttpHeaderNames.CONTENT_TYPE);
    }

    @Override
    public Map<String, String> headers() {
        if (headers == null) {
            // one pass over the headers (no name set, no value list per name); repeated ones joined
            Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (Iterator<Map.Entry<String, String>> it = httpHeaders.iteratorAsString(); it.hasNext(); ) {
                Map.Entry<String, String> h = it.next();
                m.merge(h.getKey(), h.getValue(), (a, b) -> a + ", " + b);
            }
            headers = Collections.unmodifiableMap(m);
        }
        return headers;
    }

    @Override
    public String header(String name) {
        if (headers != null) {
            return headers.get(name);
        }
        List<String> values = httpHeaders.getAll(name);
        return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(", ", values);
    }

    @Override
    public Map<String, Object> fields() {
        if (fields == null) {
            int q = uri.indexOf('?');
            if (q < 0) {
                fields = Map.of();
            } else {
                Map<String, Object> m = new LinkedHashMap<>();
                // no cap on the count (Netty's default drops parameters past 1024 silently): the
                // request line's own limit (maxInitialLineLength) bounds it
                new QueryStringDecoder(uri, StandardCharsets.UTF_8, true, Math.max(1, uri.length()))
                        .parameters()
                        .forEach((k, v) -> m.put(k, v.size() == 1 ? v.get(0) : List.copyOf(v)));
                fields = Collections.unmodifiableMap(m);
            }
            // the auth.* names belong to the trigger: never taken from the query, only from a verified identity
            fields = AuthIdentity.eventFields(fields, identity);
        }
        return fields;
    }

    /**
     * Why the query of the request target {@code uri} cannot be decoded into {@link #fields()}, or
     * {@code null} when it can. Decoding fails only on a malformed percent-escape (a {@code %} not
     * followed by two hex digits; bytes that are not UTF-8 decode to U+FFFD), so the trigger checks
     * this on the event loop and answers such a request 400 itself: a handler never sees an event
     * whose fields throw. Cheap: one scan for {@code ?}, and one for {@code %} after it.
     */
    static String malformedQuery(String uri) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return null;
        }
        int n = uri.length();
        for (int i = uri.indexOf('%', q); i >= 0; i = uri.indexOf('%', i + 3)) {
            if (i + 2 >= n || !isHexDigit(uri.charAt(i + 1)) || !isHexDigit(uri.charAt(i + 2))) {
                return "the query has a malformed percent-escape at character " + i
                        + " of the request target: '%' must be followed by two hex digits (send '%25' for '%' itself)";
            }
        }
        return null;
    }

    /** ASCII only, as the decoder reads it ({@link Character#digit} would take other scripts' digits too). */
    private static boolean isHexDigit(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public Instant timestamp() {
        String time = ce("time");
        if (time != null) {
            try {
                return Instant.parse(time);
            } catch (DateTimeParseException ignored) {
                // not RFC 3339: keep the arrival time
            }
        }
        return Instant.ofEpochMilli(receivedAtMillis);
    }

    @Override
    public String path() {
        if (path == null) {
            int q = uri.indexOf('?');
            path = q < 0 ? uri : uri.substring(0, q);
        }
        return path;
    }

    @Override
    public String url() {
        return uri;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String type() {
        return ce("type");
    }

    @Override
    public String version() {
        return ce("specversion");
    }

    @Override
    public String source() {
        return ce("source");
    }

    @Override
    public String toString() {
        return "HttpEvent{" + method + " " + uri + ", " + body.length + " bytes}";
    }
}
