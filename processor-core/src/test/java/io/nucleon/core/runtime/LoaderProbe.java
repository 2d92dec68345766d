package io.nucleon.core.runtime;

import java.util.concurrent.atomic.AtomicReference;

/** On the processor's class path: a handler loaded from a jar leaves its class loader here for the test. */
public final class LoaderProbe {
    public static final AtomicReference<ClassLoader> LAST = new AtomicReference<>();

    private LoaderProbe() {}
}
