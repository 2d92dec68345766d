package io.nucleon.trigger.http.auth;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code auth} block of an {@code http} trigger's attributes: who may call the function. Bound
 * from {@code function.yaml} with the trigger's other attributes; checked and loaded by
 * {@link HttpAuth#create}. Holds file paths and variable names, never a secret itself.
 *
 * <p>Which attributes apply depends on {@link #kind}; giving one that belongs to another kind is a
 * configuration error, so a typo cannot leave a function less protected than its author meant.
 */
public final class HttpAuthOptions {
    /** {@code none} (the default: every caller is let in), {@code basic}, {@code bearer} or {@code jwt}. */
    public String kind = "none";
    /** The realm named in {@code WWW-Authenticate}; {@code null} (the default) means the function's name. */
    public String realm = null;
    /**
     * Paths anyone may call without credentials: an entry ending with {@code /} is a prefix
     * ({@code /public/} covers {@code /public/a} but not {@code /public}), any other is matched
     * exactly. Compared with the request's path as sent; a path holding a dot segment or an
     * encoded {@code .}, {@code /} or {@code \} is never exempt.
     */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    public List<String> exemptPaths = List.of();
    /**
     * Whether the {@code Authorization} header reaches the handler. {@code false} (the default): it
     * is removed once checked, so a handler that logs its headers cannot leak a password or token;
     * the handler gets {@code auth.subject} instead.
     */
    public boolean forwardCredentials = false;
    /**
     * How often the credential, token and key files are checked for changes (off the event loops);
     * a changed file is loaded and used from then on, and one that cannot be used is logged and the
     * previous credentials kept. {@code 0s} turns reloading off.
     */
    public Duration reloadInterval = Duration.ofSeconds(5);

    // ---- kind: basic ------------------------------------------------------------------------------
    /** {@code basic}: a file of {@code user:password} lines (blank lines and lines starting with {@code #} are skipped). */
    public String credentialsFile;
    /** {@code basic}: a file holding one user name, as OpenFaaS's {@code basic-auth-user} secret; with {@link #passwordFile}. */
    public String userFile;
    /** {@code basic}: a file holding that user's password, as OpenFaaS's {@code basic-auth-password} secret. */
    public String passwordFile;
    /** {@code basic}: the name of an environment variable holding one user name; with {@link #passwordEnv}. */
    public String userEnv;
    /** {@code basic}: the name of an environment variable holding that user's password. */
    public String passwordEnv;

    // ---- kind: bearer -----------------------------------------------------------------------------
    /**
     * {@code bearer}: a file of tokens, one a line, each either {@code <token>} or {@code <name> <token>}
     * (the name becomes {@code auth.subject}); blank lines and lines starting with {@code #} are skipped.
     */
    public String tokensFile;

    // ---- kind: jwt --------------------------------------------------------------------------------
    /**
     * {@code jwt}: the signature algorithms accepted, of {@code HS256}, {@code RS256}, {@code ES256}.
     * Empty (the default): those the configured keys are for. A token's algorithm must also match the
     * type of the key that verifies it, whatever this says.
     */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    public List<String> algorithms = List.of();
    /** {@code jwt}: a file whose bytes are the HS256 secret (at least 32 bytes; one trailing newline is ignored). */
    public String secretFile;
    /** {@code jwt}: a PEM file of public keys ({@code PUBLIC KEY}) or certificates ({@code CERTIFICATE}), RSA or EC P-256. */
    public String publicKeyFile;
    /** {@code jwt}: a JWK set file (JSON with a {@code keys} array) of RSA, EC P-256 or {@code oct} keys; never fetched over the network. */
    public String jwksFile;
    /** {@code jwt}: the {@code iss} a token must carry; {@code null} accepts any issuer. */
    public String issuer;
    /** {@code jwt}: a token's {@code aud} must name one of these; empty accepts any audience (a warning is logged). */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    public List<String> audience = List.of();
    /** {@code jwt}: how far {@code exp} and {@code nbf} may be off the processor's clock, 0 to 5 minutes. */
    public Duration clockSkew = Duration.ofSeconds(30);
    /** {@code jwt}: whether a token without {@code exp} is refused. */
    public boolean requireExpiry = true;
    /** {@code jwt}: the claim whose value becomes {@code auth.subject}. */
    public String subjectClaim = "sub";
    /** {@code jwt}: claims passed to the handler as {@code auth.claim.<name>} fields. */
    public List<String> claims = List.of();
    /**
     * {@code jwt}: claims a token must carry, each with the value it must have or a list of values
     * of which it must have one; a string claim also matches when one of its space-separated words
     * does (as OAuth's {@code scope}), an array claim when one of its elements does. A verified token
     * that fails one is answered 403.
     */
    public Map<String, Object> requiredClaims = Map.of();
    /**
     * {@code jwt}: verified tokens remembered per event loop (until they expire, at most 5 minutes),
     * so that a client calling again with the same token is not verified again; 0 turns it off.
     */
    public int cacheSize = 1024;
}
