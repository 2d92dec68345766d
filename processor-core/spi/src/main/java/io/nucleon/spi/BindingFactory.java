package io.nucleon.spi;

import io.nucleon.api.DataBinding;

/**
 * Creates data bindings of one kind ({@code spec.dataBindings.<name>.kind}, e.g. {@code kafka}).
 * Registered through {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.nucleon.spi.BindingFactory}.
 */
public interface BindingFactory {

    /** The kind, as written in {@code function.yaml}. */
    String kind();

    /**
     * Validates the binding's attributes and creates it; opens nothing (that is {@link DataBinding#open()}).
     *
     * @throws io.nucleon.api.FunctionConfigException when an attribute is wrong
     */
    DataBinding create(BindingContext context);
}
