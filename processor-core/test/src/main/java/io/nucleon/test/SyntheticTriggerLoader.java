package io.nucleon.test;

import io.nucleon.spi.TriggerFactory;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * The context class loader a {@link TestFunction} builds its processor under. The engine finds trigger
 * factories through the thread's context class loader and keeps the first factory of each kind: this
 * loader lists the kit's {@link SyntheticTriggerFactory synthetic factories} ahead of the real ones, so a
 * function's http, kafka, rabbitmq, cron and kickstart triggers become synthetic ones, while every other
 * class, resource and service (runtimes, bindings, triggers of other kinds) comes from the loader it
 * wraps, unchanged. It also carries the function's {@link SyntheticTriggers}, which the synthetic
 * factories add their triggers to: no state is shared between two test functions.
 */
final class SyntheticTriggerLoader extends ClassLoader {
    private static final String TRIGGER_SERVICES = "META-INF/services/" + TriggerFactory.class.getName();
    /** The kit's factories, one per kind; outside META-INF/services, so that only this loader offers them. */
    private static final String SYNTHETIC_FACTORIES = "io/nucleon/test/synthetic-trigger-factories";

    private final SyntheticTriggers triggers;

    private SyntheticTriggerLoader(ClassLoader parent, SyntheticTriggers triggers) {
        super("nucleon-test-triggers", parent);
        this.triggers = triggers;
    }

    /**
     * Runs {@code action} (the builder's {@code build()}) with this loader as the thread's context
     * class loader, so that the triggers it creates are added to {@code triggers}.
     */
    static <T> T buildWith(SyntheticTriggers triggers, Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        ClassLoader parent = previous != null ? previous : SyntheticTriggerLoader.class.getClassLoader();
        thread.setContextClassLoader(new SyntheticTriggerLoader(parent, triggers));
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The loader the current build runs under; for the synthetic factories. */
    static SyntheticTriggerLoader current(String kind) {
        if (Thread.currentThread().getContextClassLoader() instanceof SyntheticTriggerLoader loader) {
            return loader;
        }
        throw new IllegalStateException("the test kit's '" + kind + "' trigger factory is used only by "
                + "io.nucleon.test.TestFunction; it is not registered as a service for a real processor");
    }

    SyntheticTriggers triggers() {
        return triggers;
    }

    /** The real factory of {@code kind}, as the processor would find it without the kit, or {@code null}. */
    TriggerFactory realFactory(String kind) {
        for (TriggerFactory f : ServiceLoader.load(TriggerFactory.class, getParent())) {
            if (f.kind().equals(kind)) {
                return f;
            }
        }
        return null;
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (!TRIGGER_SERVICES.equals(name)) {
            return super.getResources(name);
        }
        List<URL> all = new ArrayList<>();
        URL synthetic = SyntheticTriggerLoader.class.getClassLoader().getResource(SYNTHETIC_FACTORIES);
        if (synthetic == null) {
            throw new IOException(SYNTHETIC_FACTORIES + " is missing from the nucleon-test jar");
        }
        all.add(synthetic);
        all.addAll(Collections.list(super.getResources(name)));
        return Collections.enumeration(all);
    }
}
