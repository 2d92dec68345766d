package io.nucleon.trigger.http.async;

import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.TriggerContext;
import java.util.ServiceLoader;

/**
 * Makes {@link AsyncIntake}s: the http trigger's extension point for its async calls. Registered
 * through {@link ServiceLoader} in
 * {@code META-INF/services/io.nucleon.trigger.http.async.AsyncIntakeFactory}; provided by the module
 * {@value AsyncOptions#MODULE}, so that the http trigger need not depend on its journal, and the
 * engine and the SPI know nothing of async calls.
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
