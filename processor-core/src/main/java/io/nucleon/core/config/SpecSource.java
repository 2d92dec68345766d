package io.nucleon.core.config;

import io.nucleon.api.FunctionConfigException.ConfigProblem;
import java.util.Map;

/**
 * Where a {@link FunctionSpec} came from: a file with the line of every field, or the builder.
 * Turns a field path into a located {@link ConfigProblem}.
 */
public final class SpecSource {
    /** The source of a spec made in code. */
    public static final SpecSource BUILDER = new SpecSource(null, Map.of());

    private final String file;
    private final Map<String, Integer> lines;

    SpecSource(String file, Map<String, Integer> lines) {
        this.file = file;
        this.lines = lines;
    }

    /** The file name as given, or {@code null} for the builder. */
    public String file() {
        return file;
    }

    /** A problem at {@code path}, placed at the field's line, or its closest parent's when the field is missing. */
    public ConfigProblem problem(String path, String message) {
        return new ConfigProblem(file, lineOf(path), path, message);
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
