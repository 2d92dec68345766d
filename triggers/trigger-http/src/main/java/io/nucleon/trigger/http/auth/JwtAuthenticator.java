package io.nucleon.trigger.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code auth.kind: jwt}: signed JWTs (RFC 7519) in a {@code Bearer} header, verified with
 * nimbus-jose-jwt against the keys of {@link JwtKeys}.
 *
 * <p>The checks, in order, each with its own {@link AuthFailure}: the token parses as a JWS (and has
 * no {@code crit} header); its {@code alg} is accepted; a key of that algorithm (with its
 * {@code kid}, when it names one) is configured; the signature verifies with one of them; then, and
 * only then, the claims: {@code exp} (required unless {@code requireExpiry: false}) and {@code nbf}
 * within {@code clockSkew}, {@code iss}, {@code aud}; and last the {@code requiredClaims} (a 403).
 * Keys named in the token's header ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c}) are never
 * used. A token that passes is remembered in the {@link VerifiedTokenCache}, with the identity made
 * of its subject and the configured {@code claims}.
 */
final class JwtAuthenticator implements Authenticator {
    /** Longer tokens are refused unparsed: no identity provider issues them, and parsing costs grow with size. */
    static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private final List<JwtKeys.JwtKey> keys;
    private final Set<JWSAlgorithm> algorithms;
    private final String issuer;
    private final Set<String> audience;
    private final long skewMillis;
    private final boolean requireExpiry;
    private final String subjectClaim;
    private final List<String> claims;
    private final Map<String, Set<String>> requiredClaims;
    private final AuthRefusals refusals;
    /** Null when {@code cacheSize} is 0. */
    private final VerifiedTokenCache cache;

    JwtAuthenticator(
            List<JwtKeys.JwtKey> keys,
            Set<JWSAlgorithm> algorithms,
            HttpAuthOptions o,
            Map<String, Set<String>> requiredClaims,
            AuthRefusals refusals,
            VerifiedTokenCache cache) {
        this.keys = List.copyOf(keys);
        this.algorithms = Set.copyOf(algorithms);
        this.issuer = o.issuer;
        this.audience = Set.copyOf(o.audience);
        this.skewMillis = o.clockSkew.toMillis();
        this.requireExpiry = o.requireExpiry;
        this.subjectClaim = o.subjectClaim;
        this.claims = List.copyOf(o.claims);
        this.requiredClaims = requiredClaims;
        this.refusals = refusals;
        this.cache = cache;
    }

    @Override
    public AuthVerdict authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refusals.get(AuthFailure.MISSING);
        }
        if (authorization.length() > MAX_TOKEN_LENGTH + 7) {
            return refusals.get(AuthFailure.MALFORMED);
        }
        long now = System.currentTimeMillis();
        if (cache != null) {
            // keyed by the header as sent: a client repeating its header costs one hash and one comparison
            AuthIdentity known = cache.get(authorization, this, now);
            if (known != null) {
                return known;
            }
        }
        String token = authorization.substring(7).strip();
        if (token.isEmpty()) {
            return refusals.get(AuthFailure.MALFORMED);
        }
        SignedJWT jwt;
        JWTClaimsSet claimsSet;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            return refusals.get(AuthFailure.MALFORMED);
        }
        JWSHeader header = jwt.getHeader();
        if (!algorithms.contains(header.getAlgorithm())) {
            return refusals.get(AuthFailure.ALGORITHM);
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            return refusals.get(AuthFailure.MALFORMED); // no extension is understood here (RFC 7515 §4.1.11)
        }
        AuthFailure keyFailure = verify(jwt, header);
        if (keyFailure != null) {
            return refusals.get(keyFailure);
        }
        try {
            claimsSet = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            return refusals.get(AuthFailure.MALFORMED);
        }
        Date exp = claimsSet.getExpirationTime();
        if (exp == null && requireExpiry) {
            return refusals.get(AuthFailure.NO_EXPIRY);
        }
        long notAfter = exp == null ? Long.MAX_VALUE : exp.getTime() + skewMillis;
        if (now >= notAfter) {
            return refusals.get(AuthFailure.EXPIRED);
        }
        Date nbf = claimsSet.getNotBeforeTime();
        if (nbf != null && nbf.getTime() - skewMillis > now) {
            return refusals.get(AuthFailure.NOT_YET_VALID);
        }
        if (issuer != null && !issuer.equals(claimsSet.getIssuer())) {
            return refusals.get(AuthFailure.ISSUER);
        }
        if (!audience.isEmpty() && !intersects(claimsSet.getAudience(), audience)) {
            return refusals.get(AuthFailure.AUDIENCE);
        }
        for (Map.Entry<String, Set<String>> required : requiredClaims.entrySet()) {
            if (!satisfies(claimsSet.getClaim(required.getKey()), required.getValue())) {
                return refusals.claim(required.getKey());
            }
        }
        AuthIdentity identity = identity(claimsSet);
        if (cache != null) {
            cache.put(authorization, this, identity, now, notAfter);
        }
        return identity;
    }

    /** Null when a configured key verifies the signature; else why not. */
    private AuthFailure verify(SignedJWT jwt, JWSHeader header) {
        String kid = header.getKeyID();
        boolean candidate = false;
        for (JwtKeys.JwtKey key : keys) {
            if (!key.algorithm().equals(header.getAlgorithm())) {
                continue;
            }
            if (kid != null && key.kid() != null && !kid.equals(key.kid())) {
                continue;
            }
            candidate = true;
            try {
                if (jwt.verify(key.verifier())) {
                    return null;
                }
            } catch (JOSEException | RuntimeException e) {
                // a signature of the wrong length or form: it does not verify with this key
            }
        }
        return candidate ? AuthFailure.BAD_SIGNATURE : AuthFailure.UNKNOWN_KEY;
    }

    private static boolean intersects(List<String> values, Set<String> accepted) {
        for (String v : values) {
            if (accepted.contains(v)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a claim's value is (or, for a list or space-separated string, holds) one of {@code allowed}. */
    static boolean satisfies(Object value, Set<String> allowed) {
        if (value instanceof String s) {
            if (allowed.contains(s)) {
                return true;
            }
            for (String word : s.split(" ")) {
                if (allowed.contains(word)) {
                    return true;
                }
            }
            return false;
        }
        if (value instanceof List<?> list) {
            for (Object v : list) {
                if (v != null && !(v instanceof Map) && !(v instanceof List) && allowed.contains(String.valueOf(v))) {
                    return true;
                }
            }
            return false;
        }
        if (value instanceof Number || value instanceof Boolean) {
            return allowed.contains(String.valueOf(value));
        }
        return false;
    }

    private AuthIdentity identity(JWTClaimsSet claimsSet) {
        Map<String, Object> fields = new LinkedHashMap<>();
        Object subject = claimsSet.getClaim(subjectClaim);
        if (subject != null) {
            fields.put(AuthIdentity.SUBJECT, fieldValue(subject));
        }
        for (String name : claims) {
            Object v = claimsSet.getClaim(name);
            if (v != null) {
                fields.put(AuthIdentity.CLAIM_PREFIX + name, fieldValue(v));
            }
        }
        return AuthIdentity.ofFields(fields);
    }

    /** A claim as an event field: a string, or a list of strings for an array; numbers and dates as text, objects as JSON. */
    private static Object fieldValue(Object v) {
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (Object e : list) {
                out.add(String.valueOf(scalar(e)));
            }
            return List.copyOf(out);
        }
        return scalar(v);
    }

    @SuppressWarnings("unchecked")
    private static String scalar(Object v) {
        if (v instanceof Date d) {
            return Long.toString(d.getTime() / 1000);
        }
        if (v instanceof Map<?, ?> m) {
            return JSONObjectUtils.toJSONString((Map<String, ?>) m);
        }
        return String.valueOf(v);
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder().append(keys.size()).append(keys.size() == 1 ? " key (" : " keys (");
        List<String> names = new ArrayList<>();
        for (JwtKeys.JwtKey k : keys) {
            names.add(k.algorithm().getName() + (k.kid() != null ? " kid " + k.kid() : ""));
        }
        return sb.append(String.join(", ", names)).append(')').toString();
    }
}
