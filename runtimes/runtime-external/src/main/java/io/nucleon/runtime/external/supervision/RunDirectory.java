package io.nucleon.runtime.external.supervision;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * A function's private run directory ({@code nucleon-<pid>-…}, mode 0700, under
 * {@code runtimeAttributes.runDirectory}): the wrappers' sockets, the wrapper script and, for code
 * packed in a jar, the unpacked code. Made once, at the first worker's start; deleted at close,
 * or by the next processor's {@link #create} when this one died without cleaning up.
 */
final class RunDirectory {
    /** sun_path holds 108 bytes with the terminator; keep room for the socket's name. */
    private static final int MAX_SOCKET_PATH = 100;

    private static final String PREFIX = "nucleon-";

    private final Path path;
    private final Path codeDirectory;
    private final Path wrapperScript;

    private RunDirectory(Path path, Path codeDirectory, Path wrapperScript) {
        this.path = path;
        this.codeDirectory = codeDirectory;
        this.wrapperScript = wrapperScript;
    }

    /**
     * Sweeps what dead processors left (run directories and shared-memory files), then makes the run
     * directory with the wrapper script and, for a packaged function, its unpacked code.
     */
    static RunDirectory create(WrapperSettings settings) throws IOException {
        sweepStale(List.of(settings.runBase(), settings.transport().shmDirectory()));
        Files.createDirectories(settings.runBase());
        Path dir = Files.createTempDirectory(
                settings.runBase(),
                PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (socketPath(dir, Long.MAX_VALUE).toString().length() > MAX_SOCKET_PATH) {
            deleteTree(dir);
            throw new IllegalStateException(
                    "the run directory " + dir + " makes socket paths longer than the " + MAX_SOCKET_PATH
                            + " bytes a Unix socket allows; set runtimeAttributes.runDirectory to a short path");
        }
        try {
            Path script = dir.resolve(settings.language().wrapperScript());
            try (InputStream in = RunDirectory.class
                    .getClassLoader()
                    .getResourceAsStream(Language.WRAPPERS + settings.language().wrapperScript())) {
                Files.copy(in, script);
            }
            Path code;
            if (settings.code() instanceof FunctionCode.OnDisk d) {
                code = d.directory();
            } else {
                FunctionCode.InJar jar = (FunctionCode.InJar) settings.code();
                code = dir.resolve("code");
                unpack(jar, code);
            }
            return new RunDirectory(dir, code, script);
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /** Where the wrapper with id {@code id} listens for its connection. */
    Path socketPath(long id) {
        return socketPath(path, id);
    }

    private static Path socketPath(Path dir, long id) {
        return dir.resolve("w" + id + ".sock");
    }

    /** The directory the wrappers run in, holding the function's code. */
    Path codeDirectory() {
        return codeDirectory;
    }

    Path wrapperScript() {
        return wrapperScript;
    }

    void delete() {
        deleteTree(path);
    }

    /** Unpacks the entries under {@code prefix/} of the jar holding the module into {@code target}. */
    private static void unpack(FunctionCode.InJar code, Path target) throws IOException {
        JarURLConnection conn = (JarURLConnection) code.module().openConnection();
        conn.setUseCaches(false);
        String start = code.prefix().isEmpty() ? "" : code.prefix() + "/";
        Files.createDirectories(target);
        try (JarFile jar = conn.getJarFile()) {
            for (Iterator<JarEntry> it = jar.entries().asIterator(); it.hasNext(); ) {
                JarEntry e = it.next();
                if (!e.getName().startsWith(start) || e.getName().length() == start.length()) {
                    continue;
                }
                Path out = target.resolve(e.getName().substring(start.length())).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("jar entry " + e.getName() + " points outside the code directory");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = jar.getInputStream(e)) {
                        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /** Removes run directories and shared-memory files left by processors that died without cleaning up. */
    private static void sweepStale(List<Path> dirs) {
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> {
                            String n = p.getFileName().toString();
                            if (!n.startsWith(PREFIX)) {
                                return false;
                            }
                            int dash = n.indexOf('-', PREFIX.length());
                            if (dash < 0) {
                                return false;
                            }
                            try {
                                long pid = Long.parseLong(n.substring(PREFIX.length(), dash));
                                return ProcessHandle.of(pid).isEmpty() && isMine(p);
                            } catch (NumberFormatException e) {
                                return false;
                            }
                        })
                        .forEach(RunDirectory::deleteTree);
            } catch (IOException | UncheckedIOException ignored) {
                // best effort
            }
        }
    }

    private static boolean isMine(Path p) {
        try {
            return Files.getOwner(p).getName().equals(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Deletes {@code dir} and everything in it, as far as it can. */
    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
