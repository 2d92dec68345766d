package io.nucleon.spi;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Turns a list of attribute problems (pairs of attribute name and message, as a trigger's or
 * binding's own checks produce them) into one {@link FunctionConfigException} listing them all.
 */
public final class AttributeProblems {

    private AttributeProblems() {
    }

    /**
     * Throws when {@code problems} is not empty, each problem placed by {@code locate} (for example
     * {@code context::attributeError}, which adds the attribute's full path and line).
     *
     * @param problems pairs of {@code {attribute, message}}
     */
    public static void throwIfAny(List<String[]> problems, BiFunction<String, String, FunctionConfigException> locate) {
        if (problems.isEmpty()) {
            return;
        }
        List<ConfigProblem> all = new ArrayList<>();
        for (String[] p : problems) {
            all.addAll(locate.apply(p[0], p[1]).problems());
        }
        throw new FunctionConfigException(all);
    }

    /** Throws when {@code problems} is not empty, each placed at {@code pathPrefix + attribute} (for objects made in code). */
    public static void throwIfAny(List<String[]> problems, String pathPrefix) {
        throwIfAny(problems, (attribute, message) -> new FunctionConfigException(pathPrefix + attribute, message));
    }
}
