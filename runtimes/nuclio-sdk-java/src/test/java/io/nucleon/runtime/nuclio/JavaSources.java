package io.nucleon.runtime.nuclio;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Compiles Java sources in a test, as a user would build a handler outside the processor's class path. */
final class JavaSources {
    private JavaSources() {}

    /**
     * Compiles {@code sources} (binary class name → source text) into {@code out}, against the
     * directories or jars that hold {@code classpathOf} classes.
     */
    static Path compile(Path out, Map<String, String> sources, Class<?>... classpathOf) throws IOException {
        return compile(
                out,
                sources,
                Stream.of(classpathOf).map(JavaSources::locationOf).toList());
    }

    /**
     * Compiles {@code sources} (binary class name → source text) into {@code out}, against {@code classpath},
     * with the JDK's javac (through {@link ToolProvider}, which needs no module of its own).
     */
    static Path compile(Path out, Map<String, String> sources, List<Path> classpath) throws IOException {
        Path src = out.resolveSibling(out.getFileName() + "-sources"); // beside the classes, not in them
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--release", "17", "-proc:none"));
        if (!classpath.isEmpty()) {
            args.addAll(List.of(
                    "-classpath",
                    classpath.stream().map(Path::toString).distinct().collect(Collectors.joining(File.pathSeparator))));
        }
        for (Map.Entry<String, String> s : sources.entrySet()) {
            Path file = src.resolve(s.getKey().replace('.', File.separatorChar) + ".java");
            Files.createDirectories(file.getParent());
            args.add(Files.writeString(file, s.getValue()).toString());
        }
        Files.createDirectories(out);
        StringWriter errors = new StringWriter();
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(() -> new IllegalStateException("no javac"));
        int exit = javac.run(new PrintWriter(errors), new PrintWriter(errors), args.toArray(String[]::new));
        if (exit != 0) {
            throw new IllegalStateException("compiling " + sources.keySet() + " failed:\n" + errors);
        }
        return out;
    }

    /** The directory or jar a class was loaded from. */
    static Path locationOf(Class<?> type) {
        try {
            return Path.of(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A jar at {@code jar} holding every file under {@code classes}. */
    static Path jar(Path classes, Path jar) throws IOException {
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file);
                Stream<Path> all = Files.walk(classes)) {
            for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }
}
