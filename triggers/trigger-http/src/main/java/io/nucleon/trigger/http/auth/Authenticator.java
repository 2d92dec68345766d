package io.nucleon.trigger.http.auth;

/**
 * Checks the credentials of one request against one loaded set of them; one variant per
 * {@code auth.kind} ({@link BasicAuthenticator}, {@link BearerAuthenticator},
 * {@link JwtAuthenticator}). Immutable once loaded (a reload makes a new one) and thread-safe.
 */
interface Authenticator {
    /**
     * The verdict on a request whose {@code Authorization} header is {@code authorization} (null
     * when it has none). Runs on an event loop: never blocks, reads no file, parses no key.
     */
    AuthVerdict authenticate(String authorization);

    /** What was loaded, for the log and {@code /status}, e.g. {@code 3 users}: counts and names, never a secret. */
    String describe();
}
