package io.nucleon.checks.brokers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS and password options of {@link Mosquitto}, checked with the JDK's own TLS client: the
 * certificate is one a client checking host names accepts for 127.0.0.1 and localhost, the files are
 * private, the password is stored hashed.
 */
class MosquittoTlsTest {
    private static final String PASSWORD = "fixture-secret-71";
    private static Mosquitto broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = Mosquitto.start(Mosquitto.options().tls().user("alice", PASSWORD));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    /** Handshakes with the broker's TLS port as {@code host}, checking the host name as HTTPS does. */
    private static void handshake(Path trusted, String host, int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, TestCa.trust(trusted).getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            s.startHandshake();
        }
    }

    @Test
    void theServerCertificateIsAcceptedFor127001AndLocalhostOnBothTlsListeners() throws Exception {
        int wssPort = Integer.parseInt(broker.wssUrl().replaceAll(".*:(\\d+)/mqtt$", "$1"));
        for (int port : new int[] {broker.tlsPort(), wssPort}) {
            handshake(broker.caFile(), "127.0.0.1", port);
            handshake(broker.caFile(), "localhost", port);
        }
        assertTrue(broker.tlsUrl().startsWith("ssl://127.0.0.1:"), broker.tlsUrl());
        assertTrue(broker.wssUrl().startsWith("wss://127.0.0.1:"), broker.wssUrl());
    }

    @Test
    void theCertificateNamesItsHostsAsSubjectAlternativeNames() throws Exception {
        X509Certificate server;
        try (InputStream in = Files.newInputStream(broker.directory().resolve("tls/server.pem"))) {
            server = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        Set<String> names = new HashSet<>();
        for (List<?> san : server.getSubjectAlternativeNames()) {
            names.add(san.get(1).toString());
        }
        assertTrue(names.containsAll(Set.of("localhost", "127.0.0.1")), names.toString());
        assertEquals(-1, server.getBasicConstraints(), "not a CA");
    }

    @Test
    void aClientTrustingAnotherCaFailsTheHandshake() throws Exception {
        Path other = Files.createTempDirectory("nucleon-other-ca-");
        try {
            TestCa ca = TestCa.create(other, "other");
            assertThrows(SSLHandshakeException.class, () -> handshake(ca.certificate(), "127.0.0.1", broker.tlsPort()));
        } finally {
            deleteTree(other);
        }
    }

    @Test
    void theDirectoryKeysAndPasswordFileArePrivateAndThePasswordIsHashed() throws Exception {
        Path dir = broker.directory();
        assertEquals("rwx------", permissions(dir));
        assertEquals("rwx------", permissions(dir.resolve("tls")));
        assertEquals("rw-------", permissions(dir.resolve("tls/server.key")));
        assertEquals("rw-------", permissions(dir.resolve("tls/mosquitto-ca.key")));
        assertEquals("rw-------", permissions(dir.resolve("passwords")));
        String passwords = Files.readString(dir.resolve("passwords"));
        assertTrue(passwords.startsWith("alice:$"), "hashed by mosquitto_passwd -U");
        assertFalse(passwords.contains(PASSWORD));
        String conf = Files.readString(dir.resolve("mosquitto.conf"));
        assertTrue(conf.contains("allow_anonymous false"), conf);
        assertFalse(conf.contains(PASSWORD));
    }

    @Test
    void thePlainBrokerHasNoTlsListener() throws Exception {
        try (Mosquitto plain = Mosquitto.start()) {
            assertThrows(IllegalStateException.class, plain::tlsUrl);
            assertThrows(IllegalStateException.class, plain::caFile);
            assertTrue(Files.readString(plain.directory().resolve("mosquitto.conf"))
                    .contains("allow_anonymous true"));
        }
    }

    private static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            Collection<Path> all =
                    files.sorted(java.util.Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }
}
