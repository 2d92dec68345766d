package io.nucleon.runner;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The {@code .java} files of a function directory that has no class path, compiled in-process with
 * {@code javax.tools} against the runner's own class path (which holds Nucleon's API) into a private
 * temporary directory, from which the java runtime loads the handler.
 */
final class JavaSources {
    private JavaSources() {}

    /** The sources did not compile: each line is {@code file:line: message}, the file relative to the directory. */
    static final class CompileFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final List<String> errors;

        CompileFailure(List<String> errors) {
            super(String.join("\n", errors), null, false, false);
            this.errors = List.copyOf(errors);
        }

        List<String> errors() {
            return errors;
        }
    }

    /** This Java has no compiler (a JRE). */
    static final class NoCompiler extends Exception {
        private static final long serialVersionUID = 1L;

        NoCompiler() {
            super(
                    "the function's .java files need a compiler, and this Java (" + System.getProperty("java.home")
                            + ") has none: run nucleon.jar with a JDK's java, or compile the function and give its"
                            + " classes with --classpath",
                    null,
                    false,
                    false);
        }
    }

    /** The {@code .java} files under {@code dir}, in a stable order; hidden and tool directories are skipped. */
    static List<Path> find(Path dir) {
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return !d.equals(dir) && WatchedPaths.ignored(d)
                            ? FileVisitResult.SKIP_SUBTREE
                            : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()
                            && f.getFileName().toString().endsWith(".java")
                            && !WatchedPaths.ignored(f)) {
                        found.add(f);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        found.sort(Comparator.naturalOrder());
        return found;
    }

    /**
     * Compiles {@code sources} into a new directory readable by this user only.
     *
     * @param classpath more jars and directories to compile against, besides the runner's own class path
     * @return the directory with the classes; the caller deletes it ({@link #delete})
     */
    static Path compile(Path dir, List<Path> sources, List<String> classpath) throws CompileFailure, NoCompiler {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new NoCompiler();
        }
        Path out;
        try {
            out = Files.createTempDirectory(
                    "nucleon-classes-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            try {
                out = Files.createTempDirectory("nucleon-classes-");
            } catch (IOException io) {
                throw new UncheckedIOException("cannot make a directory for the compiled classes", io);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a directory for the compiled classes", e);
        }
        List<String> cp = new ArrayList<>(classpath);
        cp.add(System.getProperty("java.class.path"));
        List<String> options = List.of(
                "-d",
                out.toString(),
                "-classpath",
                String.join(File.pathSeparator, cp),
                "-encoding",
                "UTF-8",
                "-proc:none",
                "-implicit:none",
                "-g",
                "-nowarn");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        boolean ok;
        try (StandardJavaFileManager files =
                javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            StringWriter noise = new StringWriter(); // notes javac prints besides its diagnostics
            ok = javac.getTask(noise, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources))
                    .call();
        } catch (IOException e) {
            delete(out);
            throw new UncheckedIOException("cannot compile the function's .java files", e);
        }
        if (!ok) {
            delete(out);
            List<String> errors = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    errors.add(where(dir, d) + d.getMessage(Locale.ROOT).replace("\n", "\n    "));
                }
            }
            if (errors.isEmpty()) {
                errors.add("javac failed without an error message");
            }
            throw new CompileFailure(errors);
        }
        return out;
    }

    private static String where(Path dir, Diagnostic<? extends JavaFileObject> d) {
        if (d.getSource() == null) {
            return "";
        }
        Path file = Path.of(d.getSource().toUri());
        String name = file.startsWith(dir) ? dir.relativize(file).toString() : file.toString();
        return d.getLineNumber() > 0 ? name + ":" + d.getLineNumber() + ": " : name + ": ";
    }

    /** Deletes {@code dir} and what it holds, as far as it can. */
    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary directory is not worth failing for
        }
    }
}
