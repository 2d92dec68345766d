package io.nucleon.spi;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Collects what is wrong with a trigger's, runtime's or binding's attributes, so that a user sees
 * every problem at once instead of one per start:
 *
 * <pre>{@code
 * AttributeProblems problems = AttributeProblems.of(context::attributeError);
 * problems.check(c.port >= 0 && c.port <= 65535, "port", "must be from 0 to 65535, got " + c.port);
 * if (c.tls != null) {
 *     problems.addAll(tlsProblems(c.tls));           // a nested block's own problems
 * }
 * problems.throwIfAny();                              // one FunctionConfigException listing them all
 * }</pre>
 *
 * Each problem is placed by the function given to {@link #of} ({@code context::attributeError} adds
 * the attribute's full path, file and line). A check whose meaning depends on an earlier one (a key
 * that must match a certificate that could not be read) should be skipped when the earlier one
 * failed: {@link #check} returns whether its condition held. Not thread-safe; one per validation.
 */
public final class AttributeProblems {
    private final BiFunction<String, String, FunctionConfigException> locate;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private AttributeProblems(BiFunction<String, String, FunctionConfigException> locate) {
        this.locate = locate;
    }

    /** Problems placed by {@code locate}, usually {@code context::attributeError}. */
    public static AttributeProblems of(BiFunction<String, String, FunctionConfigException> locate) {
        return new AttributeProblems(locate);
    }

    /** Problems placed at {@code pathPrefix + attribute}, for objects made in code (no file, no line). */
    public static AttributeProblems at(String pathPrefix) {
        return new AttributeProblems(
                (attribute, message) -> new FunctionConfigException(pathPrefix + attribute, message));
    }

    /** Adds a problem with {@code attribute} (a name or a dotted path below the attributes, e.g. {@code tls.keyFile}). */
    public AttributeProblems add(String attribute, String message) {
        problems.addAll(locate.apply(attribute, message).problems());
        return this;
    }

    /** Adds the problem unless {@code ok}; returns {@code ok}, so that checks depending on this one can be skipped. */
    public boolean check(boolean ok, String attribute, String message) {
        if (!ok) {
            add(attribute, message);
        }
        return ok;
    }

    /** Adds the problems of an exception a nested check threw (already placed). */
    public AttributeProblems addAll(FunctionConfigException e) {
        problems.addAll(e.problems());
        return this;
    }

    /** Whether no problem was found so far. */
    public boolean isEmpty() {
        return problems.isEmpty();
    }

    /**
     * Throws one exception listing every problem found, when there is any.
     *
     * @throws FunctionConfigException with all the problems, in the order they were found
     */
    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new FunctionConfigException(new ArrayList<>(problems));
        }
    }
}
