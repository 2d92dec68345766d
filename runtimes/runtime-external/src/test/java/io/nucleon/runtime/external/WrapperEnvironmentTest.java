package io.nucleon.runtime.external;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a wrapper finds in its environment. A JVM cannot change its own environment, so the
 * processor runs in a child JVM started with a controlled one (holding fake credentials); its real
 * wrappers report their environment through a real handler.
 */
@SuppressWarnings("try") // the running functions are held for their effect, not used
class WrapperEnvironmentTest {
    static final String SECRET = "fake-secret-of-the-environment-test";
    /** The variables the runtime sets for the protocol (docs/protocol.md section 1). */
    static final Set<String> PROTOCOL_VARIABLES = Set.of(
            "NUCLEON_PROTOCOL",
            "NUCLEON_SOCKET",
            "NUCLEON_TRANSPORT",
            "NUCLEON_SHM_FILE",
            "NUCLEON_HANDLER",
            "NUCLEON_CODE_DIR",
            "NUCLEON_WORKER_ID",
            "NUCLEON_FUNCTION_NAME",
            "NUCLEON_TRIGGER_KIND",
            "NUCLEON_TRIGGER_NAME",
            "NUCLEON_MAX_FRAME",
            "NUCLEON_DECODE_JSON_BODY");
    /** What docs/configuration.md promises a wrapper inherits by default: these names, and the prefixes below. */
    static final Set<String> DOCUMENTED_NAMES = Set.of("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR");

    static final List<String> DOCUMENTED_PREFIXES = List.of("LC_", "PYTHON", "NODE");

    @TempDir
    Path dir;

    /**
     * The child JVM: runs the function with the settings of {@code args} (port file, runtime,
     * transport, interpreter, and {@code default}, {@code all} or comma-separated inheritEnvNames),
     * writes the http port to the port file and runs until its stdin closes.
     */
    public static void main(String[] args) throws Exception {
        Path portFile = Path.of(args[0]);
        String runtime = args[1];
        String inherit = args[4];
        try (ExternalRuntimeTest.Running f = new ExternalRuntimeTest.Running(
                runtime,
                "echo:handler",
                runtime.equals("python") ? "python" : "node",
                args[2],
                1,
                Duration.ofSeconds(10),
                b -> {
                    b.runtimeAttribute("interpreter", args[3]).env("FUNCTION_SETTING", "from spec.env");
                    if (inherit.equals("all")) {
                        b.runtimeAttribute("inheritEnv", true);
                    } else if (!inherit.equals("default")) {
                        b.runtimeAttribute("inheritEnvNames", List.of(inherit.split(",")));
                    }
                })) {
            Path tmp = Files.writeString(
                    portFile.resolveSibling(portFile.getFileName() + ".tmp"), Integer.toString(f.port));
            Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
            while (System.in.read() >= 0) {
                // until the test closes our stdin
            }
        }
    }

    /** The environment the wrapper of a processor started with a controlled environment reports. */
    Map<String, String> wrapperEnvironment(String runtime, String transport, String inherit) throws Exception {
        Path portFile = dir.resolve("port");
        Path childLog = dir.resolve("child.log");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        WrapperEnvironmentTest.class.getName(),
                        portFile.toString(),
                        runtime,
                        transport,
                        realInterpreter(runtime),
                        inherit)
                .directory(Path.of(System.getProperty("user.dir")).toFile())
                .redirectErrorStream(true)
                .redirectOutput(childLog.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", System.getProperty("user.home"));
        env.put("LANG", "C.UTF-8");
        env.put("LC_TIME", "C");
        env.put("TZ", "UTC");
        env.put("TMPDIR", System.getProperty("java.io.tmpdir"));
        env.put("PYTHONNUCLEONTEST", "python setting");
        env.put("NODE_NUCLEON_TEST", "node setting");
        env.put("AWS_SECRET_ACCESS_KEY", SECRET);
        env.put("DATABASE_PASSWORD", SECRET + "-db");
        env.put("NUCLEON_CONTROL_TOKEN", SECRET + "-token");
        env.put("AWS_REGION", "eu-west-1");
        env.put("MYAPP_MODE", "test");
        Process child = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !child.isAlive());
            assertTrue(
                    Files.exists(portFile), () -> "the child JVM exited " + child.exitValue() + ":\n" + read(childLog));
            int port = Integer.parseInt(Files.readString(portFile));
            HttpResponse<String> r = ExternalRuntimeTest.HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/env"))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return new TreeMap<>(new ObjectMapper().readValue(r.body(), new TypeReference<Map<String, String>>() {}));
        } finally {
            child.getOutputStream().close();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    /**
     * The interpreter's own executable rather than a launcher found on PATH: a launcher such as a
     * pyenv shim (a shell script) adds variables of its own, which are not the processor's doing.
     */
    static String realInterpreter(String runtime) throws Exception {
        List<String> cmd = runtime.equals("python")
                ? List.of("python3", "-c", "import sys; print(sys.executable)")
                : List.of("node", "-p", "process.execPath");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    static boolean documented(String name) {
        return DOCUMENTED_NAMES.contains(name)
                || PROTOCOL_VARIABLES.contains(name)
                || DOCUMENTED_PREFIXES.stream().anyMatch(name::startsWith);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"python, shm", "nodejs, uds"})
    void aWrapperGetsSpecEnvAndTheAllowedVariablesButNoCredentials(String runtime, String transport) throws Exception {
        Map<String, String> env = wrapperEnvironment(runtime, transport, "default");
        for (String name : env.keySet()) {
            assertTrue(
                    documented(name) || name.equals("FUNCTION_SETTING"),
                    "the wrapper got " + name + ": " + env.keySet());
        }
        env.forEach((k, v) -> assertFalse(v.contains(SECRET), "a secret reached the wrapper in " + k));
        assertEquals("from spec.env", env.get("FUNCTION_SETTING"));
        assertEquals(System.getenv("PATH"), env.get("PATH"));
        assertEquals(System.getProperty("user.home"), env.get("HOME"));
        assertEquals("C.UTF-8", env.get("LANG"));
        assertEquals("C", env.get("LC_TIME"));
        assertEquals("UTC", env.get("TZ"));
        assertEquals(System.getProperty("java.io.tmpdir"), env.get("TMPDIR"));
        assertEquals("python setting", env.get("PYTHONNUCLEONTEST"));
        assertEquals("node setting", env.get("NODE_NUCLEON_TEST"));
        assertEquals(transport, env.get("NUCLEON_TRANSPORT"));
    }

    @Test
    void inheritEnvNamesPassesMoreNamesAndPrefixes() throws Exception {
        Map<String, String> env = wrapperEnvironment("python", "uds", "AWS_REGION,MYAPP_*");
        assertEquals("eu-west-1", env.get("AWS_REGION"));
        assertEquals("test", env.get("MYAPP_MODE"));
        for (String name : env.keySet()) {
            assertTrue(
                    documented(name)
                            || Set.of("FUNCTION_SETTING", "AWS_REGION", "MYAPP_MODE")
                                    .contains(name),
                    "the wrapper got " + name + ": " + env.keySet());
        }
        env.forEach((k, v) -> assertFalse(v.contains(SECRET), "a secret reached the wrapper in " + k));
    }

    @Test
    void inheritEnvTruePassesTheWholeEnvironment() throws Exception {
        // also shows that the child's environment did carry the secrets the other tests look for
        Map<String, String> env = wrapperEnvironment("nodejs", "uds", "all");
        assertEquals(SECRET, env.get("AWS_SECRET_ACCESS_KEY"));
        assertEquals(SECRET + "-db", env.get("DATABASE_PASSWORD"));
        assertEquals("from spec.env", env.get("FUNCTION_SETTING"));
        assertTrue(
                env.get("NUCLEON_SOCKET").endsWith(".sock"),
                "the runtime's own variables win: " + env.get("NUCLEON_SOCKET"));
    }

    @Test
    void theStartSaysHowManyVariablesAreWithheldButNoValue() throws Exception {
        try (WrapperLogTest.Capture capture = new WrapperLogTest.Capture("python");
                ExternalRuntimeTest.Running f = ExternalRuntimeTest.python("uds")) {
            String line = capture.events().stream()
                    .map(e -> e.getFormattedMessage())
                    .filter(m -> m.startsWith("the python wrappers inherit "))
                    .findFirst()
                    .orElseThrow();
            long inherited = System.getenv().keySet().stream()
                    .filter(WrapperEnvironmentTest::documented)
                    .count();
            assertTrue(line.contains((System.getenv().size() - inherited) + " are withheld"), line);
            System.getenv().forEach((k, v) -> {
                if (!documented(k) && v.length() >= 6) {
                    assertFalse(line.contains(v), "the value of " + k + " is in: " + line);
                }
            });
        }
    }

    @Test
    void inheritEnvNamesMustBeNamesOrPrefixes() {
        for (String bad : List.of("*", "MY-VAR", "A*B", "")) {
            FunctionConfigException e = assertThrows(
                    FunctionConfigException.class,
                    () -> Processor.builder()
                            .name("bad")
                            .runtime("python")
                            .handler("echo:handler")
                            .runtimeAttribute(
                                    "codeDir",
                                    ExternalRuntimeTest.FUNCTIONS
                                            .resolve("python")
                                            .toString())
                            .runtimeAttribute("inheritEnvNames", List.of("OK_NAME", bad))
                            .trigger("web", "http", t -> t.attribute("port", 0))
                            .build());
            assertTrue(
                    e.getMessage().contains("spec.runtimeAttributes.inheritEnvNames: entry 1 (\"" + bad + "\")"),
                    e.getMessage());
        }
    }
}
