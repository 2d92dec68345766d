package io.nucleon.test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * A packaged function jar to run as a process, the way a user runs it ({@code java -jar}), for the
 * tests that check the jar itself: its packaging, its startup, its signals, its exit codes.
 *
 * <pre>{@code
 * int port = FunctionJar.freePort();
 * try (FunctionProcess fn = FunctionJar.packaged()
 *         .override("spec.triggers.web.attributes.port", port)   // the packaged function.yaml, one value changed
 *         .start()) {                                            // waits for GET /ready on the control port
 *     ... call http://127.0.0.1:<port>/ ..., fn.metric("nucleon_events_total", Map.of("outcome", "success")) ...
 *     assertEquals(0, fn.stop());                                // SIGTERM: drains, exits 0
 * }
 * }</pre>
 *
 * <p>The process gets the JVM running the test ({@code java.home}), a free control port
 * ({@code --control-port}, unless the arguments give one or {@code --no-control}), a private temporary
 * directory ({@code -Djava.io.tmpdir}, with a short path, as the Unix sockets of the Python and Node.js
 * runtimes live in it), and a working directory of its own with its output (standard output and
 * error). Configure, then {@link #start()} (or {@link #launch()} for a process
 * expected to fail); a FunctionJar can start several processes, one after the other or at once.
 */
public final class FunctionJar {
    /** The system property with the path of the packaged jar; nucleon-function-parent sets it for the integration tests. */
    public static final String JAR_PROPERTY = "nucleon.jar";

    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path jar;
    private Path functionYaml;
    private final Map<String, Object> overrides = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private Duration readyTimeout = Duration.ofSeconds(60);
    private Path workDirectory;
    private int started;

    private FunctionJar(Path jar) {
        this.jar = jar.toAbsolutePath();
    }

    /** The jar at {@code jar}. */
    public static FunctionJar at(Path jar) {
        return new FunctionJar(Objects.requireNonNull(jar, "jar"));
    }

    /**
     * The jar this module packages: the path in the system property {@value #JAR_PROPERTY}, which
     * nucleon-function-parent's failsafe configuration sets for {@code *IT} tests.
     */
    public static FunctionJar packaged() {
        String path = System.getProperty(JAR_PROPERTY);
        if (path == null || path.isBlank()) {
            throw new IllegalStateException("the system property " + JAR_PROPERTY + " is not set: it is set for the "
                    + "integration tests (*IT, run by failsafe in `mvn verify`) of a project whose parent is "
                    + "io.nucleon:nucleon-function-parent; elsewhere give the jar: FunctionJar.at(path)");
        }
        return new FunctionJar(Path.of(path));
    }

    /** A TCP port that was free a moment ago on 127.0.0.1, for a trigger or a control server. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** The function to run instead of the packaged one (the jar's first argument). */
    public FunctionJar functionYaml(Path file) {
        this.functionYaml = Objects.requireNonNull(file, "file");
        return this;
    }

    /**
     * Runs the function with one value of its {@code function.yaml} (the packaged one, or the one given
     * to {@link #functionYaml}) replaced, e.g. {@code override("spec.triggers.orders.attributes.brokers",
     * List.of(kafka.bootstrapServers()))}: a copy is written to the working directory. The path names
     * mapping keys separated by dots; missing ones are created. The value is text, a number, a boolean,
     * a list or a map.
     */
    public FunctionJar override(String path, Object value) {
        if (path == null || path.isBlank() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new IllegalArgumentException(
                    "a path is keys separated by dots, e.g. spec.triggers.web.attributes.port; got \"" + path + "\"");
        }
        overrides.put(path, value);
        return this;
    }

    /** Adds arguments after the function.yaml, e.g. {@code "--control-token-file", file.toString()}. */
    public FunctionJar args(String... args) {
        this.args.addAll(List.of(args));
        return this;
    }

    /** Adds JVM options, e.g. {@code "-Xmx256m"}. */
    public FunctionJar jvmArgs(String... args) {
        this.jvmArgs.addAll(List.of(args));
        return this;
    }

    /** Sets an environment variable of the process (handlers read {@code spec.env} and then the environment). */
    public FunctionJar env(String name, String value) {
        env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** How long {@link #start()} waits for {@code /ready}; 60 s by default. */
    public FunctionJar readyTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the ready timeout must be positive, got " + timeout);
        }
        this.readyTimeout = timeout;
        return this;
    }

    /**
     * Where the processes keep their output and temporary files (e.g. a JUnit {@code @TempDir}), each
     * in a sub-directory of its own ({@code process-0}, {@code process-1} …), kept after they end. By
     * default each process gets a new temporary directory, deleted when it is {@linkplain FunctionProcess#close() closed}.
     */
    public FunctionJar workDirectory(Path dir) {
        this.workDirectory = Objects.requireNonNull(dir, "dir");
        return this;
    }

    /** The text of the {@code function.yaml} packaged in the jar. */
    public String packagedFunctionYaml() {
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry("function.yaml");
            if (entry == null) {
                throw new IllegalStateException(jar + " holds no function.yaml");
            }
            try (InputStream in = file.getInputStream(entry)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    jar + " cannot be read (was it packaged? run `mvn verify`, not `mvn test`)", e);
        }
    }

    /**
     * Starts a process and waits until its control server answers {@code /ready} with 200.
     *
     * @throws AssertionError with the process's output, when it exits first or is not ready in time
     */
    public FunctionProcess start() {
        FunctionProcess p = launch();
        try {
            p.awaitReady(readyTimeout);
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Starts a process and returns at once: for a process expected to fail, or to watch start up. */
    public synchronized FunctionProcess launch() {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: package the function first (`mvn verify` runs "
                    + "integration tests after `package`)");
        }
        try {
            boolean own = workDirectory == null;
            Path dir = own
                    ? Files.createTempDirectory("nucleon-jar-")
                    : Files.createDirectories(workDirectory.resolve("process-" + started++));
            // short, under the system's: a runtime's Unix socket paths (at most about 100 bytes) live in it
            Path tmp = Files.createTempDirectory("njt-");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Djava.io.tmpdir=" + tmp);
            command.addAll(jvmArgs);
            command.add("-jar");
            command.add(jar.toString());
            Path yaml = yamlFor(dir);
            if (yaml != null) {
                command.add(yaml.toString());
            }
            command.addAll(args);
            int control = controlPort(command);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("output.log").toFile());
            pb.environment().putAll(env);
            return new FunctionProcess(jar.getFileName().toString(), pb.start(), dir, own, tmp, control);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + jar, e);
        }
    }

    /** The function.yaml to pass: the one given, or a copy with the overrides applied; null for the packaged one as is. */
    private Path yamlFor(Path dir) throws IOException {
        if (overrides.isEmpty()) {
            return functionYaml;
        }
        String text = functionYaml != null ? Files.readString(functionYaml) : packagedFunctionYaml();
        JsonNode root = YAML.readTree(text);
        if (!(root instanceof ObjectNode)) {
            throw new IllegalStateException("the function.yaml to override is not a mapping: " + text);
        }
        overrides.forEach((path, value) -> set((ObjectNode) root, path, value));
        Path file = dir.resolve("function.yaml");
        Files.writeString(file, YAML.writeValueAsString(root));
        return file;
    }

    private static void set(ObjectNode root, String path, Object value) {
        String[] keys = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            JsonNode next = node.get(keys[i]);
            if (next == null || next.isNull()) {
                next = node.putObject(keys[i]);
            } else if (!next.isObject()) {
                throw new IllegalArgumentException("cannot set " + path + ": "
                        + String.join(".", List.of(keys).subList(0, i + 1)) + " is not a mapping but " + next);
            }
            node = (ObjectNode) next;
        }
        node.set(keys[keys.length - 1], YAML.valueToTree(value));
    }

    /** The control port the command gives, after adding a free one when it gives none; -1 with {@code --no-control}. */
    private static int controlPort(List<String> command) {
        if (command.contains("--no-control")) {
            return -1;
        }
        int i = command.indexOf("--control-port");
        if (i >= 0 && i + 1 < command.size()) {
            return Integer.parseInt(command.get(i + 1));
        }
        int port = freePort();
        command.add("--control-port");
        command.add(Integer.toString(port));
        return port;
    }

    @Override
    public String toString() {
        return "FunctionJar{" + jar + "}";
    }
}
