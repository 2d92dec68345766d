package io.nucleon.trigger.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keys JWTs are verified with, read from files only (nothing is fetched over the network): an
 * HS256 secret ({@code secretFile}), PEM public keys or certificates ({@code publicKeyFile}) and a
 * JWK set ({@code jwksFile}). Each key is bound to the one algorithm its type allows (an HMAC secret
 * to HS256, an RSA key to RS256, an EC P-256 key to ES256), so a token cannot choose how a key is
 * used: an RSA public key is never taken as an HMAC secret. Private keys are refused in PEM files
 * and only their public part is used from a JWK set.
 */
final class JwtKeys {
    /** Algorithms Nucleon verifies, by name. */
    static final List<JWSAlgorithm> SUPPORTED = List.of(JWSAlgorithm.HS256, JWSAlgorithm.RS256, JWSAlgorithm.ES256);
    /** RFC 7518 §3.2: an HS256 key at least as long as the hash. */
    static final int MIN_SECRET_BYTES = 32;
    /** RFC 7518 §3.3. */
    static final int MIN_RSA_BITS = 2048;

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

    /** A key, the algorithm it verifies, and its key id ({@code kid}, or null). */
    record JwtKey(String kid, JWSAlgorithm algorithm, JWSVerifier verifier, String source) {}

    private JwtKeys() {}

    static List<SecretFile> files(HttpAuthOptions o) {
        List<SecretFile> files = new ArrayList<>();
        if (o.secretFile != null) {
            files.add(new SecretFile("auth.secretFile", o.secretFile));
        }
        if (o.publicKeyFile != null) {
            files.add(new SecretFile("auth.publicKeyFile", o.publicKeyFile));
        }
        if (o.jwksFile != null) {
            files.add(new SecretFile("auth.jwksFile", o.jwksFile));
        }
        return files;
    }

    /** Every key of the configured files; {@code notes} gets a line for each key left out and why. */
    static List<JwtKey> load(HttpAuthOptions o, List<String> notes) throws AuthConfigException {
        List<JwtKey> keys = new ArrayList<>();
        for (SecretFile file : files(o)) {
            byte[] bytes = file.read();
            try {
                switch (file.attribute()) {
                    case "auth.secretFile" -> keys.add(secret(file, bytes));
                    case "auth.publicKeyFile" -> keys.addAll(pem(file, bytes));
                    default -> keys.addAll(jwks(file, bytes, notes));
                }
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }
        return keys;
    }

    private static JwtKey secret(SecretFile file, byte[] bytes) throws AuthConfigException {
        int n = SecretFile.lengthWithoutNewline(bytes);
        if (n < MIN_SECRET_BYTES) {
            throw file.problem("must hold at least " + MIN_SECRET_BYTES + " bytes (256 bits) for HS256, holds " + n
                    + " (e.g. openssl rand -base64 48 > secret)");
        }
        try {
            // the verifier holds this copy for as long as the key is in force
            return new JwtKey(null, JWSAlgorithm.HS256, new MACVerifier(Arrays.copyOf(bytes, n)), file.attribute());
        } catch (JOSEException e) {
            throw file.problem("cannot be used as an HS256 secret");
        }
    }

    private static List<JwtKey> pem(SecretFile file, byte[] bytes) throws AuthConfigException {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        Matcher m = PEM.matcher(text);
        List<JwtKey> keys = new ArrayList<>();
        int block = 0;
        while (m.find()) {
            block++;
            String type = m.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2).strip());
            } catch (IllegalArgumentException e) {
                throw file.problem("PEM block " + block + " (" + type + ") is not valid Base64");
            }
            PublicKey key = switch (type) {
                case "PUBLIC KEY" -> publicKey(file, block, der);
                case "CERTIFICATE" -> certificateKey(file, block, der);
                case "RSA PUBLIC KEY" ->
                    throw file.problem("PEM block " + block + " is a PKCS#1 RSA PUBLIC KEY; convert it to a "
                            + "PUBLIC KEY (openssl rsa -RSAPublicKey_in -in key.pem -pubout)");
                default ->
                    throw file.problem(
                            type.contains("PRIVATE")
                                    ? "PEM block " + block
                                            + " is a private key; give only the public key (openssl pkey -in key.pem -pubout)"
                                    : "PEM block " + block + " is a " + type + "; expected PUBLIC KEY or CERTIFICATE");
            };
            keys.add(asymmetric(file, key, null, "PEM block " + block));
        }
        if (keys.isEmpty()) {
            throw file.problem("holds no PEM block (-----BEGIN PUBLIC KEY----- or -----BEGIN CERTIFICATE-----)");
        }
        return keys;
    }

    private static PublicKey publicKey(SecretFile file, int block, byte[] der) throws AuthConfigException {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(spec);
            } catch (GeneralSecurityException e) {
                // not of this type: try the next
            }
        }
        throw file.problem("PEM block " + block + " is not an RSA or EC public key");
    }

    private static PublicKey certificateKey(SecretFile file, int block, byte[] der) throws AuthConfigException {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey();
        } catch (GeneralSecurityException e) {
            throw file.problem("PEM block " + block + " is not a valid X.509 certificate");
        }
    }

    /** An RSA (RS256) or EC P-256 (ES256) key; anything else is an error naming {@code where}. */
    private static JwtKey asymmetric(SecretFile file, PublicKey key, String kid, String where)
            throws AuthConfigException {
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
                throw file.problem(where + " is an RSA key of "
                        + rsa.getModulus().bitLength() + " bits; RS256 needs at least " + MIN_RSA_BITS);
            }
            return new JwtKey(kid, JWSAlgorithm.RS256, new RSASSAVerifier(rsa), file.attribute());
        }
        if (key instanceof ECPublicKey ec) {
            if (!Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
                throw file.problem(
                        where + " is an EC key on another curve than P-256; only ES256 (P-256) is supported");
            }
            try {
                return new JwtKey(kid, JWSAlgorithm.ES256, new ECDSAVerifier(ec), file.attribute());
            } catch (JOSEException e) {
                throw file.problem(where + " cannot be used for ES256");
            }
        }
        throw file.problem(
                where + " is a " + key.getAlgorithm() + " key; only RSA (RS256) and EC P-256 (ES256) are supported");
    }

    private static List<JwtKey> jwks(SecretFile file, byte[] bytes, List<String> notes) throws AuthConfigException {
        JWKSet set;
        try {
            set = JWKSet.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (java.text.ParseException e) {
            // nimbus's message may quote the file, which may hold secret keys: say only what is expected
            throw file.problem("is not a JWK set (a JSON object with a \"keys\" array of JWKs)");
        }
        List<JwtKey> keys = new ArrayList<>();
        int index = 0;
        boolean privateParts = false;
        for (JWK jwk : set.getKeys()) {
            String where = "key " + index++ + (jwk.getKeyID() != null ? " (kid " + jwk.getKeyID() + ")" : "");
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                notes.add(file.path() + ": " + where + " left out: its use is not sig");
                continue;
            }
            JWSAlgorithm wanted = jwk instanceof OctetSequenceKey
                    ? JWSAlgorithm.HS256
                    : jwk instanceof RSAKey
                            ? JWSAlgorithm.RS256
                            : jwk instanceof ECKey ec && Curve.P_256.equals(ec.getCurve()) ? JWSAlgorithm.ES256 : null;
            if (wanted == null) {
                notes.add(file.path() + ": " + where + " left out: only RSA, EC P-256 and oct keys are supported");
                continue;
            }
            if (jwk.getAlgorithm() != null
                    && !wanted.getName().equals(jwk.getAlgorithm().getName())) {
                notes.add(file.path() + ": " + where + " left out: its alg "
                        + jwk.getAlgorithm().getName() + " is not supported");
                continue;
            }
            privateParts |= jwk.isPrivate() && !(jwk instanceof OctetSequenceKey);
            try {
                if (jwk instanceof OctetSequenceKey oct) {
                    byte[] secret = oct.toByteArray(); // held by the verifier
                    if (secret.length < MIN_SECRET_BYTES) {
                        throw file.problem(where + " is an oct key of " + secret.length
                                + " bytes; HS256 needs at least " + MIN_SECRET_BYTES);
                    }
                    keys.add(new JwtKey(jwk.getKeyID(), JWSAlgorithm.HS256, new MACVerifier(secret), file.attribute()));
                } else if (jwk instanceof RSAKey rsa) {
                    keys.add(asymmetric(file, rsa.toRSAPublicKey(), jwk.getKeyID(), where));
                } else {
                    keys.add(asymmetric(file, ((ECKey) jwk).toECPublicKey(), jwk.getKeyID(), where));
                }
            } catch (JOSEException e) {
                throw file.problem(where + " cannot be read as a public key");
            }
        }
        if (privateParts) {
            notes.add(
                    file.path()
                            + " holds private keys; only their public parts are used (keep private keys away from the function)");
        }
        if (set.getKeys().isEmpty()) {
            throw file.problem("holds no key");
        }
        return keys;
    }
}
