package io.nucleon.api;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a handler answers: a status code, headers, a content type and a body. Immutable and
 * thread-safe; build one with {@link #builder()} or the static shortcuts.
 *
 * <p>The status follows HTTP; message triggers read it as success (below 400) or failure.
 */
public final class Response {
    /** {@code text/plain; charset=utf-8}. */
    public static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    /** {@code application/json}. */
    public static final String APPLICATION_JSON = "application/json";
    /** {@code application/octet-stream}. */
    public static final String OCTET_STREAM = "application/octet-stream";

    private static final byte[] EMPTY = new byte[0];
    private static final Response NO_CONTENT = new Response(204, Map.of(), null, EMPTY);

    private final int status;
    private final Map<String, String> headers;
    private final String contentType;
    private final byte[] body;

    private Response(int status, Map<String, String> headers, String contentType, byte[] body) {
        this.status = status;
        this.headers = headers;
        this.contentType = contentType;
        this.body = body;
    }

    /** 200 with a UTF-8 text body. */
    public static Response text(String body) {
        return new Response(200, Map.of(), TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
    }

    /** 200 with raw bytes. The array is not copied: do not change it afterwards. */
    public static Response bytes(byte[] body) {
        return new Response(200, Map.of(), OCTET_STREAM, Objects.requireNonNull(body, "body"));
    }

    /** 200 with {@code value} serialised as JSON. */
    public static Response json(Object value) {
        return new Response(200, Map.of(), APPLICATION_JSON, toJson(value));
    }

    /** {@code value} as JSON bytes, by the engine's codec. */
    private static byte[] toJson(Object value) {
        try {
            return Engine.get().writeJson(value);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("value cannot be serialised as JSON: " + e.getMessage(), e);
        }
    }

    /** 204 with no body. */
    public static Response noContent() {
        return NO_CONTENT;
    }

    /** A builder starting from status 200, no headers and an empty body. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from {@code status}. */
    public static Builder status(int status) {
        return new Builder().status(status);
    }

    public int status() {
        return status;
    }

    /** The extra headers, read-only, in the order they were added. Never contains Content-Type. */
    public Map<String, String> headers() {
        return headers;
    }

    /** The body's media type, or {@code null}. */
    public String contentType() {
        return contentType;
    }

    /** The body, never {@code null}. Do not modify the array. */
    public byte[] body() {
        return body;
    }

    /** The body decoded as UTF-8. */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** This response with another body (not copied): same status, headers and content type. */
    public Response withBody(byte[] body) {
        return new Response(status, headers, contentType, body == null ? EMPTY : body);
    }

    @Override
    public String toString() {
        return "Response{status=" + status + ", contentType=" + contentType + ", headers=" + headers + ", body="
                + body.length + " bytes}";
    }

    /** Builds a {@link Response}; not thread-safe. */
    public static final class Builder {
        private int status = 200;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String contentType;
        private byte[] body = EMPTY;

        private Builder() {}

        /** The status code, 100 to 599. */
        public Builder status(int status) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status must be between 100 and 599, got " + status);
            }
            this.status = status;
            return this;
        }

        /** Adds or replaces a header. {@code Content-Type} is taken as {@link #contentType(String)}. */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            if (name.equalsIgnoreCase("content-type")) {
                contentType = value;
            } else {
                headers.put(name, value);
            }
            return this;
        }

        /** Adds or replaces several headers. */
        public Builder headers(Map<String, String> values) {
            values.forEach(this::header);
            return this;
        }

        public Builder contentType(String contentType) {
            this.contentType = contentType;
            return this;
        }

        /** The body as bytes; not copied. */
        public Builder body(byte[] body) {
            this.body = body == null ? EMPTY : body;
            return this;
        }

        /** The body as UTF-8 text; sets the content type to text/plain unless one is set. */
        public Builder body(String body) {
            this.body = body == null ? EMPTY : body.getBytes(StandardCharsets.UTF_8);
            if (contentType == null) {
                contentType = TEXT_PLAIN;
            }
            return this;
        }

        /** The body as JSON; sets the content type to application/json unless one is set. */
        public Builder jsonBody(Object value) {
            this.body = toJson(value);
            if (contentType == null) {
                contentType = APPLICATION_JSON;
            }
            return this;
        }

        public Response build() {
            Map<String, String> h =
                    headers.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            return new Response(status, h, contentType, body);
        }
    }
}
