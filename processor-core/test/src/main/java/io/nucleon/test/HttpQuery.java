package io.nucleon.test;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.nucleon.trigger.http.auth.AuthIdentity;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of an HTTP event, decoded from the request target with the decoder and the settings the
 * http trigger uses, less the names the trigger reserves ({@code auth.*}). Touches the http trigger's
 * module (and Netty), so only a function with an http trigger loads it.
 */
final class HttpQuery {
    private HttpQuery() {}

    /**
     * @throws IllegalArgumentException for a malformed percent-escape: the trigger answers such a
     *                                  request 400 itself, without calling the handler
     */
    static Map<String, Object> fields(String target) {
        if (target.indexOf('?') < 0) {
            return Map.of();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            new QueryStringDecoder(target, StandardCharsets.UTF_8, true, Math.max(1, target.length()))
                    .parameters()
                    .forEach((k, v) -> m.put(k, v.size() == 1 ? v.get(0) : List.copyOf(v)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the http trigger answers 400 to " + target
                            + " without calling the handler: its query cannot be decoded (" + e.getMessage() + ")",
                    e);
        }
        return AuthIdentity.eventFields(Collections.unmodifiableMap(m), null);
    }
}
