package io.nucleon.async.journal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The query parameters of one request to an intake endpoint, checked strictly: each name at most
 * once, only the names the endpoint takes. Every error is an {@link IllegalArgumentException} whose
 * message names the parameter and is meant for the caller (a 400). Immutable once parsed.
 */
final class QueryParameters {
    private final Map<String, String> values;

    private QueryParameters(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses {@code query} (without the {@code ?}; null or empty for none), percent-decoding names
     * and values.
     *
     * @throws IllegalArgumentException for a name not in {@code allowed}, a name given twice, or a
     *                                  malformed percent escape
     */
    static QueryParameters parse(String query, Set<String> allowed) {
        Map<String, String> values = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return new QueryParameters(values);
        }
        for (String part : query.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String rawName = eq < 0 ? part : part.substring(0, eq);
            String name = decode(rawName, rawName);
            String value = eq < 0 ? "" : decode(part.substring(eq + 1), name);
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown query parameter '" + shown(name) + "'"
                        + (allowed.isEmpty()
                                ? "; this endpoint takes none"
                                : "; this endpoint takes "
                                        + String.join(
                                                ", ", allowed.stream().sorted().toList())));
            }
            if (values.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("query parameter '" + name + "' is given more than once");
            }
        }
        return new QueryParameters(values);
    }

    private static String decode(String raw, String name) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "query parameter '" + name + "' is not properly percent-encoded: " + e.getMessage());
        }
    }

    /** {@code s} as quoted back to the caller: at most 64 characters. */
    static String shown(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    /** The value of {@code name}, or null when it is absent. */
    String get(String name) {
        return values.get(name);
    }

    /**
     * The value of {@code name} as an integer from {@code min} to {@code max}; {@code dflt} when absent.
     *
     * @throws IllegalArgumentException when it is present and not such an integer
     */
    int intValue(String name, int dflt, int min, int max) {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            n = Integer.MIN_VALUE;
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(
                    name + " must be an integer from " + min + " to " + max + ", got '" + shown(v) + "'");
        }
        return n;
    }
}
