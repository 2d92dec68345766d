package io.nucleon.spi;

/**
 * Creates triggers of one kind. Registered through {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.nucleon.spi.TriggerFactory}; the processor finds it by {@link #kind()}.
 */
public interface TriggerFactory {

    /** The kind this factory makes, as written in {@code spec.triggers.<name>.kind}, e.g. {@code http}. */
    String kind();

    /**
     * Creates a trigger and validates its attributes; opens nothing yet (that is {@link Trigger#start}).
     *
     * @throws io.nucleon.api.FunctionConfigException when the attributes are wrong
     */
    Trigger create(TriggerContext context);

    /**
     * How this kind reads Nuclio's attributes for a function in Nuclio's format (see
     * {@link NuclioAttributes}); by default they are taken as this kind's own names.
     */
    default NuclioAttributes nuclioAttributes() {
        return NuclioAttributes.SAME_NAMES;
    }
}
