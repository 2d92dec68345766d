package io.nucleon.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.Processor;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.ReadOptions;
import io.nucleon.core.config.TriggerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Makes a function jar's class-data archive, as the function parent's build does after packaging the jar:
 * {@code java -cp target/fn.jar io.nucleon.core.StartupTraining target/fn.jar}. It runs the function once
 * ({@code java -jar}, in a temporary working directory) in a second JVM that records the classes it loads
 * ({@code -XX:ArchiveClassesAtExit} up to JDK 24, JDK 25's AOT cache from 25 on), and then writes the
 * descriptor that {@link StartupArchive} reads at {@code java -jar} (docs/startup.md).
 *
 * <p>The training run starts the packaged function as {@code java -jar} would, with these differences: only its
 * http triggers, each on 127.0.0.1 and a free port, the control server on 127.0.0.1 and a free port, and no
 * data bindings. Once {@code /ready} answers 200 it sends one {@code GET /} to each http trigger (so the handler
 * runs once, as in the function's integration tests) and stops. A function without http triggers is only
 * configured. A training run that fails leaves no descriptor and says why; the build goes on, and
 * {@code java -jar} then starts the function without an archive.
 */
public final class StartupTraining {
    private static final int TIMEOUT_MS = 60_000;

    private StartupTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].endsWith(".jar")) {
            System.err.println("usage: java -cp <function>.jar " + StartupTraining.class.getName() + " <function>.jar");
            System.exit(2);
        }
        System.exit(makeArchive(Path.of(args[0]).toAbsolutePath()));
    }

    /** Runs the training JVM and writes the descriptor; 0 also when no archive could be made (it says why). */
    private static int makeArchive(Path jar) throws IOException, InterruptedException {
        String name = jar.getFileName().toString();
        String base = name.substring(0, name.length() - ".jar".length());
        boolean aot = Runtime.version().feature() >= 25;
        Path archive = jar.resolveSibling(base + (aot ? ".aot" : ".jsa"));
        Path descriptor = StartupArchive.descriptorOf(jar);
        Files.deleteIfExists(descriptor);
        Files.deleteIfExists(archive);
        try (JarFile j = new JarFile(jar.toFile())) {
            if (j.getEntry("function.yaml") == null) {
                System.out.println("nucleon: no start-up archive for " + name + ": it packs no function.yaml");
                return 0;
            }
        }
        // `java -jar`, as the user's: the manifest's Add-Opens and Add-Exports apply, and the class path is the same
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add((aot ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + archive);
        command.add("-D" + StartupArchive.PROPERTY + "=" + StartupArchive.TRAINING);
        command.add("-jar");
        command.add(jar.toString());
        // its own working directory: relative paths of the function.yaml (a journal's, say) land there
        Path work = Files.createTempDirectory(base + "-training-");
        Path log = work.resolve("training.log");
        try {
            Process p = new ProcessBuilder(command)
                    .directory(work.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            int code = p.waitFor();
            if (code != 0 || !Files.isRegularFile(archive)) {
                System.err.println("nucleon: no start-up archive for " + name + ": the training run exited " + code
                        + "; java -jar starts it without one. Its output:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
                Files.deleteIfExists(archive);
                return 0;
            }
        } finally {
            delete(work);
        }
        StartupArchive.writeDescriptor(jar, archive, aot ? "-XX:AOTCache" : "-XX:SharedArchiveFile");
        System.out.println("nucleon: start-up archive " + archive.getFileName() + " (" + Files.size(archive) / 1024
                + " KiB) for " + name + ", used by java -jar on java " + System.getProperty("java.vm.version"));
        return 0;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The training run, in the JVM that records ({@link Main} calls it when {@link StartupArchive#PROPERTY} is
     * {@link StartupArchive#TRAINING}): 0 when the function started, answered and stopped.
     */
    static int train() {
        try {
            return trainOnce();
        } catch (Exception e) {
            System.err.println("the training run failed: " + Launcher.describe(e));
            return 1;
        }
    }

    private static int trainOnce() throws Exception {
        Launcher.configureLogging("text");
        FunctionSpec packaged = Main.packagedSpec(new ReadOptions(false, null, null, null, null, null, null, null));
        Map<String, TriggerSpec> http = new LinkedHashMap<>();
        for (TriggerSpec t : packaged.triggers().values()) {
            if (t.kind().equals("http")) {
                ObjectNode a = t.attributes().deepCopy();
                a.put("port", 0);
                if (packaged.nuclio()) {
                    a.put("url", "127.0.0.1:0");
                } else {
                    a.put("host", "127.0.0.1");
                }
                http.put(t.name(), t.withAttributes(a));
            }
        }
        ControlOptions control = new ControlOptions(true, "127.0.0.1", 0, null);
        if (http.isEmpty()) {
            // nothing to start without reaching out (brokers, schedules): the configuration's classes only
            new FunctionProcessor(packaged, null, control);
            return 0;
        }
        FunctionSpec spec = new FunctionSpec(
                packaged.name(),
                packaged.runtime(),
                packaged.handler(),
                packaged.env(),
                packaged.eventTimeout(),
                packaged.drainTimeout(),
                http,
                packaged.runtimeAttributes(),
                Map.of(),
                packaged.source(),
                packaged.nuclio(),
                packaged.warnings(),
                packaged.notApplied());
        FunctionProcessor processor = new FunctionProcessor(spec, null, control);
        processor.start();
        try {
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            InetSocketAddress controlAddress = processor.controlAddress();
            while (get(controlAddress, "/ready") != 200) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("the function was not ready within " + TIMEOUT_MS + " ms");
                    return 1;
                }
                Thread.sleep(10);
            }
            for (Map<String, Object> t : triggers(processor)) {
                Object address = t.get("address");
                if (address != null) {
                    String s = address.toString();
                    int colon = s.lastIndexOf(':');
                    get(new InetSocketAddress("127.0.0.1", Integer.parseInt(s.substring(colon + 1))), "/");
                }
            }
            get(controlAddress, "/metrics");
        } finally {
            processor.stop();
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> triggers(Processor processor) {
        Object list = processor.status().get("triggers");
        return list instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    /** The status code of a GET, or -1 when nothing answers. */
    private static int get(InetSocketAddress address, String path) {
        try (Socket s = new Socket()) {
            s.connect(address, 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes();
            String head = new String(all, 0, Math.min(all.length, 16), StandardCharsets.US_ASCII);
            return head.startsWith("HTTP/1.1 ") && head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
