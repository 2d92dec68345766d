package io.nucleon.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FunctionJar against a real jar run with {@code java -jar}: a thin one, made here, whose manifest
 * names the engine's Main and whose class path is this test's, with a function.yaml packed in.
 */
class FunctionJarTest {
    @TempDir
    static Path jars;

    static Path jar;

    @TempDir
    Path work;

    @BeforeAll
    static void packageAJar() throws IOException {
        Manifest manifest = new Manifest();
        Attributes a = manifest.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.put(Attributes.Name.MAIN_CLASS, "io.nucleon.core.Main");
        a.put(
                Attributes.Name.CLASS_PATH,
                Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                        .map(p -> Path.of(p).toUri().toString())
                        .collect(Collectors.joining(" ")));
        jar = jars.resolve("orders.jar");
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.putNextEntry(new JarEntry("function.yaml"));
            j.write(Files.readAllBytes(Path.of("src/test/resources/orders/packaged.yaml")));
            j.closeEntry();
        }
    }

    @Test
    void runsThePackagedFunctionWithAValueChangedUntilSigterm() throws Exception {
        int port = FunctionJar.freePort();
        try (FunctionProcess fn = FunctionJar.at(jar)
                .workDirectory(work)
                .override("spec.triggers.web.attributes.port", port)
                .override("spec.triggers.web.attributes.host", "127.0.0.1")
                .start()) {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"o-1\",\"amount\":1}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(1.0, fn.metric("nucleon_events_total", Map.of("trigger", "web", "outcome", "success")));
            assertEquals(0.0, fn.metric("nucleon_events_total", Map.of("outcome", "error")));
            assertEquals("orders-jar", fn.status().path("function").asText());
            assertTrue(fn.output().contains("function 'orders-jar' is ready"), fn.output());
            assertEquals(0, fn.stop(), fn.output());
        }
        assertTrue(Files.readString(work.resolve("process-0/function.yaml")).contains("port: " + port));
    }

    @Test
    void aFunctionThatExitsBeforeItIsReadyFailsTheTestWithItsOutput() throws Exception {
        Path yaml = Files.writeString(
                work.resolve("broken.yaml"),
                Files.readString(Path.of("src/test/resources/orders/packaged.yaml"))
                        .replace("numWorkers: 2", "numWorkers: lots"));
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> FunctionJar.at(jar).functionYaml(yaml).start());
        assertTrue(e.getMessage().contains("orders.jar exited with code 2 while waiting for GET"), e.getMessage());
        assertTrue(e.getMessage().contains("spec.triggers.web.numWorkers: must be an integer"), e.getMessage());
    }

    @Test
    void aFunctionThatIsNeverReadyFailsTheTestAfterTheTimeoutWithItsOutput() {
        int nobody = FunctionJar.freePort();
        try (FunctionProcess fn = FunctionJar.at(jar)
                .override("spec.triggers.web.kind", "rabbitmq")
                .override(
                        "spec.triggers.web.attributes",
                        Map.of("url", "amqp://guest:guest@127.0.0.1:" + nobody + "/%2f"))
                .launch()) {
            fn.await(
                    "a failed connection attempt in the output",
                    Duration.ofSeconds(60),
                    () -> fn.output().contains("127.0.0.1:" + nobody));
            AssertionError e = assertThrows(AssertionError.class, () -> fn.awaitReady(Duration.ofSeconds(1)));
            assertTrue(
                    e.getMessage().contains("timed out after 1000 ms waiting for GET http://127.0.0.1:"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("/ready to answer 200; its output:"), e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + nobody), "the output says why: " + e.getMessage());
        }
    }

    @Test
    void aProcessThatDiesEndsAWaitAtOnce() {
        try (FunctionProcess fn = FunctionJar.at(jar)
                .override("spec.triggers.web.attributes.port", FunctionJar.freePort())
                .start()) {
            assertEquals(137, fn.kill(), "SIGKILL");
            long t0 = System.nanoTime();
            AssertionError e = assertThrows(
                    AssertionError.class,
                    () -> fn.await("something that never happens", Duration.ofSeconds(30), () -> false));
            assertTrue(
                    e.getMessage().contains("exited with code 137 while waiting for something that never happens"),
                    e.getMessage());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "not after the 30 s");
        }
    }

    @Test
    void thePackagedJarIsNamedByTheBuild() {
        IllegalStateException e = assertThrows(IllegalStateException.class, FunctionJar::packaged);
        assertTrue(e.getMessage().contains("nucleon.jar is not set"), e.getMessage());
        assertTrue(FunctionJar.at(jar).packagedFunctionYaml().contains("name: orders-jar"));
    }
}
