package io.nuclio;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;

/**
 * What a handler answers, built with chained setters:
 * {@code new Response().setStatusCode(201).setContentType("application/json").setBody(json)}.
 * Defaults: status 200, content type {@code text/plain}, an empty body and no headers. Mutable and not
 * thread-safe, as Nuclio's.
 */
public class Response {
    private long statusCode = 200;
    private String contentType = "text/plain";
    private byte[] body = new byte[0];
    private Map<String, Object> headers = Collections.emptyMap();

    /** A response with the defaults: 200, {@code text/plain}, no body, no headers. */
    public Response() {}

    /**
     * Sets the body.
     *
     * @param body the bytes, not copied
     * @return this response
     */
    public Response setBody(byte[] body) {
        this.body = body;
        return this;
    }

    /**
     * Sets the body as text.
     *
     * @param body the text, encoded in UTF-8
     * @return this response
     */
    public Response setBody(String body) {
        this.body = body.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /**
     * The body.
     *
     * @return the bytes as set
     */
    public byte[] getBody() {
        return body;
    }

    /**
     * Sets the status code.
     *
     * @param statusCode an HTTP status, 100 to 599; {@code 0} keeps 200, as Nuclio does
     * @return this response
     */
    public Response setStatusCode(long statusCode) {
        this.statusCode = statusCode;
        return this;
    }

    /**
     * The status code.
     *
     * @return the status code as set
     */
    public long getStatusCode() {
        return statusCode;
    }

    /**
     * Sets the headers, replacing any set before.
     *
     * @param headers names and values (strings or numbers), not copied
     * @return this response
     */
    public Response setHeaders(Map<String, Object> headers) {
        this.headers = headers;
        return this;
    }

    /**
     * The headers.
     *
     * @return the map as set
     */
    public Map<String, Object> getHeaders() {
        return headers;
    }

    /**
     * Sets the content type, which takes precedence over a {@code Content-Type} among the headers.
     *
     * @param contentType e.g. {@code application/json}; {@code null} or empty leaves the headers' own, if any
     * @return this response
     */
    public Response setContentType(String contentType) {
        this.contentType = contentType;
        return this;
    }

    /**
     * The content type.
     *
     * @return the content type as set
     */
    public String getContentType() {
        return contentType;
    }
}
