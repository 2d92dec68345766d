package io.nucleon.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;

/**
 * A function's validated configuration, from {@code function.yaml} or the builder. Immutable.
 *
 * @param name         {@code metadata.name}
 * @param runtime      {@code spec.runtime} without a version suffix, e.g. {@code java}
 * @param handler      {@code spec.handler}; may be {@code null} when the builder was given a handler instance
 * @param env          {@code spec.env}, in order
 * @param eventTimeout {@code spec.eventTimeout}
 * @param drainTimeout {@code spec.drainTimeout}: how long a stop waits for in-flight events
 * @param triggers     {@code spec.triggers}, in order
 * @param runtimeAttributes {@code spec.runtimeAttributes}: settings of the runtime kind, never {@code null}
 * @param dataBindings {@code spec.dataBindings}, in order
 * @param source       where it was read from, to place later errors (attribute checks) at a line
 */
public record FunctionSpec(
        String name,
        String runtime,
        String handler,
        Map<String, String> env,
        Duration eventTimeout,
        Duration drainTimeout,
        Map<String, TriggerSpec> triggers,
        ObjectNode runtimeAttributes,
        Map<String, BindingSpec> dataBindings,
        SpecSource source) {

    /** Whether the function was read in Nuclio's format. Not implemented yet: always false. */
    public boolean nuclio() {
        return false;
    }

    /** What the reader warned about, in file order. Not implemented yet: always empty. */
    public java.util.List<io.nucleon.api.FunctionConfigException.ConfigProblem> warnings() {
        return java.util.List.of();
    }

    /** The paths of Nuclio's platform fields the file set, which a processor does not apply. Not implemented yet. */
    public java.util.List<String> notApplied() {
        return java.util.List.of();
    }

    /** Default of {@code spec.eventTimeout}. */
    public static final Duration DEFAULT_EVENT_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@code spec.drainTimeout}. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@code spec.runtime}. */
    public static final String DEFAULT_RUNTIME = "java";
}
