package io.nucleon.checks.brokers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A nats-server of the test's own ({@code /usr/sbin/nats-server}), with JetStream and file storage
 * in a temporary directory, on a free port; it can be killed and started again on the same port
 * and directory (what was stored survives).
 */
public final class NatsServer {
    static final String BINARY = "/usr/sbin/nats-server";

    private final int port;
    private final Path dir;
    private Process process;

    public NatsServer() throws IOException {
        this.port = freePort();
        this.dir = Files.createTempDirectory("nucleon-nats-test");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public NatsServer start() throws IOException {
        process = new ProcessBuilder(
                        BINARY, "-a", "127.0.0.1", "-p", Integer.toString(port), "-js", "-sd", dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile())
                .start();
        Awaitility.await("nats-server listening on " + port)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(
                                "nats-server exited: " + Files.readString(dir.resolve("server.log")));
                    }
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
        return this;
    }

    /** Kills the server at once (SIGKILL); what it stored stays in its directory. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
            process = null;
        }
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Kills the server and deletes its directory. */
    public void close() throws Exception {
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
