package io.nucleon.trigger.http;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Certificates made for the TLS tests, with BouncyCastle: a CA, server certificates for
 * {@code localhost} and {@code 127.0.0.1}, client certificates, PEM files, and client SSLContexts.
 * Keys are EC P-256 (fast to make) unless RSA is asked for.
 */
final class TestPki {
    private TestPki() {}

    /** A certificate with its key pair. */
    record Issued(X509Certificate certificate, KeyPair keys, Ca issuer) {
        BigInteger serial() {
            return certificate.getSerialNumber();
        }

        /** Writes {@code name}.crt (the certificate, then its CA's) and {@code name}.key (PKCS#8) into {@code dir}. */
        Files2 write(Path dir, String name) throws IOException {
            Path cert = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            Files.writeString(cert, pem("CERTIFICATE", certificate) + pem("CERTIFICATE", issuer.certificate()));
            Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
            return new Files2(cert, key);
        }

        /** Writes the key encrypted with {@code password} (PKCS#8, PBES2 with AES-256-CBC). */
        Path writeEncryptedKey(Path file, char[] password) throws Exception {
            JcaPKCS8Generator g = new JcaPKCS8Generator(
                    keys.getPrivate(),
                    new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                            .setPassword(password)
                            .build());
            StringWriter out = new StringWriter();
            try (PemWriter w = new PemWriter(out)) {
                w.writeObject(g.generate());
            }
            Files.writeString(file, out.toString());
            return file;
        }
    }

    record Files2(Path cert, Path key) {}

    /** A certificate authority. */
    record Ca(X509Certificate certificate, KeyPair keys) {
        static Ca create(String name) throws Exception {
            KeyPair keys = ec();
            X509v3CertificateBuilder b =
                    builder(new X500Name("CN=" + name), new X500Name("CN=" + name), keys, BigInteger.ONE);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Ca(sign(b, keys.getPrivate()), keys);
        }

        Issued server(long serial) throws Exception {
            return server(serial, ec());
        }

        Issued server(long serial, KeyPair keys) throws Exception {
            X509v3CertificateBuilder b = builder(
                    new X500Name(certificate.getSubjectX500Principal().getName()),
                    new X500Name("CN=localhost"),
                    keys,
                    BigInteger.valueOf(serial));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")
            }));
            return new Issued(sign(b, this.keys.getPrivate()), keys, this);
        }

        Issued client(String name) throws Exception {
            KeyPair keys = ec();
            X509v3CertificateBuilder b = builder(
                    new X500Name(certificate.getSubjectX500Principal().getName()),
                    new X500Name("CN=" + name),
                    keys,
                    BigInteger.valueOf(System.nanoTime() & Long.MAX_VALUE));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return new Issued(sign(b, this.keys.getPrivate()), keys, this);
        }

        Path write(Path file) throws IOException {
            Files.writeString(file, pem("CERTIFICATE", certificate));
            return file;
        }
    }

    static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(
            X500Name issuer, X500Name subject, KeyPair keys, BigInteger serial) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                serial,
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey) throws Exception {
        String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
    }

    static String pem(String label, X509Certificate cert) {
        try {
            return pem(label, cert.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /**
     * A client SSLContext that trusts {@code trusted} and, if {@code client} is given, presents that
     * certificate whatever the server asks for (so a certificate from the wrong CA is really sent).
     */
    static SSLContext clientContext(X509Certificate trusted, Issued client, String... protocols) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance(protocols.length == 1 ? protocols[0] : "TLS");
        ctx.init(
                client == null ? null : new javax.net.ssl.KeyManager[] {new FixedKey(client)},
                tmf.getTrustManagers(),
                null);
        return ctx;
    }

    /** Presents one certificate to any server that asks. */
    private static final class FixedKey extends X509ExtendedKeyManager {
        private final Issued issued;

        FixedKey(Issued issued) {
            this.issued = issued;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"client"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return new X509Certificate[] {issued.certificate(), issued.issuer().certificate()};
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return issued.keys().getPrivate();
        }
    }
}
