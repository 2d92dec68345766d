package io.nucleon.checks.brokers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A Mosquitto broker of a test's own ({@code /usr/sbin/mosquitto}), on a free port of 127.0.0.1 with
 * its own configuration and persistence directory, so that a test may stop, kill and restart it
 * without disturbing the machine's broker. Persistence is on: a broker stopped with SIGTERM writes
 * its sessions and queued messages and finds them again on restart; one killed with SIGKILL keeps
 * only what it saved last ({@code autosave_interval}, 1 s here).
 *
 * <p>{@link #start(Options)} adds, on request, TLS listeners (plain MQTT and WebSocket) with a
 * certificate from a CA made at start with {@code /usr/bin/openssl}, and password authentication
 * with a {@code password_file} hashed by {@code /usr/bin/mosquitto_passwd}. The directory is 0700,
 * private keys and the password file 0600.
 */
public final class Mosquitto implements AutoCloseable {
    static final String BINARY = "/usr/sbin/mosquitto";
    /**
     * The QoS 1 and 2 messages the broker sends a client without having its acknowledgement
     * ({@code max_inflight_messages}, Mosquitto's default written out): the in-flight window of a
     * client that announces no lower receive maximum.
     */
    public static final int MAX_INFLIGHT_MESSAGES = 20;
    /** Hashes the password file ({@code mosquitto} package, like the broker). */
    static final String PASSWD_BINARY = "/usr/bin/mosquitto_passwd";

    private final Path dir;
    private final int port;
    private final int webSocketPort;
    /** The TLS listener's port, or 0 without TLS. */
    private final int tlsPort;
    /** The TLS WebSocket listener's port, or 0 without TLS. */
    private final int wssPort;

    private final Path caFile;
    private Process process;

    private Mosquitto(Path dir, int port, int webSocketPort, int tlsPort, int wssPort, Path caFile) {
        this.dir = dir;
        this.port = port;
        this.webSocketPort = webSocketPort;
        this.tlsPort = tlsPort;
        this.wssPort = wssPort;
        this.caFile = caFile;
    }

    /**
     * How to start a broker: {@link #tls()} adds the TLS listeners, {@link #user} password
     * authentication. The defaults are what {@link Mosquitto#start()} starts.
     */
    public static final class Options {
        private boolean tls;
        private List<String> dnsNames = List.of("localhost");
        private List<String> ipAddresses = List.of("127.0.0.1", "::1");
        private final Map<String, String> users = new LinkedHashMap<>();

        /**
         * Adds a TLS listener ({@link Mosquitto#tlsUrl()}) and a TLS WebSocket listener
         * ({@link Mosquitto#wssUrl()}), with a server certificate for {@code 127.0.0.1} and
         * {@code localhost} signed by a CA made at start ({@link Mosquitto#caFile()}).
         */
        public Options tls() {
            this.tls = true;
            return this;
        }

        /**
         * The names the server certificate is issued for (its subject alternative names), instead of
         * {@code localhost}, {@code 127.0.0.1} and {@code ::1}: to check that a client refuses a
         * certificate that does not name the host it connected to. Implies {@link #tls()}.
         */
        public Options certificateFor(List<String> dnsNames, List<String> ipAddresses) {
            this.tls = true;
            this.dnsNames = List.copyOf(dnsNames);
            this.ipAddresses = List.copyOf(ipAddresses);
            return this;
        }

        /**
         * Requires a user name and password on every listener (anonymous clients are refused) and
         * accepts this user. Call once per user. The passwords are written to the broker's
         * {@code password_file} (0600), then hashed in place by {@code mosquitto_passwd -U}, so no
         * password appears on a command line.
         */
        public Options user(String name, String password) {
            if (name.isEmpty() || name.contains(":") || name.contains("\n")) {
                throw new IllegalArgumentException("a user name must be non-empty, without ':' or newline");
            }
            if (password.contains("\n")) {
                throw new IllegalArgumentException("a password must not hold a newline");
            }
            users.put(name, password);
            return this;
        }
    }

    /** Options to pass to {@link #start(Options)}. */
    public static Options options() {
        return new Options();
    }

    /** Starts a broker on a free port: plain TCP and WebSocket listeners, anonymous clients allowed. */
    public static Mosquitto start() throws IOException {
        return start(new Options());
    }

    /** Starts a broker on free ports with these options. */
    public static Mosquitto start(Options options) throws IOException {
        Path dir = Files.createTempDirectory("nucleon-mosquitto-");
        TestCa.privateDirectory(dir);
        int port;
        int webSocketPort;
        int tlsPort = 0;
        int wssPort = 0;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket s = new ServerSocket(0, 1, loopback);
                ServerSocket w = new ServerSocket(0, 1, loopback);
                ServerSocket t = new ServerSocket(0, 1, loopback);
                ServerSocket tw = new ServerSocket(0, 1, loopback)) {
            port = s.getLocalPort();
            webSocketPort = w.getLocalPort();
            if (options.tls) {
                tlsPort = t.getLocalPort();
                wssPort = tw.getLocalPort();
            }
        }
        StringBuilder conf = new StringBuilder()
                .append("listener ")
                .append(port)
                .append(" 127.0.0.1\n")
                .append("listener ")
                .append(webSocketPort)
                .append(" 127.0.0.1\n")
                .append("protocol websockets\n");
        Path caFile = null;
        if (options.tls) {
            TestCa ca = TestCa.create(dir.resolve("tls"), "mosquitto");
            TestCa.ServerCertificate server = ca.issueServer("server", options.dnsNames, options.ipAddresses);
            caFile = ca.certificate();
            for (int p : new int[] {tlsPort, wssPort}) {
                conf.append("listener ").append(p).append(" 127.0.0.1\n");
                if (p == wssPort) {
                    conf.append("protocol websockets\n");
                }
                conf.append("certfile ")
                        .append(server.certificate())
                        .append('\n')
                        .append("keyfile ")
                        .append(server.key())
                        .append('\n');
            }
        }
        if (options.users.isEmpty()) {
            conf.append("allow_anonymous true\n");
        } else {
            // per_listener_settings is off: these apply to every listener
            Path passwords = dir.resolve("passwords");
            Files.createFile(
                    passwords, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            StringBuilder lines = new StringBuilder();
            options.users.forEach((user, password) ->
                    lines.append(user).append(':').append(password).append('\n'));
            Files.writeString(passwords, lines);
            TestCa.run(dir, List.of(PASSWD_BINARY, "-U", passwords.toString()));
            conf.append("allow_anonymous false\n")
                    .append("password_file ")
                    .append(passwords)
                    .append('\n');
        }
        conf.append("persistence true\n")
                .append("persistence_location ")
                .append(dir)
                .append("/\n")
                .append("autosave_interval 1\n")
                // the default keeps 1000 messages per offline or busy client and drops the rest
                .append("max_queued_messages 0\n")
                .append("max_inflight_messages " + MAX_INFLIGHT_MESSAGES + "\n")
                .append("log_dest file ")
                .append(dir)
                .append("/mosquitto.log\n")
                .append("root".equals(System.getProperty("user.name")) ? "user root\n" : "");
        Files.writeString(dir.resolve("mosquitto.conf"), conf);
        Mosquitto m = new Mosquitto(dir, port, webSocketPort, tlsPort, wssPort, caFile);
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
                                + Files.readString(dir.resolve("stdout.log")) + " "
                                + (Files.exists(dir.resolve("mosquitto.log"))
                                        ? Files.readString(dir.resolve("mosquitto.log"))
                                        : ""));
                    }
                    for (int p : new int[] {port, webSocketPort, tlsPort, wssPort}) {
                        if (p != 0 && !listening(p)) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
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

    /** The TLS listener's url ({@code ssl://127.0.0.1:<port>}); needs {@link Options#tls()}. */
    public String tlsUrl() {
        return "ssl://127.0.0.1:" + requireTls(tlsPort);
    }

    /** The TLS WebSocket listener's url ({@code wss://127.0.0.1:<port>/mqtt}); needs {@link Options#tls()}. */
    public String wssUrl() {
        return "wss://127.0.0.1:" + requireTls(wssPort) + "/mqtt";
    }

    /** The TLS listener's port; needs {@link Options#tls()}. */
    public int tlsPort() {
        return requireTls(tlsPort);
    }

    /**
     * The PEM certificate of the CA that signed the broker's certificate (made for this broker at
     * start, valid two days): what a client passes as {@code caFile}. Needs {@link Options#tls()}.
     */
    public Path caFile() {
        requireTls(tlsPort);
        return caFile;
    }

    /** The broker's directory (0700): configuration, persistence, log, certificates. */
    public Path directory() {
        return dir;
    }

    /**
     * What the broker logged so far ({@code mosquitto.log}: connections, refusals, TLS errors), for
     * a test to check what the broker saw.
     */
    public String log() throws IOException {
        Path log = dir.resolve("mosquitto.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private static int requireTls(int port) {
        if (port == 0) {
            throw new IllegalStateException("this broker has no TLS listener: start it with Mosquitto.options().tls()");
        }
        return port;
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
