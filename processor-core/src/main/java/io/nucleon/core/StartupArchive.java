package io.nucleon.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A function jar's class-data archive: made by the function's build next to the jar, used by a plain
 * {@code java -jar} (docs/startup.md).
 *
 * <p>On JDK 17 a JVM uses an application class-data archive only when its command line names it
 * ({@code -XX:SharedArchiveFile}; JDK 25's AOT cache likewise wants {@code -XX:AOTCache}), and a jar's manifest
 * cannot carry JVM flags. So {@link Main} starts the function in a second JVM, its own command line with the
 * archive's flag put in front, when the build left an archive made by this very JVM for this very jar
 * ({@code <jar name>.startup}, a properties file, names it); this JVM then only waits: it passes SIGTERM and
 * SIGINT on and exits with the function's exit code, and the function stops when this JVM is gone. That costs
 * a small JVM (about 40 MB RSS, a few tens of ms of CPU) and pays back several times over in start-up time and
 * CPU. Anything that makes the second JVM a poor copy of the first leaves the function in this JVM:
 * {@code NUCLEON_STARTUP_ARCHIVE=off} (or {@code -Dnucleon.startupArchive=off}), an agent or debugger on the
 * command line or in {@code JAVA_TOOL_OPTIONS}/{@code JDK_JAVA_OPTIONS}, an archive flag already given, no
 * descriptor, or one made by another JVM or for a jar of another size or date.
 */
final class StartupArchive {
    /** The descriptor's name: the jar's without {@code .jar}, and this suffix. */
    static final String DESCRIPTOR_SUFFIX = ".startup";
    /** {@code off} keeps the function in the JVM that {@code java -jar} started. */
    static final String ENV = "NUCLEON_STARTUP_ARCHIVE";
    /** The system property with {@link #ENV}'s meaning. */
    static final String PROPERTY = "nucleon.startupArchive";
    /** {@link #PROPERTY}'s value in the build's training run ({@link StartupTraining}). */
    static final String TRAINING = "training";
    /** Set on the second JVM's command line: the pid of the JVM that waits for it. */
    static final String PARENT_PROPERTY = "nucleon.launcher.pid";

    /** Descriptor keys. */
    static final String KEY_ARCHIVE = "archive";

    static final String KEY_OPTION = "option";
    static final String KEY_VM = "java.vm.version";
    static final String KEY_JAR_SIZE = "jar.size";
    static final String KEY_JAR_MODIFIED = "jar.lastModified";

    /** Command-line options that must not run twice, or that make the relaunch pointless. */
    private static final List<String> KEEP_IN_PROCESS = List.of(
            "-agentlib",
            "-agentpath",
            "-javaagent",
            "-Xrunjdwp",
            "-Xdebug",
            "-XX:SharedArchiveFile",
            "-XX:ArchiveClassesAtExit",
            "-XX:AOTCache",
            "-XX:AOTMode",
            "-XX:AOTConfiguration",
            "-XX:AOTCacheOutput",
            "-Xshare");

    private StartupArchive() {}

    /**
     * Runs the function in a second JVM with the jar's archive when one fits (see the class comment), and
     * returns its exit code; {@code -1} when it did not, and the caller runs the function itself.
     */
    static int relaunch() {
        List<String> command = command();
        if (command == null) {
            return -1;
        }
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (IOException e) {
            return -1; // the function starts here instead, as without an archive
        }
        // TERM and INT (a terminal's Ctrl-C also reaches the child, which stops once) both stop it gracefully.
        // A JVM still in its first moments ignores SIGTERM (its handlers are not set up yet), so the signal is
        // repeated each second until the child is gone; the child's own handler acts on the first only.
        Launcher.onStopSignal(() -> {
            try {
                do {
                    child.destroy();
                } while (!child.waitFor(1, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // keep waiting: the child's exit is this JVM's
            }
        }
    }

    /** The second JVM's command line, or {@code null} when the function should start in this JVM. */
    static List<String> command() {
        if (System.getProperty(PARENT_PROPERTY) != null) {
            return null; // this is the second JVM
        }
        ProcessHandle.Info self = ProcessHandle.current().info();
        Optional<String> java = self.command();
        Optional<String[]> args = self.arguments();
        if (java.isEmpty() || args.isEmpty()) {
            return null;
        }
        return command(
                jar(),
                System.getenv(),
                System.getProperty(PROPERTY),
                java.get(),
                List.of(args.get()),
                ProcessHandle.current().pid());
    }

    /**
     * The second JVM's command line for a JVM started as {@code java args...} from {@code jar}, or {@code null}
     * when the function should start in this JVM.
     *
     * @param jar      the jar the JVM runs ({@code java -jar}), or {@code null} when it is not run from one jar
     * @param env      the environment ({@link #ENV}, {@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS})
     * @param property {@link #PROPERTY}'s value, or {@code null}
     * @param java     the {@code java} executable
     * @param args     the JVM's command line after the executable, as given
     * @param pid      the JVM's process id, for the second JVM to watch
     */
    static List<String> command(
            Path jar, Map<String, String> env, String property, String java, List<String> args, long pid) {
        if (jar == null || isOff(env.get(ENV)) || isOff(property) || TRAINING.equals(property)) {
            return null;
        }
        Properties descriptor = descriptor(jar);
        if (descriptor == null) {
            return null;
        }
        Path archive = jar.resolveSibling(descriptor.getProperty(KEY_ARCHIVE, ""));
        String option = descriptor.getProperty(KEY_OPTION, "");
        if (!option.startsWith("-XX:") || !Files.isRegularFile(archive)) {
            return null;
        }
        for (String name : new String[] {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"}) {
            String v = env.get(name);
            if (v != null && keepInProcess(List.of(v.trim().split("\\s+")))) {
                return null;
            }
        }
        if (keepInProcess(args)) {
            return null;
        }
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add(option + "=" + archive);
        command.add("-D" + PARENT_PROPERTY + "=" + pid);
        command.addAll(args);
        return command;
    }

    /**
     * In the second JVM, runs {@code stop} (once) when the JVM that waits for it is gone (killed, say):
     * a daemon thread looks every 100 ms whether this process still has that JVM for its parent (a
     * process whose parent dies is given another), since the JDK's own notice of a process that is not
     * its child may take seconds. Does nothing in a JVM that {@code java -jar} started directly.
     */
    static void onLauncherExit(Runnable stop) {
        String property = System.getProperty(PARENT_PROPERTY);
        if (property == null) {
            return;
        }
        long launcher;
        try {
            launcher = Long.parseLong(property);
        } catch (NumberFormatException e) {
            return; // not ours to judge: someone set the property by hand
        }
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable stopOnce = () -> {
            if (once.compareAndSet(false, true)) {
                stop.run();
            }
        };
        Thread watch = new Thread(
                () -> {
                    try {
                        while (ProcessHandle.current()
                                .parent()
                                .map(p -> p.pid() == launcher && p.isAlive())
                                .orElse(false)) {
                            Thread.sleep(100);
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    stopOnce.run();
                },
                "nucleon-launcher-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /** The jar this JVM runs from, when it is one jar ({@code java -jar}); {@code null} otherwise. */
    private static Path jar() {
        String cp = System.getProperty("java.class.path", "");
        if (!cp.endsWith(".jar") || cp.contains(java.io.File.pathSeparator)) {
            return null;
        }
        Path jar = Path.of(cp).toAbsolutePath();
        return Files.isRegularFile(jar) ? jar : null;
    }

    /** The jar's descriptor when it was made by this JVM for this jar as it is now, else {@code null}. */
    private static Properties descriptor(Path jar) {
        Path file = descriptorOf(jar);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            boolean fits = System.getProperty("java.vm.version", "").equals(p.getProperty(KEY_VM))
                    && Long.toString(Files.size(jar)).equals(p.getProperty(KEY_JAR_SIZE))
                    && Long.toString(Files.getLastModifiedTime(jar).toMillis()).equals(p.getProperty(KEY_JAR_MODIFIED));
            return fits ? p : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code target/fn.jar} → {@code target/fn.startup}. */
    static Path descriptorOf(Path jar) {
        String name = jar.getFileName().toString();
        return jar.resolveSibling(name.substring(0, name.length() - ".jar".length()) + DESCRIPTOR_SUFFIX);
    }

    /** Writes the descriptor of {@code archive}, made with {@code option} by this JVM for {@code jar}. */
    static void writeDescriptor(Path jar, Path archive, String option) throws IOException {
        Properties p = new Properties();
        p.setProperty(KEY_ARCHIVE, archive.getFileName().toString());
        p.setProperty(KEY_OPTION, option);
        p.setProperty(KEY_VM, System.getProperty("java.vm.version", ""));
        p.setProperty(KEY_JAR_SIZE, Long.toString(Files.size(jar)));
        p.setProperty(
                KEY_JAR_MODIFIED, Long.toString(Files.getLastModifiedTime(jar).toMillis()));
        try (OutputStream out = Files.newOutputStream(descriptorOf(jar))) {
            p.store(
                    out,
                    "The class-data archive of " + jar.getFileName() + ", used by `java -jar` on this JVM only;"
                            + " docs/startup.md");
        }
    }

    private static boolean keepInProcess(List<String> args) {
        for (String a : args) {
            for (String prefix : KEEP_IN_PROCESS) {
                if (a.startsWith(prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isOff(String v) {
        return v != null && List.of("off", "false", "0", "no").contains(v.trim().toLowerCase(Locale.ROOT));
    }
}
