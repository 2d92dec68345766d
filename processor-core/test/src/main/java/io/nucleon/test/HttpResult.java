package io.nucleon.test;

import io.nucleon.api.Response;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** The answer the http trigger would write for an {@link HttpCall}: status, headers and body. */
public final class HttpResult extends EventResult {
    private final Map<String, String> headers;

    HttpResult(EventResult result) {
        super(result);
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        Response response = result.response();
        h.putAll(response.headers());
        // what the trigger adds as it writes the response
        if (response.contentType() != null) {
            h.put("Content-Type", response.contentType());
        }
        if (response.status() != 204 && response.status() != 304 && response.status() >= 200) {
            h.put("Content-Length", Integer.toString(response.body().length));
        }
        this.headers = Collections.unmodifiableMap(h);
    }

    /** The HTTP status. */
    public int status() {
        return response().status();
    }

    /**
     * The response's headers as the trigger writes them: the handler's, {@code Content-Type} and
     * {@code Content-Length}. Names ignore case, as on the wire.
     */
    public Map<String, String> headers() {
        return headers;
    }

    /** One header, whatever the case of its name, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }

    /** The body's media type, e.g. {@code application/json}, or {@code null}. */
    public String contentType() {
        return response().contentType();
    }
}
