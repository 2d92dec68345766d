package io.nucleon.runner;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.core.ControlOptions;
import io.nucleon.core.FunctionProcessor;
import io.nucleon.core.Launcher.UsageException;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.FunctionSpecReader;
import io.nucleon.core.runtime.JavaRuntimeFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A function read from its directory or {@code function.yaml}, with the flags over it, and for a
 * {@code java} function its classes: the {@code --classpath}, else {@code runtimeAttributes.classpath},
 * else the directory's {@code .java} files compiled into a private directory (given to the reader as the
 * java runtime's {@code runtimeAttributes.classpath}). Makes the processors that run it (one per start under
 * {@code --watch}). Closing it deletes what it compiled.
 */
final class LoadedFunction implements AutoCloseable {
    private final FunctionSpec spec;
    private final Path directory;
    private final List<String> classpath;
    private final Path compiled;

    private LoadedFunction(FunctionSpec spec, Path directory, List<String> classpath, Path compiled) {
        this.spec = spec;
        this.directory = directory;
        this.classpath = classpath;
        this.compiled = compiled;
    }

    /** Where the function is: its directory, and its {@code function.yaml} when the location names the file. */
    record Location(Path directory, Path file) {
        static Location of(String given) {
            if (given == null) {
                throw new UsageException("the function's directory or function.yaml is needed");
            }
            Path p = Path.of(given);
            if (Files.isDirectory(p)) {
                return new Location(p.toAbsolutePath().normalize(), null);
            }
            if (Files.isRegularFile(p)) {
                Path parent = p.toAbsolutePath().normalize().getParent();
                return new Location(parent, p);
            }
            throw new UsageException(given + ": no such directory or file");
        }

        /** What to name in messages: the file as given, else the directory's {@code function.yaml} or the directory. */
        String name(String given) {
            if (file != null) {
                return given;
            }
            for (String name : List.of("function.yaml", "function.yml")) {
                if (Files.isRegularFile(directory.resolve(name))) {
                    return Path.of(given).resolve(name).toString();
                }
            }
            return given;
        }
    }

    /**
     * Reads the function, compiling its Java sources when it is a {@code java} function that has no class
     * path and has {@code .java} files.
     *
     * @throws FunctionConfigException every problem of the configuration
     * @throws JavaSources.CompileFailure the sources do not compile
     * @throws JavaSources.NoCompiler they need a compiler this Java does not have
     */
    static LoadedFunction load(FunctionFlags flags) throws JavaSources.CompileFailure, JavaSources.NoCompiler {
        Location at = Location.of(flags.location());
        FunctionSpec spec = read(at, flags, flags.classpath());
        List<String> classpath = new ArrayList<>(flags.classpath());
        if (classpath.isEmpty()) {
            classpath.addAll(specClasspath(spec, at.directory()));
        }
        Path compiled = null;
        if (JavaRuntimeFactory.KIND.equals(spec.runtime()) && classpath.isEmpty()) {
            List<Path> sources = JavaSources.find(at.directory());
            if (!sources.isEmpty()) {
                compiled = JavaSources.compile(at.directory(), sources, List.of());
                classpath.add(compiled.toString());
                try {
                    spec = read(at, flags, List.copyOf(classpath));
                } catch (RuntimeException e) {
                    JavaSources.delete(compiled);
                    throw e;
                }
            }
        }
        return new LoadedFunction(spec, at.directory(), List.copyOf(classpath), compiled);
    }

    private static FunctionSpec read(Location at, FunctionFlags flags, List<String> classpath) {
        var options = flags.options(at.directory(), classpath);
        return at.file() != null
                ? FunctionSpecReader.read(at.file(), options)
                : FunctionSpecReader.readDirectory(Path.of(flags.location()), options);
    }

    /**
     * {@code runtimeAttributes.classpath} of a java function (a list whose entries may join paths with
     * {@code :}, or one such string), relative to {@code dir}: to know whether to compile, and what to watch.
     */
    private static List<String> specClasspath(FunctionSpec spec, Path dir) {
        if (!JavaRuntimeFactory.KIND.equals(spec.runtime())) {
            return List.of();
        }
        JsonNode cp = spec.runtimeAttributes().get("classpath");
        List<String> entries = new ArrayList<>();
        if (cp != null && cp.isArray()) {
            cp.forEach(e -> entries.addAll(List.of(e.asText().split(File.pathSeparator))));
        } else if (cp != null && cp.isTextual()) {
            entries.addAll(List.of(cp.asText().split(File.pathSeparator)));
        }
        List<String> resolved = new ArrayList<>();
        for (String e : entries) {
            if (!e.isBlank()) {
                resolved.add(dir.resolve(e.trim()).normalize().toString());
            }
        }
        return resolved;
    }

    FunctionSpec spec() {
        return spec;
    }

    /** The function's directory. */
    Path directory() {
        return directory;
    }

    /** What {@code --watch} watches: the directory and the class path entries outside it (not what the runner compiled). */
    List<Path> watched() {
        List<Path> paths = new ArrayList<>(List.of(directory));
        for (String entry : classpath) {
            // "dir/*" (every jar in dir) is watched as the directory
            Path p = Path.of(entry.endsWith("/*") ? entry.substring(0, entry.length() - 2) : entry);
            if (!p.startsWith(directory) && (compiled == null || !p.equals(compiled))) {
                paths.add(p);
            }
        }
        return paths;
    }

    /**
     * A new processor for the function (constructed, not started). The java runtime loads the function's
     * classes from its {@code runtimeAttributes.classpath}, which the reader set from the class path found here.
     *
     * @throws FunctionConfigException every problem found while resolving its runtime and triggers
     */
    FunctionProcessor newProcessor(ControlOptions control) {
        return new FunctionProcessor(spec, null, control);
    }

    @Override
    public void close() {
        JavaSources.delete(compiled);
    }
}
