package io.nucleon.spi;

import io.micrometer.core.instrument.MeterRegistry;
import io.nucleon.api.FunctionConfigException;

/**
 * What a binding factory is told about the binding it creates. Thread-safe and immutable.
 */
public interface BindingContext {

    /** The function's name. */
    String functionName();

    /** The binding's name (its key under {@code spec.dataBindings}). */
    String name();

    /** The binding's kind. */
    String kind();

    /** The total number of workers of all triggers: an upper bound on threads using the binding at once. */
    int totalWorkers();

    /**
     * The binding's {@code attributes} bound to {@code type}, with the same rules as trigger attributes
     * (unknown attributes are an error; durations and sizes in their usual forms).
     */
    <T> T attributes(Class<T> type);

    /** A configuration error about one attribute, with its full path. */
    FunctionConfigException attributeError(String attribute, String message);

    /** The processor's meter registry; meters should carry {@code function} and {@code binding} tags. */
    MeterRegistry meterRegistry();
}
