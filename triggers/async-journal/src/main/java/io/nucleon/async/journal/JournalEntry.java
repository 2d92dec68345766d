package io.nucleon.async.journal;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One accepted asynchronous invocation, as kept in the journal: the parts of the HTTP request a
 * handler needs (method, path, url, headers, query fields, content type, body), when it was
 * received, where to deliver the result (optional callback URL) and how many attempts were made.
 * Immutable; the body array is not copied (do not change it after building).
 */
public final class JournalEntry {

    private final String id;
    private final long receivedAtMillis;
    private final String method;
    private final String path;
    private final String url;
    private final Map<String, String> headers;
    private final Map<String, Object> fields;
    private final String contentType;
    private final byte[] body;
    private final String callbackUrl;
    private final int attempts;

    private JournalEntry(Builder b) {
        this.id = b.id != null ? b.id : UUID.randomUUID().toString();
        this.receivedAtMillis = b.receivedAtMillis;
        this.method = b.method;
        this.path = b.path;
        this.url = b.url;
        this.headers = Collections.unmodifiableMap(b.headers);
        this.fields = Collections.unmodifiableMap(b.fields);
        this.contentType = b.contentType;
        this.body = b.body != null ? b.body : new byte[0];
        this.callbackUrl = b.callbackUrl;
        this.attempts = b.attempts;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this entry's values, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder()
                .id(id)
                .receivedAtMillis(receivedAtMillis)
                .method(method)
                .path(path)
                .url(url)
                .contentType(contentType)
                .body(body)
                .callbackUrl(callbackUrl)
                .attempts(attempts);
        b.headers.putAll(headers);
        b.fields.putAll(fields);
        return b;
    }

    /** This entry with another attempt count (for a retry or a replay). */
    public JournalEntry withAttempts(int attempts) {
        return toBuilder().attempts(attempts).build();
    }

    public String id() {
        return id;
    }

    public long receivedAtMillis() {
        return receivedAtMillis;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String url() {
        return url;
    }
    /** Header names to values (a repeated header is joined with ", " by the caller), in arrival order. */
    public Map<String, String> headers() {
        return headers;
    }
    /**
     * The event's fields, in arrival order, as the handler sees them on a sync call: a {@code String}
     * each, or an immutable {@code List<String>} for a query parameter given more than once. (An entry
     * journaled by a build before lists were kept has a repeated parameter's values joined with ",".)
     */
    public Map<String, Object> fields() {
        return fields;
    }

    public String contentType() {
        return contentType;
    }

    public byte[] body() {
        return body;
    }
    /** Where to POST the handler's response, or null. */
    public String callbackUrl() {
        return callbackUrl;
    }
    /** How many attempts were made before this entry was written (0 when first accepted). */
    public int attempts() {
        return attempts;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof JournalEntry)) {
            return false;
        }
        JournalEntry e = (JournalEntry) o;
        return receivedAtMillis == e.receivedAtMillis
                && attempts == e.attempts
                && id.equals(e.id)
                && Objects.equals(method, e.method)
                && Objects.equals(path, e.path)
                && Objects.equals(url, e.url)
                && headers.equals(e.headers)
                && fields.equals(e.fields)
                && Objects.equals(contentType, e.contentType)
                && Arrays.equals(body, e.body)
                && Objects.equals(callbackUrl, e.callbackUrl);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "JournalEntry{id=" + id + ", method=" + method + ", path=" + path + ", body=" + body.length
                + " bytes, attempts=" + attempts + "}";
    }

    public static final class Builder {
        private String id;
        private long receivedAtMillis = System.currentTimeMillis();
        private String method;
        private String path;
        private String url;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final Map<String, Object> fields = new LinkedHashMap<>();
        private String contentType;
        private byte[] body;
        private String callbackUrl;
        private int attempts;

        private Builder() {}

        /** The event id; a random UUID when not set. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder receivedAtMillis(long millis) {
            this.receivedAtMillis = millis;
            return this;
        }

        public Builder method(String method) {
            this.method = method;
            return this;
        }

        public Builder path(String path) {
            this.path = path;
            return this;
        }

        public Builder url(String url) {
            this.url = url;
            return this;
        }

        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder headers(Map<String, String> all) {
            headers.putAll(all);
            return this;
        }
        /** Sets field {@code name} to one value. */
        public Builder field(String name, String value) {
            fields.put(name, value);
            return this;
        }
        /** Sets field {@code name} to several values, in order (a repeated query parameter). */
        public Builder field(String name, List<String> values) {
            fields.put(name, List.copyOf(values));
            return this;
        }
        /** Sets every field of {@code all}: each a {@code String} or a {@code List<String>}. */
        public Builder fields(Map<String, ?> all) {
            all.forEach((name, value) -> {
                if (value instanceof List<?> l) {
                    field(name, l.stream().map(String::valueOf).toList());
                } else {
                    field(name, value == null ? null : value.toString());
                }
            });
            return this;
        }

        public Builder contentType(String contentType) {
            this.contentType = contentType;
            return this;
        }

        public Builder body(byte[] body) {
            this.body = body;
            return this;
        }

        public Builder callbackUrl(String callbackUrl) {
            this.callbackUrl = callbackUrl;
            return this;
        }

        public Builder attempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("attempts must be >= 0, not " + attempts);
            }
            this.attempts = attempts;
            return this;
        }

        public JournalEntry build() {
            return new JournalEntry(this);
        }
    }
}
