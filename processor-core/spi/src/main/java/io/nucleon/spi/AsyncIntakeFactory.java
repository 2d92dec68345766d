package io.nucleon.spi;

import java.util.ServiceLoader;

/**
 * Makes {@link AsyncIntake}s. Registered through {@link ServiceLoader} in
 * {@code META-INF/services/io.nucleon.spi.AsyncIntakeFactory}; provided by the module
 * {@value AsyncOptions#MODULE}, so that {@code nucleon-core} and the triggers need not depend on its
 * journal.
 */
public interface AsyncIntakeFactory {

    /**
     * Opens the journal and starts handing its entries to {@code dispatcher}. Does not fail when the
     * journal cannot be opened: the intake then answers async requests with 503 (and keeps trying).
     *
     * @param trigger    the trigger: its function, name and kind (for events, logs and meters) and the
     *                   processor's {@linkplain TriggerContext#meterRegistry() meter registry}
     * @param options    the validated options
     * @param dispatcher the trigger's dispatcher (its worker pool)
     */
    AsyncIntake open(TriggerContext trigger, AsyncOptions options, Dispatcher dispatcher);

    /** The first factory on the class path, or null when there is none. */
    static AsyncIntakeFactory find() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {cl, AsyncIntakeFactory.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            for (AsyncIntakeFactory f : ServiceLoader.load(AsyncIntakeFactory.class, loader)) {
                return f;
            }
        }
        return null;
    }
}
