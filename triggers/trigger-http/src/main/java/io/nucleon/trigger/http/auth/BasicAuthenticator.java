package io.nucleon.trigger.http.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code auth.kind: basic} (RFC 7617): user names and passwords from a file of {@code user:password}
 * lines, from a pair of files as OpenFaaS mounts its {@code basic-auth-user} and
 * {@code basic-auth-password} secrets, or from a pair of environment variables.
 *
 * <p>Only a salted SHA-256 of each password is kept in memory (a random salt per user, drawn at
 * each load), and the file's bytes are cleared once hashed. A presented password is hashed with its
 * user's salt and compared in constant time ({@link MessageDigest#isEqual}); an unknown user is
 * compared against a decoy, so the time taken does not tell whether a user exists.
 */
final class BasicAuthenticator implements Authenticator {
    static final String SCHEME = "Basic";
    private static final int MAX_HEADER = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Credential(byte[] salt, byte[] digest, AuthIdentity identity) {}

    private final Map<String, Credential> users;
    private final Credential decoy;
    private final AuthRefusals refusals;

    private BasicAuthenticator(Map<String, Credential> users, AuthRefusals refusals) {
        this.users = users;
        this.refusals = refusals;
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] digest = new byte[32];
        RANDOM.nextBytes(digest);
        this.decoy = new Credential(salt, digest, AuthIdentity.NONE);
    }

    /** The files whose change means the credentials must be loaded again. */
    static List<SecretFile> files(HttpAuthOptions o) {
        List<SecretFile> files = new java.util.ArrayList<>();
        if (o.credentialsFile != null) {
            files.add(new SecretFile("auth.credentialsFile", o.credentialsFile));
        }
        if (o.userFile != null) {
            files.add(new SecretFile("auth.userFile", o.userFile));
            files.add(new SecretFile("auth.passwordFile", o.passwordFile));
        }
        return files;
    }

    /** Loads every user the options name; fails when none can be loaded or one is invalid. */
    static BasicAuthenticator load(HttpAuthOptions o, AuthRefusals refusals) throws AuthConfigException {
        Map<String, Credential> users = new HashMap<>();
        if (o.credentialsFile != null) {
            SecretFile file = new SecretFile("auth.credentialsFile", o.credentialsFile);
            byte[] bytes = file.read();
            try {
                readCredentialLines(file, bytes, users);
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }
        if (o.userFile != null) {
            SecretFile userFile = new SecretFile("auth.userFile", o.userFile);
            SecretFile passwordFile = new SecretFile("auth.passwordFile", o.passwordFile);
            byte[] user = userFile.read();
            byte[] password = passwordFile.read();
            try {
                String name =
                        new String(user, 0, SecretFile.lengthWithoutNewline(user), StandardCharsets.UTF_8).strip();
                add(
                        users,
                        name,
                        password,
                        SecretFile.lengthWithoutNewline(password),
                        userFile.attribute(),
                        userFile.path() + " and " + passwordFile.path());
            } finally {
                Arrays.fill(password, (byte) 0);
            }
        }
        if (o.userEnv != null) {
            String name = System.getenv(o.userEnv);
            String password = System.getenv(o.passwordEnv);
            if (name == null || name.isBlank()) {
                throw new AuthConfigException(
                        "auth.userEnv", "the environment variable " + o.userEnv + " is not set or empty");
            }
            if (password == null || password.isEmpty()) {
                throw new AuthConfigException(
                        "auth.passwordEnv", "the environment variable " + o.passwordEnv + " is not set or empty");
            }
            byte[] p = password.getBytes(StandardCharsets.UTF_8);
            try {
                add(
                        users,
                        name.strip(),
                        p,
                        p.length,
                        "auth.userEnv",
                        "the environment variables " + o.userEnv + " and " + o.passwordEnv);
            } finally {
                Arrays.fill(p, (byte) 0);
            }
        }
        return new BasicAuthenticator(Map.copyOf(users), refusals);
    }

    private static void readCredentialLines(SecretFile file, byte[] bytes, Map<String, Credential> users)
            throws AuthConfigException {
        int line = 0;
        int start = 0;
        int added = 0;
        while (start < bytes.length) {
            line++;
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            int next = end + 1;
            if (end > start && bytes[end - 1] == '\r') {
                end--;
            }
            if (end > start && bytes[start] != '#' && !blank(bytes, start, end)) {
                int colon = start;
                while (colon < end && bytes[colon] != ':') {
                    colon++;
                }
                if (colon == end) {
                    throw file.problem(line, "must be user:password (no ':' found)");
                }
                String user = new String(bytes, start, colon - start, StandardCharsets.UTF_8);
                if (users.containsKey(user)) {
                    throw file.problem(line, "the user is already defined on an earlier line");
                }
                byte[] password = Arrays.copyOfRange(bytes, colon + 1, end);
                try {
                    add(users, user, password, password.length, file.attribute(), file.path() + ", line " + line);
                } finally {
                    Arrays.fill(password, (byte) 0);
                }
                added++;
            }
            start = next;
        }
        if (added == 0) {
            throw file.problem("holds no user:password line");
        }
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    private static void add(
            Map<String, Credential> users, String user, byte[] password, int length, String attribute, String where)
            throws AuthConfigException {
        if (user.isEmpty() || user.indexOf(':') >= 0 || user.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new AuthConfigException(
                    attribute, where + ": the user name must be non-empty, without ':' or control characters");
        }
        if (length == 0) {
            throw new AuthConfigException(attribute, where + ": the password is empty");
        }
        if (users.containsKey(user)) {
            throw new AuthConfigException(attribute, where + ": the user is already defined elsewhere");
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        users.put(user, new Credential(salt, Sha256.of(salt, password, 0, length), AuthIdentity.ofSubject(user)));
    }

    @Override
    public AuthVerdict authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return refusals.get(AuthFailure.MISSING);
        }
        if (authorization.length() > MAX_HEADER) {
            return refusals.get(AuthFailure.MALFORMED);
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(authorization.substring(6).strip());
        } catch (IllegalArgumentException e) {
            return refusals.get(AuthFailure.MALFORMED);
        }
        try {
            int colon = 0;
            while (colon < decoded.length && decoded[colon] != ':') {
                colon++;
            }
            if (colon == decoded.length) {
                return refusals.get(AuthFailure.MALFORMED);
            }
            Credential c = users.get(new String(decoded, 0, colon, StandardCharsets.UTF_8));
            Credential against = c != null ? c : decoy;
            boolean equal =
                    MessageDigest.isEqual(against.digest, Sha256.of(against.salt, decoded, colon + 1, decoded.length));
            return equal && c != null ? c.identity : refusals.get(AuthFailure.INVALID_CREDENTIALS);
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    @Override
    public String describe() {
        return users.size() == 1 ? "1 user" : users.size() + " users";
    }
}
