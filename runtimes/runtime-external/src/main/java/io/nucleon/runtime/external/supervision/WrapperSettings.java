package io.nucleon.runtime.external.supervision;

import io.nucleon.runtime.external.transport.TransportSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the runtime needs to start, talk to and supervise a function's wrappers, read once from
 * {@code spec.handler}, {@code spec.env} and {@code spec.runtimeAttributes} and checked when the
 * function is built. Immutable; handed to every worker and wrapper, which never look at the raw
 * attributes themselves.
 *
 * @param language             python or nodejs
 * @param functionName         {@code metadata.name}
 * @param handler              {@code spec.handler}, {@code module:function}
 * @param interpreter          the interpreter's path (found on {@code PATH} when given as a name)
 * @param interpreterArgs      arguments put before the wrapper script
 * @param code                 where the function's code is
 * @param runBase              where the private run directory is made
 * @param functionEnv          {@code spec.env}, in order
 * @param environment          what the wrappers inherit of the processor's environment
 * @param decodeJsonBody       python: a JSON body reaches the handler decoded
 * @param transport            how the wrappers are connected
 * @param startTimeout         from start to the wrapper's HELLO
 * @param stopTimeout          from STOP to the wrapper's exit, before it is signalled
 * @param restartDelay         the first pause before restarting a wrapper that keeps failing
 * @param maxRestartDelay      the longest such pause
 * @param maxLogLinesPerSecond a wrapper's log budget: lines a second on average
 * @param logLineBurst         a wrapper's log budget: lines at once after a quiet spell
 * @param eventTimeout         {@code spec.eventTimeout}: the longest a binding call waits (zero: no bound of its own)
 * @param dataBindings         the function's data bindings, name to kind ({@code NUCLEON_DATA_BINDINGS})
 */
public record WrapperSettings(
        Language language,
        String functionName,
        String handler,
        String interpreter,
        List<String> interpreterArgs,
        FunctionCode code,
        Path runBase,
        Map<String, String> functionEnv,
        WrapperEnvironment environment,
        boolean decodeJsonBody,
        TransportSettings transport,
        Duration startTimeout,
        Duration stopTimeout,
        Duration restartDelay,
        Duration maxRestartDelay,
        int maxLogLinesPerSecond,
        int logLineBurst,
        Duration eventTimeout,
        Map<String, String> dataBindings) {
    /** Copies the lists and maps (the settings never change) and checks what the reader already checked. */
    public WrapperSettings {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(interpreter, "interpreter");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(runBase, "runBase");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(transport, "transport");
        interpreterArgs = List.copyOf(interpreterArgs);
        functionEnv = Collections.unmodifiableMap(new LinkedHashMap<>(functionEnv));
        Objects.requireNonNull(eventTimeout, "eventTimeout");
        dataBindings = Collections.unmodifiableMap(new LinkedHashMap<>(dataBindings));
        for (Duration d : List.of(startTimeout, stopTimeout, restartDelay, maxRestartDelay)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts and delays must be positive, got " + d);
            }
        }
        if (maxLogLinesPerSecond < 1 || logLineBurst < 1) {
            throw new IllegalArgumentException("the log budget must be at least 1 line a second and 1 line at once");
        }
    }

    /** {@code python} or {@code nodejs}. */
    public String kind() {
        return language.kind();
    }
}
