package io.nucleon.trigger.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * HTTPS on the http trigger, with real certificates (made by {@link TestPki}), real sockets and the
 * JDK's own TLS client; each behaviour with both providers where the provider matters.
 */
class HttpTlsTest {
    // Shared by the tests on purpose: made once (key generation is slow), immutable records that every
    // test only reads; what a test writes (PEM files, appenders, processors) is its own.
    private static TestPki.Ca ca;
    private static TestPki.Ca otherCa;
    private static TestPki.Issued server;

    @TempDir
    Path dir;

    private TestPki.Files2 serverFiles;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = TestPki.Ca.create("Nucleon Test CA");
        otherCa = TestPki.Ca.create("Some Other CA");
        server = ca.server(1);
    }

    @BeforeEach
    void setUp() throws Exception {
        serverFiles = server.write(dir, "server");
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void tearDown() {
        root.detachAppender(logged);
    }

    // ---- handshakes ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void servesHttpsToAClientThatTrustsItsCaAndFailsTheHandshakeOfOneThatDoesNot(String provider) throws Exception {
        try (RunningFunction f = start((ctx, e) -> "hello " + e.path(), tls(Map.of("provider", provider)))) {
            HttpResponse<String> r = https(f, TestPki.clientContext(ca.certificate(), null), "/there");
            assertEquals(200, r.statusCode());
            assertEquals("hello /there", r.body());
            assertEquals(provider, tlsStatus(f).get("provider"));

            assertThrows(IOException.class, () -> https(f, TestPki.clientContext(otherCa.certificate(), null), "/"));
            // a client that does not trust the certificate hangs up (or sends an alert): the server cannot tell which
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertEquals(
                            1L,
                            handshakeFailures(f).get("rejected")
                                    + handshakeFailures(f).get("closed"),
                            handshakeFailures(f).toString()));
            assertEquals(
                    200,
                    https(f, TestPki.clientContext(ca.certificate(), null), "/again")
                            .statusCode());
            String metrics = f.getControl("/metrics").body();
            for (String name : List.of(
                    "nucleon_http_tls_handshake_failures_total{",
                    "nucleon_http_tls_reloads_total{",
                    "nucleon_http_tls_certificate_not_after_seconds{")) {
                assertTrue(metrics.contains(name), name + " not in /metrics");
            }
        }
        assertEquals(List.of(), warningsAndErrors());
    }

    @Test
    void usesOpenSslWhereItLoadsUnlessToldOtherwise() throws Exception {
        try (RunningFunction f = start((ctx, e) -> "ok", tls(Map.of()))) {
            assertEquals(
                    "openssl", tlsStatus(f).get("provider")); // netty-tcnative-boringssl-static is on the class path
            assertEquals(
                    200,
                    https(f, TestPki.clientContext(ca.certificate(), null), "/").statusCode());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void offersTls13AndTls12AndOnlyWhatIsListed(String provider) throws Exception {
        try (RunningFunction f = start((ctx, e) -> "ok", tls(Map.of("provider", provider)))) {
            assertEquals("TLSv1.3", negotiated(f, "TLSv1.3"));
            assertEquals("TLSv1.2", negotiated(f, "TLSv1.2"));
        }
        try (RunningFunction f =
                start((ctx, e) -> "ok", tls(Map.of("provider", provider, "protocols", List.of("TLSv1.3"))))) {
            assertEquals("TLSv1.3", negotiated(f, "TLSv1.3"));
            assertThrows(IOException.class, () -> negotiated(f, "TLSv1.2"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void requiredClientCertificatesMustChainToTheClientCa(String provider) throws Exception {
        Path clientCa = ca.write(dir.resolve("client-ca.crt"));
        TestPki.Issued good = ca.client("good-client");
        TestPki.Issued stranger = otherCa.client("stranger");
        try (RunningFunction f = start(
                (ctx, e) -> "ok",
                tls(Map.of("provider", provider, "clientAuth", "require", "clientCaFile", clientCa.toString())))) {
            assertEquals(
                    200,
                    https(f, TestPki.clientContext(ca.certificate(), good), "/").statusCode());
            assertThrows(IOException.class, () -> https(f, TestPki.clientContext(ca.certificate(), null), "/"));
            assertThrows(IOException.class, () -> https(f, TestPki.clientContext(ca.certificate(), stranger), "/"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> handshakeFailures(f).get("rejected") >= 2L);
        }
        assertEquals(List.of(), warningsAndErrors());
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void optionalClientCertificatesAreVerifiedWhenGiven(String provider) throws Exception {
        Path clientCa = ca.write(dir.resolve("client-ca.crt"));
        TestPki.Issued good = ca.client("good-client");
        TestPki.Issued stranger = otherCa.client("stranger");
        try (RunningFunction f = start(
                (ctx, e) -> "ok",
                tls(Map.of("provider", provider, "clientAuth", "optional", "clientCaFile", clientCa.toString())))) {
            assertEquals(
                    200,
                    https(f, TestPki.clientContext(ca.certificate(), good), "/").statusCode());
            assertEquals(
                    200,
                    https(f, TestPki.clientContext(ca.certificate(), null), "/").statusCode());
            assertThrows(IOException.class, () -> https(f, TestPki.clientContext(ca.certificate(), stranger), "/"));
        }
    }

    @Test
    void withoutClientAuthAClientCertificateIsNeitherAskedForNorChecked() throws Exception {
        TestPki.Issued stranger = otherCa.client("stranger");
        try (RunningFunction f = start((ctx, e) -> "ok", tls(Map.of()))) {
            assertEquals(
                    200,
                    https(f, TestPki.clientContext(ca.certificate(), stranger), "/")
                            .statusCode());
        }
    }

    // ---- clients that get it wrong ------------------------------------------------------------------

    @Test
    void answersPlainHttpOnTheTlsPortWith400InPlainTextAndCloses() throws Exception {
        try (RunningFunction f = start((ctx, e) -> "ok", tls(Map.of()));
                RunningFunction.RawConnection c = f.raw()) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RunningFunction.RawResponse r = c.read();
            assertEquals(400, r.status());
            assertTrue(r.body().contains("this port speaks HTTPS"), r.body());
            assertEquals("close", r.headers().get("connection"));
            assertTrue(c.closedByServer());
            assertEquals(1L, handshakeFailures(f).get("not_tls"));
            assertEquals(0L, handshakeFailures(f).get("closed"));
        }
        assertEquals(List.of(), warningsAndErrors());
    }

    @Test
    void closesAConnectionThatNeverFinishesItsHandshakeAfterReadTimeout() throws Exception {
        try (RunningFunction f = start((ctx, e) -> "ok", tls(Map.of()), t -> t.attribute("readTimeout", "500ms"));
                RunningFunction.RawConnection silent = f.raw();
                RunningFunction.RawConnection partial = f.raw()) {
            partial.out.write(new byte[] {0x16, 0x03, 0x01}); // the start of a ClientHello, then nothing
            partial.out.flush();
            long start = System.nanoTime();
            assertTrue(silent.closedByServer());
            assertTrue(partial.closedByServer());
            long took = (System.nanoTime() - start) / 1_000_000;
            assertTrue(took < 5_000, "closed after " + took + " ms");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> handshakeFailures(f).get("timeout") == 2L);
        }
        assertEquals(List.of(), warningsAndErrors());
    }

    // ---- TLS and the rest of the pipeline -----------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void takesALargeBodyAndAnswersPipelinedRequestsInOrderWhileReadingIsPaused(String provider) throws Exception {
        Handler handler = (ctx, e) -> e.path() + " " + e.body().length;
        try (RunningFunction f = start(
                handler,
                tls(Map.of("provider", provider)),
                t -> t.numWorkers(4).attribute("maxPipelinedRequests", 2).attribute("maxRequestBodySize", "8MiB"))) {
            SSLContext client = TestPki.clientContext(ca.certificate(), null);
            byte[] big = new byte[5 << 20];
            HttpResponse<String> r = HttpClient.newBuilder()
                    .sslContext(client)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + f.port + "/big"))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(big))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals("/big " + big.length, r.body());

            // 200 requests in one write, 2 at most unanswered: the trigger pauses and resumes reading all along
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                requests.append(
                        i % 3 == 0
                                ? "POST /" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                                : "GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", f.port)) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                RunningFunction.RawConnection reader = new RunningFunction.RawConnection(s);
                for (int i = 0; i < 200; i++) {
                    assertEquals(
                            "/" + i + " " + (i % 3 == 0 ? 5 : 0), reader.read().body());
                }
            }
        }
        assertEquals(List.of(), warningsAndErrors());
    }

    // ---- reloading ----------------------------------------------------------------------------------

    @Test
    void reloadsTheCertificateWhenItsFilesChangeAndKeepsTheOldOneWhenTheNewFilesAreBroken() throws Exception {
        // the files are reached through a symbolic link to a directory swapped at once, as Kubernetes mounts secrets
        Path current = dir.resolve("current");
        Files.createSymbolicLink(current, version(server, "v1"));
        try (RunningFunction f = start(
                (ctx, e) -> "ok",
                tls(Map.of(
                        "certFile",
                        current.resolve("tls.crt").toString(),
                        "keyFile",
                        current.resolve("tls.key").toString(),
                        "reloadInterval",
                        "1s")))) {
            assertEquals(BigInteger.ONE, servedSerial(f));

            swap(current, version(ca.server(2), "v2"));
            await().atMost(Duration.ofSeconds(15)).until(() -> servedSerial(f).equals(BigInteger.TWO));
            assertTrue(((Number) tlsStatus(f).get("reloads")).longValue() >= 1);

            // a key that does not belong to the certificate: the old context stays, and one WARN says why
            TestPki.Issued mismatched = new TestPki.Issued(ca.server(3).certificate(), TestPki.ec(), ca);
            swap(current, version(mismatched, "v3"));
            long checks = ((Number) tlsStatus(f).get("fileChecks")).longValue();
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> ((Number) tlsStatus(f).get("fileChecks")).longValue() >= checks + 3);
            assertEquals(BigInteger.TWO, servedSerial(f));
            assertEquals(1L, ((Number) tlsStatus(f).get("reloadFailures")).longValue());
            List<String> warnings = warningsAndErrors();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(
                    warnings.get(0).contains("tls.keyFile") && warnings.get(0).contains("does not belong"),
                    warnings.get(0));

            swap(current, version(ca.server(4, TestPki.rsa()), "v4"));
            await().atMost(Duration.ofSeconds(15)).until(() -> servedSerial(f).equals(BigInteger.valueOf(4)));
        }
    }

    private Path version(TestPki.Issued issued, String name) throws IOException {
        Path d = Files.createDirectory(dir.resolve(name));
        TestPki.Files2 files = issued.write(d, "tls");
        assertEquals(d.resolve("tls.crt"), files.cert());
        return d;
    }

    private void swap(Path link, Path target) throws IOException {
        Path next = link.resolveSibling(link.getFileName() + ".next");
        Files.createSymbolicLink(next, target);
        Files.move(next, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private BigInteger servedSerial(RunningFunction f) throws Exception {
        SSLContext client = TestPki.clientContext(ca.certificate(), null);
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", f.port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    // ---- configuration ------------------------------------------------------------------------------

    @Test
    void anEncryptedKeyIsReadWithThePasswordFromItsFile() throws Exception {
        char[] password = "correct horse battery staple".toCharArray();
        Path key = server.writeEncryptedKey(dir.resolve("encrypted.key"), password);
        Path passwordFile = Files.writeString(dir.resolve("password"), new String(password) + "\n");
        try (RunningFunction f = start(
                (ctx, e) -> "ok", tls(Map.of("keyFile", key.toString(), "keyPasswordFile", passwordFile.toString())))) {
            assertEquals(
                    200,
                    https(f, TestPki.clientContext(ca.certificate(), null), "/").statusCode());
        }
    }

    @Test
    void badTlsSettingsStopTheStartAndNameTheAttribute() throws Exception {
        Path clientCa = ca.write(dir.resolve("client-ca.crt"));
        Path encrypted = server.writeEncryptedKey(dir.resolve("encrypted.key"), "secret".toCharArray());
        Path otherKey = new TestPki.Issued(server.certificate(), TestPki.ec(), ca)
                .write(Files.createDirectory(dir.resolve("o")), "x")
                .key();
        Path pkcs1 = Files.writeString(
                dir.resolve("rsa.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertRefused(Map.of("certFile", dir.resolve("missing.crt").toString()), "tls.certFile", "no such file");
        assertRefused(Map.of("certFile", serverFiles.key().toString()), "tls.certFile", "no PEM certificate");
        assertRefused(Map.of("keyFile", otherKey.toString()), "tls.keyFile", "does not belong");
        assertRefused(Map.of("keyFile", pkcs1.toString()), "tls.keyFile", "openssl pkcs8 -topk8");
        assertRefused(Map.of("keyFile", encrypted.toString()), "tls.keyFile", "encrypted key");
        assertRefused(
                Map.of("keyFile", encrypted.toString(), "keyPassword", "wrong"), "tls.keyFile", "cannot be decrypted");
        assertRefused(Map.of("protocols", List.of("TLSv1.3", "TLSv1.1")), "tls.protocols[1]", "TLSv1.3 or TLSv1.2");
        assertRefused(Map.of("protocols", List.of()), "tls.protocols", "at least one");
        assertRefused(Map.of("clientAuth", "require"), "tls.clientCaFile", "is required");
        assertRefused(Map.of("clientCaFile", clientCa.toString()), "tls.clientAuth", "clientCaFile is set");
        assertRefused(Map.of("clientAuth", "maybe"), "tls.clientAuth", "none, optional or require");
        assertRefused(
                Map.of("ciphers", List.of("TLS_AES_128_GCM_SHA256", "TLS_NO_SUCH_CIPHER")),
                "tls.ciphers[1]",
                "not a cipher suite");
        assertRefused(Map.of("provider", "bouncy"), "tls.provider", "auto, openssl or jdk");
        assertRefused(Map.of("reloadInterval", "10ms"), "tls.reloadInterval", "at least 1s");
        Map<String, Object> noCert = tls(Map.of());
        noCert.remove("certFile");
        assertRefusedWhole(noCert, "tls.certFile", "is required");
    }

    private void assertRefused(Map<String, Object> overrides, String attribute, String saying) {
        assertRefusedWhole(tls(overrides), attribute, saying);
    }

    private void assertRefusedWhole(Map<String, Object> tls, String attribute, String saying) {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> start((ctx, ev) -> "ok", tls).close());
        assertTrue(e.getMessage().contains("spec.triggers.web.attributes." + attribute + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(saying), e.getMessage());
        assertTrue(
                !e.getMessage().contains("secret") && !e.getMessage().contains("wrong"),
                "a password in: " + e.getMessage());
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private Map<String, Object> tls(Map<String, Object> overrides) {
        Map<String, Object> m = new HashMap<>();
        m.put("certFile", serverFiles.cert().toString());
        m.put("keyFile", serverFiles.key().toString());
        m.putAll(overrides);
        return m;
    }

    private static RunningFunction start(Handler handler, Map<String, Object> tls) throws Exception {
        return start(handler, tls, t -> {});
    }

    private static RunningFunction start(
            Handler handler, Map<String, Object> tls, Consumer<io.nucleon.api.Processor.TriggerBuilder> more)
            throws Exception {
        return RunningFunction.start(handler, t -> {
            t.attribute("tls", tls);
            more.accept(t);
        });
    }

    private static HttpResponse<String> https(RunningFunction f, SSLContext client, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .sslContext(client)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        return http.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + f.port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String negotiated(RunningFunction f, String protocol) throws Exception {
        SSLContext client = TestPki.clientContext(ca.certificate(), null);
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", f.port)) {
            s.setEnabledProtocols(new String[] {protocol});
            s.setSoTimeout(10_000);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals(200, new RunningFunction.RawConnection(s).read().status());
            return s.getSession().getProtocol();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tlsStatus(RunningFunction f) {
        Map<String, Object> trigger =
                ((List<Map<String, Object>>) f.processor.status().get("triggers")).get(0);
        return (Map<String, Object>) trigger.get("tls");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> handshakeFailures(RunningFunction f) {
        return (Map<String, Long>) tlsStatus(f).get("handshakeFailures");
    }

    private List<String> warningsAndErrors() {
        return logged.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage())
                .toList();
    }
}
