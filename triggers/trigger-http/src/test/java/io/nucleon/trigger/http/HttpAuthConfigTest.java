package io.nucleon.trigger.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad {@code auth} block fails the start, naming the attribute's path, and never quoting a secret. */
class HttpAuthConfigTest {
    private static final String PATH = "spec.triggers.web.attributes.";

    @TempDir
    Path dir;

    /** The message of the configuration error starting a function with this auth block gives. */
    private static String startFails(Object... keyValues) {
        Map<String, Object> auth = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            auth.put((String) keyValues[i], keyValues[i + 1]);
        }
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> RunningFunction.start((ctx, ev) -> "ok", t -> t.attribute("auth", auth))
                        .close());
        return e.getMessage();
    }

    private static void assertSays(String message, String attribute, String what) {
        assertTrue(message.contains(PATH + attribute + ": "), message);
        assertTrue(message.contains(what), message);
    }

    @Test
    void aMissingFileIsNamedWithItsAttribute() {
        String missing = dir.resolve("nope").toString();
        assertSays(startFails("kind", "jwt", "secretFile", missing), "auth.secretFile", missing + " does not exist");
        assertSays(startFails("kind", "bearer", "tokensFile", missing), "auth.tokensFile", missing + " does not exist");
        assertSays(startFails("kind", "basic", "credentialsFile", missing), "auth.credentialsFile", "does not exist");
        assertSays(startFails("kind", "jwt", "jwksFile", dir.toString()), "auth.jwksFile", "is not a regular file");
    }

    @Test
    void aShortHmacSecretIsRefusedWithoutBeingQuoted() throws Exception {
        Path secret = AuthFixtures.write(dir.resolve("secret"), "hunter2-is-short");
        String m = startFails("kind", "jwt", "secretFile", secret.toString());
        assertSays(m, "auth.secretFile", "must hold at least 32 bytes (256 bits) for HS256, holds 16");
        assertFalse(m.contains("hunter2"), m);
    }

    @Test
    void keyFilesThatCannotBeUsedSayWhy() throws Exception {
        Path garbage = AuthFixtures.write(dir.resolve("garbage.pem"), "this is not a key, it is s3cr3t-looking text");
        String m = startFails("kind", "jwt", "publicKeyFile", garbage.toString());
        assertSays(m, "auth.publicKeyFile", "holds no PEM block");
        assertFalse(m.contains("s3cr3t"), m);

        KeyPair rsa = AuthFixtures.rsa();
        Path privateKey = AuthFixtures.write(
                dir.resolve("private.pem"),
                AuthFixtures.pem("PRIVATE KEY", rsa.getPrivate().getEncoded()));
        assertSays(
                startFails("kind", "jwt", "publicKeyFile", privateKey.toString()),
                "auth.publicKeyFile",
                "PEM block 1 is a private key; give only the public key");

        Path badBlock =
                AuthFixtures.write(dir.resolve("bad.pem"), AuthFixtures.pem("PUBLIC KEY", new byte[] {1, 2, 3}));
        assertSays(
                startFails("kind", "jwt", "publicKeyFile", badBlock.toString()),
                "auth.publicKeyFile",
                "PEM block 1 is not an RSA or EC public key");

        Path p384 = AuthFixtures.write(
                dir.resolve("p384.pem"),
                AuthFixtures.publicPem(AuthFixtures.ec("secp384r1").getPublic()));
        assertSays(
                startFails("kind", "jwt", "publicKeyFile", p384.toString()),
                "auth.publicKeyFile",
                "only ES256 (P-256) is supported");

        Path notJwks = AuthFixtures.write(
                dir.resolve("jwks.json"), "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0LXZhbHVl\"");
        m = startFails("kind", "jwt", "jwksFile", notJwks.toString());
        assertSays(m, "auth.jwksFile", "is not a JWK set");
        assertFalse(m.contains("c2VjcmV0LXZhbHVl"), m);

        Path encryptionOnly = AuthFixtures.write(
                dir.resolve("enc.json"),
                new com.nimbusds.jose.jwk.JWKSet(new com.nimbusds.jose.jwk.RSAKey.Builder(
                                        (java.security.interfaces.RSAPublicKey) rsa.getPublic())
                                .keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION)
                                .build())
                        .toString());
        assertSays(
                startFails("kind", "jwt", "jwksFile", encryptionOnly.toString()),
                "auth",
                "kind jwt has no usable key in its files");
    }

    @Test
    void anUnknownAlgorithmOrOneWithoutAKeyIsRefused() throws Exception {
        Path secret = AuthFixtures.write(dir.resolve("secret"), AuthFixtures.randomHex(32));
        assertSays(
                startFails("kind", "jwt", "secretFile", secret.toString(), "algorithms", List.of("HS256", "HS512")),
                "auth.algorithms[1]",
                "must be one of HS256, RS256, ES256, got \"HS512\"");
        assertSays(
                startFails("kind", "jwt", "secretFile", secret.toString(), "algorithms", "RS256"),
                "auth.algorithms",
                "lists RS256, but no configured key is for it (an RSA key)");
        assertSays(
                startFails("kind", "jwt", "algorithms", "RS256"),
                "auth",
                "kind jwt needs secretFile (HS256), publicKeyFile");
    }

    @Test
    void aKindTypoOrAnAttributeOfAnotherKindIsAnErrorNotAnOpenDoor() throws Exception {
        Path tokens = AuthFixtures.write(dir.resolve("tokens"), AuthFixtures.randomHex(20) + "\n");
        assertSays(startFails("kind", "jtw"), "auth.kind", "must be none, basic, bearer or jwt, got \"jtw\"");
        assertSays(
                startFails("tokensFile", tokens.toString()),
                "auth.kind",
                "is none (every caller is let in), but auth.tokensFile is set");
        assertSays(
                startFails("kind", "basic", "tokensFile", tokens.toString()),
                "auth.tokensFile",
                "is for kind bearer, but auth.kind is basic");
        assertSays(
                startFails("kind", "bearer", "tokensFile", tokens.toString(), "audience", "x"),
                "auth.audience",
                "is for kind jwt, but auth.kind is bearer");
        assertSays(
                startFails("kind", "basic"), "auth", "kind basic needs credentialsFile, or userFile and passwordFile");
        assertSays(
                startFails("kind", "basic", "userFile", tokens.toString()),
                "auth.passwordFile",
                "is required with auth.userFile");
        assertSays(startFails("kind", "bearer"), "auth.tokensFile", "is required for kind bearer");
        String m = startFails("kind", "bearer", "tokensFile", tokens.toString(), "tokenFile", "x");
        assertTrue(m.contains(PATH + "auth.tokenFile: unknown attribute; allowed: "), m);
    }

    @Test
    void badLinesAreNamedByNumberWithoutTheirContent() throws Exception {
        Path credentials = AuthFixtures.write(dir.resolve("credentials"), "ada:fine-password\nbob-has-no-colon-Pa55\n");
        String m = startFails("kind", "basic", "credentialsFile", credentials.toString());
        assertSays(m, "auth.credentialsFile", "line 2: must be user:password (no ':' found)");
        assertFalse(m.contains("Pa55") || m.contains("fine-password"), m);

        Path tokens = AuthFixtures.write(dir.resolve("tokens"), AuthFixtures.randomHex(20) + "\nshortTok3n\n");
        m = startFails("kind", "bearer", "tokensFile", tokens.toString());
        assertSays(m, "auth.tokensFile", "line 2: a token must be at least 16 characters");
        assertFalse(m.contains("shortTok3n"), m);

        Path duplicate = AuthFixtures.write(dir.resolve("dup"), "ada:one-password\nada:two-password\n");
        assertSays(
                startFails("kind", "basic", "credentialsFile", duplicate.toString()),
                "auth.credentialsFile",
                "line 2: the user is already defined on an earlier line");

        Path empty = AuthFixtures.write(dir.resolve("empty"), "# nothing yet\n\n");
        assertSays(startFails("kind", "bearer", "tokensFile", empty.toString()), "auth.tokensFile", "holds no token");
    }

    @Test
    void commonAttributesAreChecked() throws Exception {
        Path tokens = AuthFixtures.write(dir.resolve("tokens"), AuthFixtures.randomHex(20) + "\n");
        String file = tokens.toString();
        assertSays(
                startFails("kind", "bearer", "tokensFile", file, "exemptPaths", List.of("/ok", "healthz")),
                "auth.exemptPaths[1]",
                "must start with /");
        assertSays(
                startFails("kind", "bearer", "tokensFile", file, "exemptPaths", List.of("/public/../x")),
                "auth.exemptPaths[0]",
                "must not hold . or .. segments");
        assertSays(
                startFails("kind", "bearer", "tokensFile", file, "realm", "a \"quoted\" realm"),
                "auth.realm",
                "without \" or \\");
        assertSays(
                startFails("kind", "bearer", "tokensFile", file, "reloadInterval", "10ms"),
                "auth.reloadInterval",
                "must be 0s (no reloading) or at least 1s");
        Path secret = AuthFixtures.write(dir.resolve("secret"), AuthFixtures.randomHex(32));
        assertSays(
                startFails(
                        "kind",
                        "jwt",
                        "secretFile",
                        secret.toString(),
                        "requiredClaims",
                        Map.of("role", Map.of("a", 1))),
                "auth.requiredClaims.role",
                "must be a value or a list of values");
        assertSays(
                startFails("kind", "jwt", "secretFile", secret.toString(), "requiredClaims", Map.of("rôle", "admin")),
                "auth.requiredClaims.rôle",
                "the claim name must be printable ASCII");
        assertSays(
                startFails("kind", "jwt", "secretFile", secret.toString(), "clockSkew", "1h"),
                "auth.clockSkew",
                "must be from 0s to 5m");
        assertSays(
                startFails("kind", "jwt", "secretFile", secret.toString(), "cacheSize", -1),
                "auth.cacheSize",
                "must be from 0 (off)");
    }

    @Test
    void basicCredentialsFromMissingEnvironmentVariablesAreNamed() {
        String name = "NUCLEON_TEST_SURELY_UNSET_" + AuthFixtures.randomHex(4).toUpperCase();
        assertSays(
                startFails("kind", "basic", "userEnv", name, "passwordEnv", name + "_PW"),
                "auth.userEnv",
                "the environment variable " + name + " is not set or empty");
    }
}
