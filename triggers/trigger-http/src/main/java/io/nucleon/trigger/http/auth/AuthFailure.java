package io.nucleon.trigger.http.auth;

import java.util.Locale;

/**
 * Why a request was refused. Each is one value of the {@code reason} tag of
 * {@code nucleon_http_auth_failures_total} and one prepared answer; the messages say what was wrong
 * without repeating anything the caller sent.
 */
public enum AuthFailure {
    /** No {@code Authorization} header, or one of another scheme. */
    MISSING(401, null, "credentials are required: send an Authorization header with the %s scheme"),
    /** The header has the right scheme but cannot be read (bad Base64, not a JWT, a {@code crit} header). */
    MALFORMED(401, "invalid_token", "the %s credentials cannot be read"),
    /** {@code basic}: wrong user or password; {@code bearer}: unknown token. */
    INVALID_CREDENTIALS(401, "invalid_token", "the credentials are not valid"),
    /** A JWT signed with an algorithm that is not accepted (or {@code none}). */
    ALGORITHM(401, "invalid_token", "the token's signature algorithm is not accepted"),
    /** A JWT whose key id names no configured key, or with no key for its algorithm. */
    UNKNOWN_KEY(401, "invalid_token", "the token's key is not known"),
    /** A JWT whose signature does not verify. */
    BAD_SIGNATURE(401, "invalid_token", "the token's signature does not verify"),
    /** A JWT past its {@code exp} (beyond the clock skew). */
    EXPIRED(401, "invalid_token", "the token has expired"),
    /** A JWT before its {@code nbf} (beyond the clock skew). */
    NOT_YET_VALID(401, "invalid_token", "the token is not valid yet"),
    /** A JWT without {@code exp} while {@code requireExpiry} is on. */
    NO_EXPIRY(401, "invalid_token", "the token has no expiry time (exp)"),
    /** A JWT from another issuer. */
    ISSUER(401, "invalid_token", "the token's issuer is not accepted"),
    /** A JWT for another audience. */
    AUDIENCE(401, "invalid_token", "the token is not meant for this audience"),
    /** A valid JWT that fails one of {@code requiredClaims}: 403. */
    CLAIMS(403, "insufficient_scope", "the token's claim '%s' does not have a required value");

    private final int status;
    private final String bearerError;
    private final String message;

    AuthFailure(int status, String bearerError, String message) {
        this.status = status;
        this.bearerError = bearerError;
        this.message = message;
    }

    /** 401, or 403 for {@link #CLAIMS}. */
    public int status() {
        return status;
    }

    /** The {@code error} of a Bearer challenge (RFC 6750 §3.1), or null when the request had no credentials. */
    String bearerError() {
        return bearerError;
    }

    /** The message of the answer; {@code detail} fills its one placeholder (the scheme, or the claim's name). */
    String message(String detail) {
        return message.contains("%s") ? String.format(Locale.ROOT, message, detail) : message;
    }

    /** The {@code reason} tag in the metrics. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
