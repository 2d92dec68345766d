package io.nucleon.core.config;

import io.nucleon.api.FunctionConfigException;
import java.util.List;

/**
 * The reader's failure: its problems, and what it had also found by then (warnings, Nuclio's platform
 * fields), so that {@code check} can print every problem and every warning of a file that does not read.
 */
public final class InvalidFunction extends FunctionConfigException {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> warnings;
    private final transient List<String> notApplied;

    InvalidFunction(List<ConfigProblem> problems, List<ConfigProblem> warnings, List<String> notApplied) {
        super(problems);
        this.warnings = List.copyOf(warnings);
        this.notApplied = List.copyOf(notApplied);
    }

    /** The warnings found before reading stopped, in file order. */
    public List<ConfigProblem> warnings() {
        return warnings;
    }

    /** Nuclio's platform fields the file sets, which a processor would not apply. */
    public List<String> notApplied() {
        return notApplied;
    }
}
