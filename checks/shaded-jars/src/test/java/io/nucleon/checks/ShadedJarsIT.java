package io.nucleon.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads the runnable jars that the examples, the benchmarks and the runner shade, after `package`, and checks what
 * they carry: the JNA and amqp-client versions the root pom manages, byte for byte, and no Chronicle
 * analytics. A module's own dependencyManagement does not reach the projects that use it, and a build
 * without `clean` can shade onto a previous fat jar: both once left JNA 5.5.0 in async-java.jar.
 *
 * <p>The managed artifacts are on this module's test class path at the root pom's versions; a shaded
 * jar carries one of them when it holds its marker class, and then must hold every class and resource
 * of it with the same CRC. The jars to read, the repository root and the managed versions come from
 * this module's pom (system properties set by failsafe).
 */
class ShadedJarsIT {
    private static final Path ROOT =
            Path.of(required("repo.root")).toAbsolutePath().normalize();
    private static final List<String> JARS = Arrays.stream(
                    required("shaded.jars").split(","))
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .toList();
    private static final String JNA_VERSION = required("jna.version");
    private static final String AMQP_CLIENT_VERSION = required("amqp-client.version");

    private static final String JNA_PACKAGE = "com/sun/jna/";
    private static final String CHRONICLE_QUEUE_PACKAGE = "net/openhft/chronicle/queue/";
    private static final String CHRONICLE_ANALYTICS_PACKAGE = "net/openhft/chronicle/analytics/";
    private static final String AMQP_CLIENT_POM = "META-INF/maven/com.rabbitmq/amqp-client/pom.properties";
    private static final String NUCLEON_CORE_POM = "META-INF/maven/io.nucleon/nucleon-core/pom.properties";

    private static final ManagedJar JNA = ManagedJar.of("net.java.dev.jna:jna", "com.sun.jna.Native");
    private static final ManagedJar JNA_PLATFORM =
            ManagedJar.of("net.java.dev.jna:jna-platform", "com.sun.jna.platform.FileUtils");
    private static final ManagedJar AMQP_CLIENT =
            ManagedJar.of("com.rabbitmq:amqp-client", "com.rabbitmq.client.ConnectionFactory");

    static Stream<String> shadedJars() {
        return JARS.stream();
    }

    @Test
    void everyModuleThatShadesARunnableJarIsChecked() throws IOException {
        List<Path> poms = new ArrayList<>();
        try (Stream<Path> examples = Files.list(ROOT.resolve("examples"))) {
            examples.map(dir -> dir.resolve("pom.xml"))
                    .filter(Files::isRegularFile)
                    .forEach(poms::add);
        }
        poms.add(ROOT.resolve("benchmarks/pom.xml"));
        poms.add(ROOT.resolve("processor-core/runner/pom.xml")); // nucleon.jar
        List<String> unchecked = new ArrayList<>();
        for (Path pom : poms) {
            String text = Files.readString(pom);
            // shaded by its own plugin configuration, or by the function parent's
            if (!text.contains("<artifactId>maven-shade-plugin</artifactId>")
                    && !text.contains("<artifactId>nucleon-function-parent</artifactId>")) {
                continue;
            }
            String module = ROOT.relativize(pom.getParent()).toString().replace('\\', '/');
            if (JARS.stream().noneMatch(jar -> jar.startsWith(module + "/"))) {
                unchecked.add(module);
            }
        }
        assertEquals(
                List.of(),
                unchecked,
                "these modules shade a runnable jar that this check does not read: add each"
                        + " to shaded.jars and as a dependency in checks/shaded-jars/pom.xml");
    }

    @Test
    void theManagedArtifactsAreCarriedSomewhere() {
        // Guards the per-jar checks against passing on jars that lost everything.
        assertTrue(
                JARS.stream().anyMatch(jar -> carries(jar, JNA)),
                "no checked jar carries JNA; expected at least async-java");
        assertTrue(
                JARS.stream().anyMatch(jar -> carries(jar, AMQP_CLIENT)),
                "no checked jar carries amqp-client; expected at least rabbitmq-worker");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shadedJars")
    void carriesTheManagedJnaByteForByte(String jar) throws IOException {
        try (ZipFile zip = open(jar)) {
            boolean chronicle = hasEntryUnder(zip, CHRONICLE_QUEUE_PACKAGE);
            if (!hasEntryUnder(zip, JNA_PACKAGE)) {
                assertFalse(chronicle, jar + " carries Chronicle Queue but no JNA, which its posix module needs");
                return;
            }
            String found = jnaVersionIn(jar);
            List<String> problems = new ArrayList<>();
            problems.addAll(JNA.differencesFrom(zip));
            problems.addAll(JNA_PLATFORM.differencesFrom(zip));
            TreeSet<String> known = new TreeSet<>(JNA.entries());
            known.addAll(JNA_PLATFORM.entries());
            zip.stream()
                    .map(ZipEntry::getName)
                    .filter(name -> name.startsWith(JNA_PACKAGE) && !name.endsWith("/") && !known.contains(name))
                    .forEach(name -> problems.add("left over from another JNA: " + name));
            assertEquals(
                    JNA_VERSION,
                    found,
                    jar + " carries JNA " + found + ", the root pom manages " + JNA_VERSION + " (jna.version)");
            assertEquals(
                    List.of(),
                    firstOf(problems),
                    jar + " does not carry exactly " + JNA.file().getFileName() + " and "
                            + JNA_PLATFORM.file().getFileName() + " (" + problems.size() + " entries differ)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shadedJars")
    void carriesTheManagedAmqpClientByteForByte(String jar) throws IOException {
        try (ZipFile zip = open(jar)) {
            if (!carries(zip, AMQP_CLIENT)) {
                return;
            }
            String found = pomVersion(zip, AMQP_CLIENT_POM);
            assertEquals(
                    AMQP_CLIENT_VERSION,
                    found,
                    jar + " carries amqp-client " + found + ", the root pom manages " + AMQP_CLIENT_VERSION
                            + " (amqp-client.version)");
            List<String> problems = AMQP_CLIENT.differencesFrom(zip);
            assertEquals(
                    List.of(),
                    firstOf(problems),
                    jar + " does not carry exactly " + AMQP_CLIENT.file().getFileName() + " (" + problems.size()
                            + " entries differ)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shadedJars")
    void carriesNoChronicleAnalytics(String jar) throws IOException {
        try (ZipFile zip = open(jar)) {
            assertFalse(
                    hasEntryUnder(zip, CHRONICLE_ANALYTICS_PACKAGE),
                    jar + " carries net.openhft:chronicle-analytics,"
                            + " which sends usage data to an outside host; exclude it where chronicle-queue is declared");
        }
    }

    /** Also writes target/shaded-jar-contents.txt: what each jar carries, as artifact:version. */
    @Test
    void everyJarCarriesTheProcessorAndItsContentsAreListed() throws IOException {
        StringBuilder report = new StringBuilder();
        List<String> withoutCore = new ArrayList<>();
        for (String jar : JARS) {
            try (ZipFile zip = open(jar)) {
                if (zip.getEntry(NUCLEON_CORE_POM) == null) {
                    withoutCore.add(jar);
                }
                report.append("== ").append(jar).append('\n');
                for (String artifact : artifactsIn(zip, jar)) {
                    report.append(artifact).append('\n');
                }
            }
        }
        Path file = Path.of(required("report.file"));
        Files.createDirectories(file.getParent());
        Files.writeString(file, report, StandardCharsets.UTF_8);
        assertEquals(List.of(), withoutCore, "these jars do not carry io.nucleon:nucleon-core");
    }

    /**
     * groupId:artifactId:version from every pom.properties in the jar, plus JNA, which ships none (its
     * version is read from com.sun.jna.Version).
     */
    private static List<String> artifactsIn(ZipFile zip, String jar) throws IOException {
        TreeSet<String> artifacts = new TreeSet<>();
        for (ZipEntry entry : Collections.list(zip.entries())) {
            if (entry.getName().startsWith("META-INF/maven/") && entry.getName().endsWith("/pom.properties")) {
                Properties p = properties(zip, entry);
                artifacts.add(
                        p.getProperty("groupId") + ":" + p.getProperty("artifactId") + ":" + p.getProperty("version"));
            }
        }
        if (hasEntryUnder(zip, JNA_PACKAGE)) {
            artifacts.add("net.java.dev.jna:jna:" + jnaVersionIn(jar) + " (from com.sun.jna.Version)");
        }
        return new ArrayList<>(artifacts);
    }

    /** The VERSION constant of com.sun.jna.Version, read from the jar alone (nothing of JNA is initialised). */
    private static String jnaVersionIn(String jar) {
        try (URLClassLoader loader = new URLClassLoader(
                new URL[] {ROOT.resolve(jar).toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Field version = Class.forName("com.sun.jna.Version", false, loader).getDeclaredField("VERSION");
            version.setAccessible(true);
            return (String) version.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(jar + " has JNA classes but no readable com.sun.jna.Version.VERSION", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pomVersion(ZipFile zip, String pomProperties) throws IOException {
        ZipEntry entry = zip.getEntry(pomProperties);
        return entry == null
                ? "(no " + pomProperties + ")"
                : properties(zip, entry).getProperty("version");
    }

    private static Properties properties(ZipFile zip, ZipEntry entry) throws IOException {
        Properties p = new Properties();
        try (InputStream in = zip.getInputStream(entry)) {
            p.load(in);
        }
        return p;
    }

    private static boolean carries(String jar, ManagedJar artifact) {
        try (ZipFile zip = open(jar)) {
            return carries(zip, artifact);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean carries(ZipFile zip, ManagedJar artifact) {
        return zip.getEntry(artifact.markerEntry()) != null;
    }

    private static boolean hasEntryUnder(ZipFile zip, String prefix) {
        return zip.stream().anyMatch(e -> e.getName().startsWith(prefix));
    }

    private static ZipFile open(String jar) {
        Path file = ROOT.resolve(jar);
        if (!Files.isRegularFile(file)) {
            fail(jar + " is not built: run `mvn verify` from the root, or `mvn -pl checks/shaded-jars -am verify`");
        }
        try {
            return new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> firstOf(List<String> problems) {
        return problems.subList(0, Math.min(10, problems.size()));
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set: run this check through Maven"
                    + " (checks/shaded-jars/pom.xml sets it)");
        }
        return value;
    }

    /**
     * A managed artifact's own jar on this module's test class path, found through one of its classes.
     *
     * @param coordinates groupId:artifactId, for messages
     * @param file the jar, at the version the root pom manages
     * @param markerEntry the marker class's entry name; a shaded jar carries the artifact when it holds it
     * @param crcs CRC of every entry a shaded jar must carry identically (no directories, nothing under
     *     META-INF/, which shading merges or drops, and no module-info.class, which it filters out)
     */
    private record ManagedJar(String coordinates, Path file, String markerEntry, Map<String, Long> crcs) {
        static ManagedJar of(String coordinates, String markerClass) {
            Path file;
            try {
                file = Path.of(Class.forName(markerClass, false, ShadedJarsIT.class.getClassLoader())
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
            } catch (ClassNotFoundException | URISyntaxException e) {
                throw new IllegalStateException(coordinates + " is not on the test class path", e);
            }
            Map<String, Long> crcs = new TreeMap<>();
            try (ZipFile zip = new ZipFile(file.toFile())) {
                for (ZipEntry entry : Collections.list(zip.entries())) {
                    String name = entry.getName();
                    if (!entry.isDirectory() && !name.startsWith("META-INF/") && !name.endsWith("module-info.class")) {
                        crcs.put(name, entry.getCrc());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new ManagedJar(coordinates, file, markerClass.replace('.', '/') + ".class", crcs);
        }

        Set<String> entries() {
            return crcs.keySet();
        }

        /** What in the shaded jar is missing from, or differs from, this artifact's own entries. */
        List<String> differencesFrom(ZipFile shaded) {
            List<String> problems = new ArrayList<>();
            crcs.forEach((name, crc) -> {
                ZipEntry entry = shaded.getEntry(name);
                if (entry == null) {
                    problems.add("missing: " + name);
                } else if (entry.getCrc() != crc) {
                    problems.add("differs from " + file.getFileName() + ": " + name);
                }
            });
            return problems;
        }
    }
}
