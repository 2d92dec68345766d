package io.nucleon.core.config;

import io.nucleon.api.FunctionConfigException.ConfigProblem;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a {@link FunctionSpec} came from: a file with the line of every field, the directory the
 * function lives in, and which fields command-line flags set over the file. Turns a field path into a
 * located {@link ConfigProblem}.
 */
public final class SpecSource {
    /** The source of a spec made in code. */
    public static final SpecSource BUILDER = new SpecSource(null, Map.of());

    private final String file;
    private final Map<String, Integer> lines;
    private final Path baseDirectory;
    private final Map<String, String> flags;

    SpecSource(String file, Map<String, Integer> lines) {
        this(file, lines, null, Map.of());
    }

    SpecSource(String file, Map<String, Integer> lines, Path baseDirectory, Map<String, String> flags) {
        this.file = file;
        this.lines = lines;
        this.baseDirectory = baseDirectory;
        this.flags = flags;
    }

    /** The file name as given, or {@code null} for the builder and for a function given by flags alone. */
    public String file() {
        return file;
    }

    /**
     * The function's directory, against which relative paths (code, journal) resolve: the directory given
     * to the reader, else the file's; {@code null} for the builder.
     */
    public Path baseDirectory() {
        return baseDirectory;
    }

    /** The same source with the flags that set {@code path}s over the file ({@code spec.handler -> --handler}). */
    SpecSource withFlags(Map<String, String> byPath) {
        return new SpecSource(file, lines, baseDirectory, Map.copyOf(byPath));
    }

    /**
     * A problem at {@code path}, placed at the field's line, or its closest parent's when the field is missing.
     * A field a flag set is named with its flag, since the file does not hold the bad value.
     */
    public ConfigProblem problem(String path, String message) {
        String flag = flagOf(path);
        if (flag != null) {
            return new ConfigProblem(file, 0, path, message + " (given with " + flag + ")");
        }
        return new ConfigProblem(file, lineOf(path), path, message);
    }

    private String flagOf(String path) {
        for (Map.Entry<String, String> f : flags.entrySet()) {
            String p = f.getKey();
            if (path.equals(p) || path.startsWith(p + ".") || path.startsWith(p + "[")) {
                return f.getValue();
            }
        }
        return null;
    }

    int lineOf(String path) {
        String p = path;
        while (true) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0) {
                return lines.getOrDefault("", 0);
            }
            p = p.substring(0, cut);
        }
    }
}
