package io.nucleon.trigger.http;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.SSLException;

/**
 * Reads the files of a {@code tls} block ({@link HttpTlsConfig}) and makes a Netty {@link SslContext}
 * of them: certificates and keys from PEM (PKCS#8 keys, encrypted ones with their password), checked
 * to fit together (the key must sign what the certificate's public key verifies), with the protocols,
 * ciphers and client authentication asked for. Every problem is a {@link Problem} naming the
 * attribute, so that it can be reported at start with the attribute's path, or at a reload in a WARN.
 * Stateless; any thread; blocks on file I/O (never called on an event loop).
 */
final class HttpTlsFiles {
    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");
    /** Key algorithms tried, in order, on a PKCS#8 key. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "XDH", "DSA");

    /** What one load of the files made. */
    record Loaded(SslContext context, X509Certificate certificate, List<Object> stamps) {}

    /** A file or value that cannot be used: the attribute (under {@code tls.}) and what is wrong. */
    static final class Problem extends Exception {
        final String attribute;

        Problem(String attribute, String message) {
            super(message, null, false, false);
            this.attribute = attribute;
        }
    }

    /** Reads every file, checks that they fit together, and builds the context. Any thread; blocks on file I/O. */
    static Loaded load(HttpTlsConfig c, SslProvider provider) throws Problem {
        List<Object> stamps = stamps(c);
        List<X509Certificate> chain = certificates("certFile", c.certFile);
        char[] password = password(c);
        PrivateKey key;
        try {
            key = privateKey(c.keyFile, password);
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
        X509Certificate leaf = chain.get(0);
        if (!belongTogether(key, leaf.getPublicKey())) {
            throw new Problem(
                    "keyFile",
                    "the key in " + c.keyFile + " does not belong to the first certificate in " + c.certFile + " ("
                            + leaf.getSubjectX500Principal().getName()
                            + "): its public key does not verify what the key signs");
        }
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                // reference-counted: native memory is freed when the last engine and this class let go, not by
                // finalizers (deprecated for removal, and off under --finalization=disabled)
                .sslProvider(provider == SslProvider.OPENSSL ? SslProvider.OPENSSL_REFCNT : provider)
                .protocols(c.protocols)
                .ciphers(c.ciphers);
        if (!c.clientAuth.equals("none")) {
            List<X509Certificate> cas = certificates("clientCaFile", c.clientCaFile);
            b.trustManager(cas.toArray(X509Certificate[]::new))
                    .clientAuth(c.clientAuth.equals("require") ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        try {
            return new Loaded(b.build(), leaf, stamps);
        } catch (SSLException | RuntimeException e) {
            throw new Problem("certFile", "the certificate and key cannot be used for TLS: " + e.getMessage());
        }
    }

    private static char[] password(HttpTlsConfig c) throws Problem {
        if (c.keyPassword != null) {
            return c.keyPassword.toCharArray();
        }
        if (c.keyPasswordFile == null) {
            return null;
        }
        String text = new String(read("keyPasswordFile", c.keyPasswordFile), StandardCharsets.UTF_8);
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        return text.substring(0, end).toCharArray();
    }

    private static byte[] read(String attribute, String file) throws Problem {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new Problem(attribute, "no such file: " + file);
        } catch (IOException | SecurityException e) {
            throw new Problem(attribute, "cannot read " + file + ": " + e);
        }
    }

    /** The PEM blocks of {@code text}, as (label, DER bytes). */
    private static List<Map.Entry<String, byte[]>> pemBlocks(String attribute, String file, byte[] content)
            throws Problem {
        List<Map.Entry<String, byte[]>> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(new String(content, StandardCharsets.US_ASCII));
        while (m.find()) {
            try {
                blocks.add(Map.entry(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new Problem(attribute, file + " has a PEM block (" + m.group(1) + ") that is not valid base64");
            }
        }
        return blocks;
    }

    private static List<X509Certificate> certificates(String attribute, String file) throws Problem {
        List<X509Certificate> certs = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Map.Entry<String, byte[]> block : pemBlocks(attribute, file, read(attribute, file))) {
            if (!block.getKey().equals("CERTIFICATE")) {
                continue;
            }
            try {
                certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.getValue())));
            } catch (CertificateException e) {
                throw new Problem(attribute, file + " has a certificate that cannot be read: " + e.getMessage());
            }
        }
        if (certs.isEmpty()) {
            throw new Problem(attribute, file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certs;
    }

    private static PrivateKey privateKey(String file, char[] password) throws Problem {
        for (Map.Entry<String, byte[]> block : pemBlocks("keyFile", file, read("keyFile", file))) {
            switch (block.getKey()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, new PKCS8EncodedKeySpec(block.getValue()));
                }
                case "ENCRYPTED PRIVATE KEY" -> {
                    if (password == null) {
                        throw new Problem(
                                "keyFile",
                                file + " holds an encrypted key: give its password in tls.keyPasswordFile "
                                        + "(or tls.keyPassword)");
                    }
                    return pkcs8(file, decrypt(file, block.getValue(), password));
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY" ->
                    throw new Problem(
                            "keyFile",
                            file + " holds a "
                                    + block.getKey() + " (PKCS#1/SEC1 form); convert it to PKCS#8 with "
                                    + "'openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem'");
                default -> {
                    // certificates or parameters next to the key: skip them
                }
            }
        }
        throw new Problem(
                "keyFile",
                file
                        + " holds no PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)");
    }

    private static PKCS8EncodedKeySpec decrypt(String file, byte[] der, char[] password) throws Problem {
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            String algorithm = info.getAlgName();
            if (algorithm.equals("PBES2") || algorithm.equals("1.2.840.113549.1.5.13")) {
                // PBES2 names its real scheme (e.g. PBEWithHmacSHA256AndAES_256) in its parameters
                algorithm = info.getAlgParameters().toString();
            }
            SecretKeyFactory factory = SecretKeyFactory.getInstance(algorithm);
            PBEKeySpec spec = new PBEKeySpec(password);
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, factory.generateSecret(spec), info.getAlgParameters());
            spec.clearPassword();
            return info.getKeySpec(cipher);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new Problem(
                    "keyFile",
                    file + " holds an encrypted key that cannot be decrypted with the password given ("
                            + e.getClass().getSimpleName() + ")");
        }
    }

    private static PrivateKey pkcs8(String file, PKCS8EncodedKeySpec spec) throws Problem {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException ignored) {
                // not this algorithm: try the next
            }
        }
        throw new Problem(
                "keyFile", file + " holds a PKCS#8 key of an algorithm not supported here (supported: RSA, EC, EdDSA)");
    }

    /** Whether {@code key} is the private half of {@code publicKey}: it signs, the public key verifies. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return key.getAlgorithm().equals(publicKey.getAlgorithm()); // no signature to try; the handshake will tell
        }
        byte[] probe = "nucleon: does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signature = s.sign();
            s.initVerify(publicKey);
            s.update(probe);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** What identifies the files' current versions: modification time, size and file identity of each. */
    static List<Object> stamps(HttpTlsConfig c) {
        List<Object> stamps = new ArrayList<>();
        for (String file : new String[] {c.certFile, c.keyFile, c.clientCaFile, c.keyPasswordFile}) {
            if (file == null) {
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(Path.of(file), BasicFileAttributes.class);
                stamps.add(List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey())));
            } catch (IOException | SecurityException e) {
                stamps.add("unreadable: " + e.getClass().getSimpleName());
            }
        }
        return stamps;
    }

    private HttpTlsFiles() {}
}
