package io.nucleon.trigger.http.auth;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every answer the auth check can give, made once when the trigger is created: for each
 * {@link AuthFailure} a 401 (or 403) with its {@code WWW-Authenticate} challenge and a small JSON
 * body, and its counter in {@code nucleon_http_auth_failures_total{reason}}. So a refused request
 * costs a map lookup and a counter increment, whatever a hostile caller sends. Thread-safe.
 */
final class AuthRefusals {
    /** The HTTP header of a challenge. */
    static final String WWW_AUTHENTICATE = "WWW-Authenticate";

    private final EnumMap<AuthFailure, AuthRefusal> byFailure = new EnumMap<>(AuthFailure.class);
    private final Map<String, AuthRefusal> byClaim = new HashMap<>();

    /**
     * @param scheme   {@code Basic} or {@code Bearer}
     * @param realm    the realm (already checked to need no escaping)
     * @param claims   the names of the required claims, each with its own 403
     */
    AuthRefusals(String scheme, String realm, Set<String> claims, MeterRegistry registry, Tags tags) {
        for (AuthFailure f : AuthFailure.values()) {
            Counter counter = Counter.builder("nucleon.http.auth.failures")
                    .description(
                            "Requests the http trigger refused for their credentials (401) or claims (403), by reason")
                    .tags(tags)
                    .tag("reason", f.tag())
                    .register(registry);
            if (f == AuthFailure.CLAIMS) {
                for (String claim : claims) {
                    byClaim.put(claim, new AuthRefusal(f, answer(f, claim, scheme, realm), counter));
                }
            } else {
                byFailure.put(f, new AuthRefusal(f, answer(f, scheme, scheme, realm), counter));
            }
        }
    }

    private static Response answer(AuthFailure f, String detail, String scheme, String realm) {
        String message = f.message(detail);
        StringBuilder challenge =
                new StringBuilder(scheme).append(" realm=\"").append(realm).append('"');
        if (scheme.equals("Basic")) {
            challenge.append(", charset=\"UTF-8\"");
        } else if (f.bearerError() != null) {
            // RFC 6750 §3: error_description is for a developer; it must not hold '"' or '\' (ours do not)
            challenge
                    .append(", error=\"")
                    .append(f.bearerError())
                    .append("\", error_description=\"")
                    .append(message)
                    .append('"');
        }
        return Response.status(f.status())
                .contentType(Response.APPLICATION_JSON)
                .header(WWW_AUTHENTICATE, challenge.toString())
                .body(ErrorResponses.body(f.status() == 403 ? "forbidden" : "unauthorized", null, message))
                .build();
    }

    /** The refusal for {@code failure} (not {@link AuthFailure#CLAIMS}: see {@link #claim}). */
    AuthRefusal get(AuthFailure failure) {
        return byFailure.get(failure);
    }

    /** The 403 for the required claim {@code name}. */
    AuthRefusal claim(String name) {
        return byClaim.get(name);
    }
}
