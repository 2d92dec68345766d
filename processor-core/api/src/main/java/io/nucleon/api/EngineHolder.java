package io.nucleon.api;

import java.util.ServiceLoader;

/** Loads the {@link Engine} once, when it is first needed. */
final class EngineHolder {
    static final Engine ENGINE = load();

    private EngineHolder() {}

    private static Engine load() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, Engine.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            for (Engine e : ServiceLoader.load(Engine.class, loader)) {
                return e;
            }
        }
        throw new IllegalStateException("no Nucleon engine on the class path: add the dependency "
                + "io.nucleon:nucleon-core (it provides io.nucleon.api.Engine)");
    }
}
