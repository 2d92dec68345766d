package io.nucleon.trigger.http;

import static io.nucleon.trigger.http.AuthFixtures.claims;
import static io.nucleon.trigger.http.AuthFixtures.hs256;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import io.nucleon.api.Handler;
import io.nucleon.spi.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code auth.kind: jwt} against a real server: every way a token can be wrong, and what a good one brings the handler. */
class HttpAuthJwtTest {
    /** Answers with the event's fields and whether the Authorization header reached it. */
    static final Handler ECHO =
            (ctx, e) -> Map.of("fields", e.fields(), "authorization", String.valueOf(e.header("Authorization")));

    @TempDir
    Path dir;

    private final String secret = AuthFixtures.randomHex(32);

    private Map<String, Object> hs256Auth(Map<String, Object> more) throws Exception {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("kind", "jwt");
        auth.put(
                "secretFile",
                AuthFixtures.write(dir.resolve("jwt-secret"), secret + "\n").toString());
        auth.put("issuer", "https://issuer.test");
        auth.put("audience", "hello-api");
        auth.putAll(more);
        return auth;
    }

    private static HttpResponse<String> call(RunningFunction f, String path, String token) throws Exception {
        return f.get(path, "Authorization", "Bearer " + token);
    }

    private static JsonNode fields(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return Json.mapper().readTree(r.body()).get("fields");
    }

    private static void assertRefused(HttpResponse<String> r, String description, String token) {
        assertEquals(401, r.statusCode(), r.body());
        String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertEquals(
                "Bearer realm=\"test\", error=\"invalid_token\", error_description=\"" + description + "\"", challenge);
        assertTrue(r.body().contains("\"error\":\"unauthorized\"") && r.body().contains(description), r.body());
        assertFalse(r.body().contains(token), "the answer must not repeat the token");
    }

    @Test
    void aJwtWithABadSignatureExpiredOrForAnotherAudienceGets401AndAGoodOneGets200WithItsSubjectInTheEvent()
            throws Exception {
        try (RunningFunction f =
                RunningFunction.start(ECHO, t -> t.attribute("auth", unchecked(() -> hs256Auth(Map.of()))))) {
            String badSignature = hs256(AuthFixtures.randomHex(32), claims("ada", c -> {}));
            assertRefused(call(f, "/", badSignature), "the token's signature does not verify", badSignature);

            String expired =
                    hs256(secret, claims("ada", c -> c.expirationTime(new Date(System.currentTimeMillis() - 60_000))));
            assertRefused(call(f, "/", expired), "the token has expired", expired);

            String otherAudience = hs256(secret, claims("ada", c -> c.audience("billing-api")));
            assertRefused(call(f, "/", otherAudience), "the token is not meant for this audience", otherAudience);

            String otherIssuer = hs256(secret, claims("ada", c -> c.issuer("https://elsewhere.test")));
            assertRefused(call(f, "/", otherIssuer), "the token's issuer is not accepted", otherIssuer);

            String notYet =
                    hs256(secret, claims("ada", c -> c.notBeforeTime(new Date(System.currentTimeMillis() + 120_000))));
            assertRefused(call(f, "/", notYet), "the token is not valid yet", notYet);

            String noExpiry = hs256(secret, claims("ada", c -> c.expirationTime(null)));
            assertRefused(call(f, "/", noExpiry), "the token has no expiry time (exp)", noExpiry);

            assertRefused(call(f, "/", "not.a.jwt"), "the Bearer credentials cannot be read", "not.a.jwt");

            HttpResponse<String> none = f.get("/");
            assertEquals(401, none.statusCode());
            assertEquals(
                    "Bearer realm=\"test\"",
                    none.headers().firstValue("WWW-Authenticate").orElseThrow(),
                    "a request without credentials gets a challenge without an error code (RFC 6750 §3.1)");

            String good = hs256(secret, claims("ada", c -> {}));
            JsonNode fields = fields(call(f, "/?name=x", good));
            assertEquals("ada", fields.get("auth.subject").asText());
            assertEquals("x", fields.get("name").asText());
        }
    }

    @Test
    void theAuthorizationHeaderReachesTheHandlerOnlyWhenForwardCredentialsIsOn() throws Exception {
        String token = hs256(secret, claims("ada", c -> {}));
        try (RunningFunction f =
                RunningFunction.start(ECHO, t -> t.attribute("auth", unchecked(() -> hs256Auth(Map.of()))))) {
            HttpResponse<String> r = call(f, "/", token);
            assertEquals(200, r.statusCode());
            assertEquals(
                    "null",
                    Json.mapper().readTree(r.body()).get("authorization").asText());
        }
        try (RunningFunction f = RunningFunction.start(
                ECHO, t -> t.attribute("auth", unchecked(() -> hs256Auth(Map.of("forwardCredentials", true)))))) {
            HttpResponse<String> r = call(f, "/", token);
            assertEquals(
                    "Bearer " + token,
                    Json.mapper().readTree(r.body()).get("authorization").asText());
        }
    }

    @Test
    void theSubjectAndClaimFieldsCannotBeForgedThroughTheQueryStringOrHeaders() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                ECHO,
                t -> t.attribute(
                        "auth",
                        unchecked(() ->
                                hs256Auth(Map.of("claims", List.of("email"), "exemptPaths", List.of("/open"))))))) {
            String token = hs256(secret, claims("ada", c -> c.claim("email", "ada@example.com")));
            JsonNode fields = fields(f.get(
                    "/?auth.subject=mallory&auth.claim.email=m@evil.test&auth.claim.role=admin&auth.=1&q=1",
                    "Authorization",
                    "Bearer " + token,
                    "auth.subject",
                    "mallory",
                    "X-Auth-Subject",
                    "mallory"));
            assertEquals("ada", fields.get("auth.subject").asText());
            assertEquals("ada@example.com", fields.get("auth.claim.email").asText());
            assertEquals("1", fields.get("q").asText());
            assertEquals(3, fields.size(), fields.toString());

            JsonNode open = fields(f.get("/open?auth.subject=mallory&q=2", "auth.subject", "mallory"));
            assertEquals(1, open.size(), "an exempt path has no subject, and none from the query: " + open);
            assertEquals("2", open.get("q").asText());
        }
    }

    @Test
    void rs256FromAPemCertificateAndEs256FromAJwksFileAreVerifiedByTheirKeyIds() throws Exception {
        Path keystore = dir.resolve("signer.p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-keystore",
                        keystore.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        "changeit",
                        "-alias",
                        "signer",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-dname",
                        "CN=issuer.test",
                        "-validity",
                        "2")
                .redirectErrorStream(true)
                .start();
        assertTrue(
                keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0,
                new String(keytool.getInputStream().readAllBytes()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey rsaSigner = (PrivateKey) ks.getKey("signer", "changeit".toCharArray());
        Path certificate = AuthFixtures.write(
                dir.resolve("issuer.pem"),
                AuthFixtures.pem("CERTIFICATE", ks.getCertificate("signer").getEncoded()));

        KeyPair ec = AuthFixtures.ec("secp256r1");
        KeyPair otherRsa = AuthFixtures.rsa();
        JWKSet jwks = new JWKSet(List.of(
                new ECKey.Builder(Curve.P_256, (ECPublicKey) ec.getPublic())
                        .keyID("ec-1")
                        .keyUse(KeyUse.SIGNATURE)
                        .build(),
                new RSAKey.Builder((RSAPublicKey) otherRsa.getPublic())
                        .keyID("rsa-enc")
                        .keyUse(KeyUse.ENCRYPTION)
                        .build()));
        Path jwksFile = AuthFixtures.write(dir.resolve("jwks.json"), jwks.toString());

        try (RunningFunction f = RunningFunction.start(
                ECHO,
                t -> t.attribute(
                        "auth",
                        Map.of(
                                "kind",
                                "jwt",
                                "publicKeyFile",
                                certificate.toString(),
                                "jwksFile",
                                jwksFile.toString(),
                                "audience",
                                List.of("hello-api", "other"))))) {
            assertEquals(
                    "rosa",
                    fields(call(f, "/", AuthFixtures.rs256(rsaSigner, null, claims("rosa", c -> {}))))
                            .get("auth.subject")
                            .asText());
            assertEquals(
                    "eve",
                    fields(call(f, "/", AuthFixtures.es256(ec.getPrivate(), "ec-1", claims("eve", c -> {}))))
                            .get("auth.subject")
                            .asText());

            String unknownKid = AuthFixtures.es256(ec.getPrivate(), "ec-2", claims("eve", c -> {}));
            assertRefused(call(f, "/", unknownKid), "the token's key is not known", unknownKid);
            // the JWKS's key for encryption is left out: only the certificate's key (no kid) is tried
            String encryptionKeyOnly = AuthFixtures.rs256(otherRsa.getPrivate(), "rsa-enc", claims("eve", c -> {}));
            assertRefused(call(f, "/", encryptionKeyOnly), "the token's signature does not verify", encryptionKeyOnly);
            String wrongRsa = AuthFixtures.rs256(otherRsa.getPrivate(), null, claims("eve", c -> {}));
            assertRefused(call(f, "/", wrongRsa), "the token's signature does not verify", wrongRsa);
            String hs = hs256(secret, claims("eve", c -> {}));
            assertRefused(call(f, "/", hs), "the token's signature algorithm is not accepted", hs);
        }
    }

    @Test
    void algNoneAndAnHmacTokenKeyedWithThePublicKeyAreRefused() throws Exception {
        KeyPair rsa = AuthFixtures.rsa();
        String pem = AuthFixtures.publicPem(rsa.getPublic());
        Path keyFile = AuthFixtures.write(dir.resolve("public.pem"), pem);
        try (RunningFunction f = RunningFunction.start(
                ECHO,
                t -> t.attribute(
                        "auth", Map.of("kind", "jwt", "publicKeyFile", keyFile.toString(), "audience", "hello-api")))) {
            String none = AuthFixtures.unsigned(claims("mallory", c -> {}));
            assertEquals(401, call(f, "/", none).statusCode());
            // the classic confusion: HS256 keyed with the bytes of the public key everybody has
            for (byte[] key : List.of(
                    pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    rsa.getPublic().getEncoded())) {
                String confused = AuthFixtures.sign(
                        new MACSigner(key), new JWSHeader(JWSAlgorithm.HS256), claims("mallory", c -> {}));
                assertRefused(call(f, "/", confused), "the token's signature algorithm is not accepted", confused);
            }
            assertEquals(
                    200,
                    call(f, "/", AuthFixtures.rs256(rsa.getPrivate(), null, claims("rosa", c -> {})))
                            .statusCode());
        }
    }

    @Test
    void aRequiredClaimThatFailsGets403AndConfiguredClaimsReachTheHandler() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                ECHO,
                t -> t.attribute(
                        "auth",
                        unchecked(() -> hs256Auth(Map.of(
                                "requiredClaims", Map.of("scope", "greet", "tier", List.of("gold", "silver")),
                                "claims", List.of("email", "roles", "tier"))))))) {
            String good = hs256(
                    secret,
                    claims(
                            "ada",
                            c -> c.claim("scope", "read greet")
                                    .claim("tier", "gold")
                                    .claim("email", "ada@example.com")
                                    .claim("roles", List.of("admin", "ops"))));
            JsonNode fields = fields(call(f, "/", good));
            assertEquals("ada@example.com", fields.get("auth.claim.email").asText());
            assertEquals("admin", fields.get("auth.claim.roles").get(0).asText());
            assertEquals("ops", fields.get("auth.claim.roles").get(1).asText());
            assertEquals("gold", fields.get("auth.claim.tier").asText());

            String wrongScope = hs256(
                    secret, claims("ada", c -> c.claim("scope", "read greeting").claim("tier", "gold")));
            HttpResponse<String> r = call(f, "/", wrongScope);
            assertEquals(403, r.statusCode(), r.body());
            assertEquals(
                    "Bearer realm=\"test\", error=\"insufficient_scope\", error_description=\"the token's claim 'scope' "
                            + "does not have a required value\"",
                    r.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertTrue(r.body().contains("\"error\":\"forbidden\""), r.body());

            String noTier = hs256(secret, claims("ada", c -> c.claim("scope", "greet")));
            r = call(f, "/", noTier);
            assertEquals(403, r.statusCode());
            assertTrue(r.body().contains("'tier'"), r.body());
        }
    }

    @Test
    void failuresAreCountedInMetricsByReason() throws Exception {
        try (RunningFunction f =
                RunningFunction.start(ECHO, t -> t.attribute("auth", unchecked(() -> hs256Auth(Map.of()))))) {
            f.get("/");
            f.get("/");
            call(
                    f,
                    "/",
                    hs256(secret, claims("ada", c -> c.expirationTime(new Date(System.currentTimeMillis() - 60_000)))));
            call(f, "/", hs256(secret, claims("ada", c -> {})));
            String metrics = f.getControl("/metrics").body();
            String tags = "function=\"test\",kind=\"http\",reason=\"%s\",trigger=\"web\"";
            assertTrue(
                    metrics.contains("nucleon_http_auth_failures_total{" + tags.formatted("missing") + "} 2.0"),
                    metrics);
            assertTrue(
                    metrics.contains("nucleon_http_auth_failures_total{" + tags.formatted("expired") + "} 1.0"),
                    metrics);
            assertTrue(
                    metrics.contains("nucleon_http_auth_failures_total{" + tags.formatted("bad_signature") + "} 0.0"),
                    metrics);
            assertTrue(
                    metrics.contains(
                            "nucleon_events_total{function=\"test\",kind=\"http\",outcome=\"success\",trigger=\"web\"} 1.0"),
                    "only the good request reached a worker: " + metrics);
        }
    }

    @Test
    void aVerifiedTokenKeptInTheCacheStillExpiresOnTime() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                ECHO, t -> t.attribute("auth", unchecked(() -> hs256Auth(Map.of("clockSkew", "0s")))))) {
            long exp = (System.currentTimeMillis() / 1000 + 3) * 1000;
            String shortLived = hs256(secret, claims("ada", c -> c.expirationTime(new Date(exp))));
            assertEquals(200, call(f, "/", shortLived).statusCode());
            assertEquals(200, call(f, "/", shortLived).statusCode()); // now from the cache
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> call(f, "/", shortLived).statusCode() == 401);
            assertTrue(System.currentTimeMillis() >= exp, "refused only once expired");
            assertRefused(call(f, "/", shortLived), "the token has expired", shortLived);
        }
    }

    @Test
    void aChangedSecretFileIsReloadedAndTokensOfTheOldSecretStopWorkingEvenWhenCached() throws Exception {
        try (RunningFunction f = RunningFunction.start(
                ECHO, t -> t.attribute("auth", unchecked(() -> hs256Auth(Map.of("reloadInterval", "1s")))))) {
            String old = hs256(secret, claims("ada", c -> {}));
            assertEquals(200, call(f, "/", old).statusCode());
            String rotated = AuthFixtures.randomHex(32);
            AuthFixtures.write(dir.resolve("jwt-secret.new"), rotated);
            java.nio.file.Files.move(
                    dir.resolve("jwt-secret.new"),
                    dir.resolve("jwt-secret"),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            String fresh = hs256(rotated, claims("ada", c -> {}));
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> call(f, "/", fresh).statusCode() == 200);
            assertEquals(401, call(f, "/", old).statusCode());

            // a file that cannot be used keeps the keys in force, and says so
            AuthFixtures.write(dir.resolve("jwt-secret"), "short");
            await().atMost(Duration.ofSeconds(15))
                    .until(
                            () -> f.getControl("/metrics")
                                    .body()
                                    .contains(
                                            "nucleon_http_auth_reloads_total{function=\"test\",kind=\"http\",result=\"failed\",trigger=\"web\"} 1.0"));
            assertEquals(200, call(f, "/", fresh).statusCode());
            assertTrue(
                    f.getControl("/status").body().contains("lastReloadProblem"),
                    f.getControl("/status").body());
        }
    }

    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    static <T> T unchecked(ThrowingSupplier<T> s) {
        try {
            return s.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
