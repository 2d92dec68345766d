package io.nucleon.runtime.nuclio;

import io.nucleon.api.Response;
import java.util.Map;

/**
 * Nuclio's {@link io.nuclio.Response} as Nucleon's {@link Response}, as Nuclio's HTTP trigger writes
 * it: the headers, then the content type over a {@code Content-Type} among them unless it is empty,
 * and a status code of {@code 0} as 200.
 */
final class NuclioResponses {
    private NuclioResponses() {}

    /**
     * {@code r} as Nucleon's response; {@code null} is 204 with no body.
     *
     * @throws IllegalStateException when the status code is not an HTTP status (the event fails with 500)
     */
    static Response toNucleon(io.nuclio.Response r) {
        if (r == null) {
            return Response.noContent();
        }
        long code = r.getStatusCode();
        if (code == 0) {
            code = 200;
        }
        if (code < 100 || code > 599) {
            throw new IllegalStateException("the handler's io.nuclio.Response has status code " + r.getStatusCode()
                    + ", which is not an HTTP status (100 to 599)");
        }
        Response.Builder b = Response.status((int) code);
        Map<String, Object> headers = r.getHeaders();
        if (headers != null) {
            for (Map.Entry<String, Object> h : headers.entrySet()) {
                if (h.getKey() != null && h.getValue() != null) {
                    b.header(h.getKey(), String.valueOf(h.getValue()));
                }
            }
        }
        String contentType = r.getContentType();
        if (contentType != null && !contentType.isEmpty()) {
            b.contentType(contentType);
        }
        return b.body(r.getBody()).build();
    }
}
