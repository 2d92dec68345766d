package io.nucleon.spi;

import io.nucleon.api.Handler;

/**
 * Lets the {@code java} runtime run handler classes written against another API than
 * {@link Handler}, such as Nuclio's Java SDK ({@code io.nuclio.EventHandler}). Registered through
 * {@link java.util.ServiceLoader} in {@code META-INF/services/io.nucleon.spi.HandlerAdapter}.
 *
 * <p>When the class named by {@code spec.handler} does not implement {@link Handler}, the runtime
 * asks each adapter in turn whether it {@link #accepts} the class; the first that does wraps one
 * instance of it per worker ({@link #adapt}), so a handler instance is never shared between
 * workers. The class is loaded, and must have a public no-argument constructor, before any adapter
 * is asked. An adapter is looked up through the class loader that loaded the handler, so an adapter
 * on the processor's class path serves handlers loaded from {@code runtimeAttributes.classpath}.
 *
 * <p>Implementations are stateless and thread-safe: one instance serves every function of the JVM.
 */
public interface HandlerAdapter {

    /**
     * The name of the type this adapter runs, as shown to a user in errors and in {@code /status},
     * e.g. {@code io.nuclio.EventHandler}.
     */
    String handlerType();

    /** Whether this adapter runs instances of {@code type}, a concrete class that does not implement {@link Handler}. */
    boolean accepts(Class<?> type);

    /**
     * Wraps {@code instance}, an instance of a class this adapter {@linkplain #accepts accepts}, as the
     * handler of one worker. Called on that worker's thread before its first event; the returned
     * handler's {@link Handler#init} and {@link Handler#close} hooks are run as any handler's.
     */
    Handler adapt(Object instance);
}
