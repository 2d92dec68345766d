package io.nucleon.core.control;

import java.util.List;
import java.util.Map;

/**
 * One request to the control server, read whole before any endpoint sees it. Immutable.
 *
 * @param method  the method as sent ({@code GET}, {@code HEAD}, {@code POST}, …)
 * @param path    the path of the request target, without its query; not percent-decoded
 * @param query   the raw query after {@code ?}, or an empty string
 * @param headers the headers by lower-case name, each with its values in the order sent
 * @param body    the body (empty when there was none); at most {@link ControlLimits#maxBodyBytes()}.
 *                Do not modify the array.
 */
record ControlRequest(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {

    /** The first value of the header {@code name} (any case), or {@code null}. */
    String header(String name) {
        List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
