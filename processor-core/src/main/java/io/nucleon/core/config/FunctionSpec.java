package io.nucleon.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A function's validated configuration, from {@code function.yaml}, flags, or the builder. Immutable.
 *
 * @param name         {@code metadata.name}, or the default name (the function's directory's)
 * @param runtime      {@code spec.runtime} without a version suffix, e.g. {@code java}
 * @param handler      {@code spec.handler}; may be {@code null} when the builder was given a handler instance
 * @param env          {@code spec.env}, in order
 * @param eventTimeout {@code spec.eventTimeout}
 * @param drainTimeout {@code spec.drainTimeout}: how long a stop waits for in-flight events
 * @param triggers     {@code spec.triggers}, in order, with the default HTTP trigger when one was added
 * @param runtimeAttributes {@code spec.runtimeAttributes}: settings of the runtime kind, never {@code null}
 * @param dataBindings {@code spec.dataBindings}, in order
 * @param source       where it was read from, to place later errors (attribute checks) at a line
 * @param nuclio       whether it was read in Nuclio's format ({@code apiVersion: nuclio.io/...},
 *                     {@code kind: NuclioFunction}, {@link ReadOptions#nuclio()}, or a directory run by flags):
 *                     keys Nuclio ignores were warnings, and trigger attributes are read in Nuclio's names
 * @param warnings     what the reader warned about, in file order
 * @param notApplied   the paths of the fields the file set that a processor accepts but does not apply
 *                     (Nuclio's platform settings such as {@code spec.minReplicas}), in file order
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
        SpecSource source,
        boolean nuclio,
        List<ConfigProblem> warnings,
        List<String> notApplied) {

    public FunctionSpec {
        warnings = List.copyOf(warnings);
        notApplied = List.copyOf(notApplied);
    }

    /** Default of {@code spec.eventTimeout}. */
    public static final Duration DEFAULT_EVENT_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@code spec.drainTimeout}. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** Default of {@code spec.runtime}. */
    public static final String DEFAULT_RUNTIME = "java";
    /** The name of the HTTP trigger added when a function has none, as Nuclio names it. */
    public static final String DEFAULT_HTTP_TRIGGER = "default-http";
    /** The port of the default HTTP trigger, as in Nuclio. */
    public static final int DEFAULT_HTTP_PORT = 8080;
}
