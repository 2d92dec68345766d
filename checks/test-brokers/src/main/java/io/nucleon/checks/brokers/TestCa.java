package io.nucleon.checks.brokers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate authority for tests, made with {@code /usr/bin/openssl} run as a child
 * process: an EC P-256 key and a self-signed CA certificate valid for two days, and server
 * certificates it signs. Everything is written into a directory the caller owns (made 0700 here);
 * the private keys are 0600. Nothing of it is trusted anywhere but where a test passes
 * {@link #certificate()}.
 */
public final class TestCa implements AutoCloseable {
    /** The openssl binary (Debian's {@code openssl} package). */
    public static final String OPENSSL = "/usr/bin/openssl";

    private final Path dir;
    private final String name;
    private final Path certificate;
    private final Path key;

    /** A server certificate and its private key, both PEM. */
    public record ServerCertificate(Path certificate, Path key) {}

    /** Whether {@link #close} deletes {@link #dir}: made by {@link #temporary}. */
    private boolean ownsDirectory;

    private TestCa(Path dir, String name, Path certificate, Path key) {
        this.dir = dir;
        this.name = name;
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Makes a new CA in a temporary directory of its own, which {@link #close} deletes.
     *
     * @param name letters, digits and {@code -} only; also the certificate's common name
     */
    public static TestCa temporary(String name) throws IOException {
        TestCa ca = create(Files.createTempDirectory("nucleon-ca-" + name + "-"), name);
        ca.ownsDirectory = true;
        return ca;
    }

    /** The directory the CA's files are in. */
    public Path directory() {
        return dir;
    }

    /** Deletes the CA's directory when {@link #temporary} made it; nothing otherwise. */
    @Override
    public void close() throws IOException {
        if (!ownsDirectory) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        }
    }

    /**
     * Makes a new CA in {@code dir} (created when missing, and made 0700): {@code <name>-ca.pem} and
     * {@code <name>-ca.key}.
     *
     * @param name letters, digits and {@code -} only; also the certificate's common name
     */
    public static TestCa create(Path dir, String name) throws IOException {
        if (!name.matches("[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("name must be letters, digits and '-': " + name);
        }
        privateDirectory(dir);
        Path cert = dir.resolve(name + "-ca.pem");
        Path key = dir.resolve(name + "-ca.key");
        openssl(
                dir,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=Nucleon test CA " + name,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign");
        ownerOnly(key);
        return new TestCa(dir, name, cert, key);
    }

    /** The CA's certificate (PEM): what a client given it as {@code caFile} trusts. */
    public Path certificate() {
        return certificate;
    }

    /**
     * Issues a server certificate signed by this CA, valid for two days, with {@code dnsNames} and
     * {@code ipAddresses} as its subject alternative names (what TLS clients check the host
     * against; the common name is not looked at). Written as {@code <server>.pem} and
     * {@code <server>.key} (0600) next to the CA.
     */
    public ServerCertificate issueServer(String server, List<String> dnsNames, List<String> ipAddresses)
            throws IOException {
        if (!server.matches("[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("server must be letters, digits and '-': " + server);
        }
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one name or address");
        }
        Path cert = dir.resolve(server + ".pem");
        Path key = dir.resolve(server + ".key");
        Path csr = dir.resolve(server + ".csr");
        Path extensions = dir.resolve(server + ".ext");
        List<String> san = new ArrayList<>();
        dnsNames.forEach(n -> san.add("DNS:" + n));
        ipAddresses.forEach(a -> san.add("IP:" + a));
        Files.writeString(
                extensions,
                "subjectAltName=" + String.join(",", san) + "\n"
                        + "basicConstraints=critical,CA:FALSE\n"
                        + "keyUsage=critical,digitalSignature,keyEncipherment\n"
                        + "extendedKeyUsage=serverAuth\n",
                StandardCharsets.US_ASCII);
        openssl(
                dir,
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                csr.toString(),
                "-subj",
                "/CN=" + (dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0)));
        ownerOnly(key);
        openssl(
                dir,
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                certificate.toString(),
                "-CAkey",
                this.key.toString(),
                "-set_serial",
                Long.toString(System.nanoTime() & Long.MAX_VALUE),
                "-days",
                "2",
                "-sha256",
                "-extfile",
                extensions.toString(),
                "-out",
                cert.toString());
        Files.delete(csr);
        Files.delete(extensions);
        return new ServerCertificate(cert, key);
    }

    /** A trust manager factory that trusts exactly the PEM certificates in {@code pem} (JDK only). */
    public static TrustManagerFactory trust(Path pem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }

    @Override
    public String toString() {
        return "test CA '" + name + "' (" + certificate + ")";
    }

    static void privateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    static void ownerOnly(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** Runs openssl in {@code dir}; fails with its output when it exits with an error. */
    static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(OPENSSL);
        command.addAll(List.of(args));
        run(dir, command);
    }

    /** Runs a child process in {@code dir}, its output kept for the error; no secret belongs in its arguments. */
    static void run(Path dir, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(command.get(0) + " " + command.get(1) + " exited with " + p.exitValue() + ": "
                    + new String(out, StandardCharsets.UTF_8).strip());
        }
    }
}
