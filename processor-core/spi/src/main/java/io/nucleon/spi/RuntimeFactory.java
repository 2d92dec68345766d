package io.nucleon.spi;

/**
 * Creates runtimes of one kind ({@code spec.runtime}, e.g. {@code java}). Registered through
 * {@link java.util.ServiceLoader} in {@code META-INF/services/io.nucleon.spi.RuntimeFactory}.
 */
public interface RuntimeFactory {

    /** The kind, as written in {@code spec.runtime}; a version suffix ({@code python:3.11}) is stripped first. */
    String kind();

    /**
     * Creates the runtime and checks that the handler can be found; starts no worker yet.
     *
     * @throws io.nucleon.api.FunctionConfigException when the handler or runtime settings are wrong
     */
    FunctionRuntime create(RuntimeContext context);
}
