package io.nucleon.trigger.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where OpenSSL cannot be loaded (here: a process started with Netty's switch that refuses to load
 * netty-tcnative), {@code provider: auto} serves TLS with the JDK, and {@code provider: openssl}
 * refuses to start, naming the attribute.
 */
class HttpTlsFallbackTest {
    @TempDir
    Path dir;

    private Process child;

    @AfterEach
    void stopChild() throws Exception {
        if (child != null) {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void autoFallsBackToTheJdkWhereOpenSslDoesNotLoad() throws Exception {
        TestPki.Ca ca = TestPki.Ca.create("Fallback CA");
        TestPki.Files2 files = ca.server(1).write(dir, "server");
        Path portFile = dir.resolve("ports");
        Path log = dir.resolve("child.log");
        child = start(portFile, log, "tls.certFile=" + files.cert(), "tls.keyFile=" + files.key());
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !child.isAlive());
        assertTrue(child.isAlive(), () -> "the child exited: " + read(log));
        String[] ports = Files.readString(portFile).trim().split(" ");
        HttpClient https = HttpClient.newBuilder()
                .sslContext(TestPki.clientContext(ca.certificate(), null))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        HttpResponse<String> r = https.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + ports[0] + "/x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        String status = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[1] + "/status"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(status.replace(" ", "").contains("\"provider\":\"jdk\""), status);
    }

    @Test
    void providerOpensslRefusesToStartWhereOpenSslDoesNotLoad() throws Exception {
        TestPki.Ca ca = TestPki.Ca.create("Fallback CA");
        TestPki.Files2 files = ca.server(1).write(dir, "server");
        Path portFile = dir.resolve("ports");
        Path log = dir.resolve("child.log");
        child = start(
                portFile, log, "tls.certFile=" + files.cert(), "tls.keyFile=" + files.key(), "tls.provider=openssl");
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not exit");
        assertFalse(Files.exists(portFile));
        String out = read(log);
        assertTrue(
                out.contains(
                        "spec.triggers.web.attributes.tls.provider: is openssl, but OpenSSL (netty-tcnative) cannot be loaded"),
                out);
    }

    private static Process start(Path portFile, Path log, String... attributes) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dio.netty.handler.ssl.noOpenSsl=true",
                "-cp",
                System.getProperty("java.class.path"),
                HttpServerChild.class.getName(),
                portFile.toString()));
        cmd.addAll(List.of(attributes));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
