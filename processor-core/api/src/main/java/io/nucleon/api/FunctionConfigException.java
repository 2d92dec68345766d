package io.nucleon.api;

import java.util.List;

/**
 * A function's configuration is wrong: {@code function.yaml} or the builder. The message lists
 * every problem found, each with the file and line (when there is a file), the path of the field and
 * what is allowed, e.g.
 * {@code function.yaml:12: spec.triggers.web.numWorkers: must be an integer from 1 to 10000, got "many"}.
 */
public class FunctionConfigException extends RuntimeException {
    private final List<ConfigProblem> problems;

    /** The problems found, at least one; the message lists them all, one per line. */
    public FunctionConfigException(List<ConfigProblem> problems) {
        super(render(problems), null, false, false);
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a configuration error needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** A single problem at {@code path}. */
    public FunctionConfigException(String path, String message) {
        this(List.of(new ConfigProblem(null, 0, path, message)));
    }

    /** Every problem found, in the order of the file. */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String render(List<ConfigProblem> problems) {
        if (problems.size() == 1) {
            return problems.get(0).toString();
        }
        StringBuilder sb = new StringBuilder(problems.size() + " configuration problems:");
        for (ConfigProblem p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }

    /**
     * One problem: where it is and what is wrong.
     *
     * @param file    the file it was read from, or {@code null} for the builder
     * @param line    the line in that file, from 1, or 0 when unknown
     * @param path    the dotted path of the field, e.g. {@code spec.triggers.web.numWorkers}
     * @param message what is wrong and what is allowed
     */
    public record ConfigProblem(String file, int line, String path, String message) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (file != null) {
                sb.append(file);
                if (line > 0) {
                    sb.append(':').append(line);
                }
                sb.append(": ");
            }
            if (path != null && !path.isEmpty()) {
                sb.append(path).append(": ");
            }
            return sb.append(message).toString();
        }
    }
}
