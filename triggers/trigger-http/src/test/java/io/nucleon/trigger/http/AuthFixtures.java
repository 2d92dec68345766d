package io.nucleon.trigger.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.function.Consumer;

/** Secrets, keys and signed tokens for the auth tests, made fresh by each test. */
final class AuthFixtures {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AuthFixtures() {}

    /** A random secret of {@code bytes} bytes, as hex text (twice as many characters). */
    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    /** {@code key} as a PEM block of {@code type} ("PUBLIC KEY", "PRIVATE KEY", "CERTIFICATE"). */
    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    static String publicPem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    /** Claims valid for ten minutes from now for {@code subject}, changed by {@code more}. */
    static JWTClaimsSet claims(String subject, Consumer<JWTClaimsSet.Builder> more) {
        long now = System.currentTimeMillis();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .subject(subject)
                .issuer("https://issuer.test")
                .audience("hello-api")
                .issueTime(new Date(now))
                .expirationTime(new Date(now + 600_000));
        more.accept(b);
        return b.build();
    }

    static String hs256(String secret, JWTClaimsSet claims) throws JOSEException {
        return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), new JWSHeader(JWSAlgorithm.HS256), claims);
    }

    static String rs256(PrivateKey key, String kid, JWTClaimsSet claims) throws JOSEException {
        return sign(
                new RSASSASigner(key),
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(),
                claims);
    }

    static String es256(PrivateKey key, String kid, JWTClaimsSet claims) throws JOSEException {
        return sign(
                new ECDSASigner((ECPrivateKey) key),
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(),
                claims);
    }

    static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** An unsigned token ({@code alg: none}) with a third, empty part, as an attacker would send it. */
    static String unsigned(JWTClaimsSet claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8)) + ".";
    }

    /** The value of a Basic Authorization header. */
    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
