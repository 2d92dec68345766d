package io.nucleon.trigger.http.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code auth.kind: bearer} (RFC 6750): opaque tokens from a file, one a line, each either
 * {@code <token>} or {@code <name> <token>}.
 *
 * <p>Only the SHA-256 of each token is kept. A presented token is hashed and its digest looked up,
 * then compared with {@link MessageDigest#isEqual}: how long the lookup takes depends on the digest
 * alone, which tells a caller nothing about any stored token, and no comparison stops at the first
 * differing character of a token. Tokens must be at least {@value #MIN_TOKEN_LENGTH} characters of
 * RFC 6750's token alphabet, so they cannot be guessed one request at a time.
 */
final class BearerAuthenticator implements Authenticator {
    static final String SCHEME = "Bearer";
    static final int MIN_TOKEN_LENGTH = 16;
    private static final int MAX_TOKEN_LENGTH = 4096;
    private static final byte[] NO_SALT = new byte[0];

    private record Entry(byte[] digest, AuthIdentity identity) {}

    private final Map<ByteBuffer, Entry> tokens;
    private final AuthRefusals refusals;

    private BearerAuthenticator(Map<ByteBuffer, Entry> tokens, AuthRefusals refusals) {
        this.tokens = tokens;
        this.refusals = refusals;
    }

    static List<SecretFile> files(HttpAuthOptions o) {
        return List.of(new SecretFile("auth.tokensFile", o.tokensFile));
    }

    static BearerAuthenticator load(HttpAuthOptions o, AuthRefusals refusals) throws AuthConfigException {
        SecretFile file = files(o).get(0);
        byte[] bytes = file.read();
        Map<ByteBuffer, Entry> tokens = new HashMap<>();
        try {
            String text = new String(bytes, StandardCharsets.UTF_8);
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i].strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] words = line.split("[ \t]+");
                if (words.length > 2) {
                    throw file.problem(i + 1, "must be <token> or <name> <token>");
                }
                String token = words[words.length - 1];
                String problem = tokenProblem(token);
                if (problem != null) {
                    throw file.problem(i + 1, problem);
                }
                byte[] digest = digest(token);
                if (tokens.containsKey(ByteBuffer.wrap(digest))) {
                    throw file.problem(i + 1, "the token is already on an earlier line");
                }
                String name = words.length == 2 ? words[0] : null;
                tokens.put(ByteBuffer.wrap(digest), new Entry(digest, AuthIdentity.ofSubject(name)));
            }
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        if (tokens.isEmpty()) {
            throw file.problem("holds no token");
        }
        return new BearerAuthenticator(Map.copyOf(tokens), refusals);
    }

    /** What is wrong with a configured token, or null. */
    private static String tokenProblem(String token) {
        if (token.length() < MIN_TOKEN_LENGTH) {
            return "a token must be at least " + MIN_TOKEN_LENGTH + " characters (e.g. openssl rand -hex 32)";
        }
        if (token.length() > MAX_TOKEN_LENGTH) {
            return "a token must be at most " + MAX_TOKEN_LENGTH + " characters";
        }
        for (int i = 0; i < token.length(); i++) {
            if (!isTokenChar(token.charAt(i), i > 0 && token.charAt(i - 1) == '=')) {
                return "a token may hold only letters, digits and - . _ ~ + / (then = at its end)";
            }
        }
        return null;
    }

    /** RFC 6750's b64token: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. */
    private static boolean isTokenChar(char c, boolean afterEquals) {
        if (c == '=') {
            return true;
        }
        if (afterEquals) {
            return false;
        }
        return c >= 'a' && c <= 'z'
                || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9'
                || c == '-'
                || c == '.'
                || c == '_'
                || c == '~'
                || c == '+'
                || c == '/';
    }

    private static byte[] digest(String token) {
        byte[] b = token.getBytes(StandardCharsets.ISO_8859_1);
        return Sha256.of(NO_SALT, b, 0, b.length);
    }

    /** The token of a {@code Bearer} header, or null when the header is of another scheme. */
    static String token(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).strip();
    }

    @Override
    public AuthVerdict authenticate(String authorization) {
        String token = token(authorization);
        if (token == null) {
            return refusals.get(AuthFailure.MISSING);
        }
        if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return refusals.get(AuthFailure.MALFORMED);
        }
        byte[] presented = digest(token);
        Entry e = tokens.get(ByteBuffer.wrap(presented));
        if (e != null && MessageDigest.isEqual(e.digest, presented)) {
            return e.identity;
        }
        return refusals.get(AuthFailure.INVALID_CREDENTIALS);
    }

    @Override
    public String describe() {
        return tokens.size() == 1 ? "1 token" : tokens.size() + " tokens";
    }
}
