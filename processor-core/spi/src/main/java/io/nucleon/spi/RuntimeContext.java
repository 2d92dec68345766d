package io.nucleon.spi;

import io.micrometer.core.instrument.MeterRegistry;
import io.nucleon.api.FunctionConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What a runtime factory is told about the function. Thread-safe and immutable.
 */
public interface RuntimeContext {

    /** The function's name. */
    String functionName();

    /** {@code spec.handler}: a class name for Java, {@code module:function} for others; may be {@code null}. */
    String handler();

    /** {@code spec.env}, in order. */
    Map<String, String> env();

    /** {@code spec.eventTimeout}. */
    Duration eventTimeout();

    /**
     * The directory of the {@code function.yaml} the function was read from, against which relative
     * paths in the runtime's attributes are resolved; {@code null} for a packaged or built-in-code
     * function.
     */
    Path baseDirectory();

    /**
     * {@code spec.runtimeAttributes} bound to {@code type}, with the same rules as trigger attributes
     * (unknown attributes are an error; durations and sizes in their usual forms).
     *
     * @throws FunctionConfigException naming the attribute's full path and what is allowed
     */
    <T> T attributes(Class<T> type);

    /** A configuration error about one runtime attribute, with its full path. */
    FunctionConfigException attributeError(String attribute, String message);

    /** The processor's meter registry (what {@code /metrics} shows); meters should carry a {@code function} tag. */
    MeterRegistry meterRegistry();

    /**
     * The function's data bindings, name to kind, in order ({@code spec.dataBindings} and those made in
     * code): what a runtime tells handlers of other languages they can call (see {@link CallableBinding}).
     * Empty by default.
     */
    default Map<String, String> dataBindings() {
        return Map.of();
    }
}
