package io.nucleon.checks.brokers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A Mosquitto broker of a test's own ({@code /usr/sbin/mosquitto}), on a free port of 127.0.0.1 with
 * its own configuration and persistence directory, so that a test may stop, kill and restart it
 * without disturbing the machine's broker. Persistence is on: a broker stopped with SIGTERM writes
 * its sessions and queued messages and finds them again on restart; one killed with SIGKILL keeps
 * only what it saved last ({@code autosave_interval}, 1 s here).
 */
public final class Mosquitto implements AutoCloseable {
    static final String BINARY = "/usr/sbin/mosquitto";

    private final Path dir;
    private final int port;
    private final int webSocketPort;
    private Process process;

    private Mosquitto(Path dir, int port, int webSocketPort) {
        this.dir = dir;
        this.port = port;
        this.webSocketPort = webSocketPort;
    }

    /** Starts a broker on a free port. */
    public static Mosquitto start() throws IOException {
        Path dir = Files.createTempDirectory("nucleon-mosquitto-");
        int port;
        int webSocketPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                ServerSocket w = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
            webSocketPort = w.getLocalPort();
        }
        String conf = "listener " + port + " 127.0.0.1\n"
                + "listener " + webSocketPort + " 127.0.0.1\n"
                + "protocol websockets\n"
                + "allow_anonymous true\n"
                + "persistence true\n"
                + "persistence_location " + dir + "/\n"
                + "autosave_interval 1\n"
                // the default keeps 1000 messages per offline or busy client and drops the rest
                + "max_queued_messages 0\n"
                + "log_dest file " + dir + "/mosquitto.log\n"
                + ("root".equals(System.getProperty("user.name")) ? "user root\n" : "");
        Files.writeString(dir.resolve("mosquitto.conf"), conf);
        Mosquitto m = new Mosquitto(dir, port, webSocketPort);
        m.launch();
        return m;
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(BINARY, "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .start();
        Awaitility.await("mosquitto listening on " + port)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("mosquitto exited with " + process.exitValue() + ": "
                                + Files.readString(dir.resolve("stdout.log")));
                    }
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    public int port() {
        return port;
    }

    /** The WebSocket listener's url. */
    public String webSocketUrl() {
        return "ws://127.0.0.1:" + webSocketPort + "/mqtt";
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Stops it with SIGTERM (it saves its persistence file) and waits. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Starts it again on the same port, with the same persistence. */
    public void restart() throws IOException {
        launch();
    }

    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
