package io.nucleon.core.testing;

import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real, in-process trigger kind for core tests: {@code direct}. Events are dispatched by the
 * test itself through {@link #dispatcher(String)}; its one attribute, {@code ready}, is checked like
 * any trigger's.
 */
public final class DirectTriggerFactory implements TriggerFactory {
    private static final Map<String, Dispatcher> DISPATCHERS = new ConcurrentHashMap<>();

    /** The attributes of a direct trigger. */
    public static final class Config {
        public boolean ready = true;
    }

    /** The dispatcher of the started direct trigger called {@code name}. */
    public static Dispatcher dispatcher(String name) {
        return DISPATCHERS.get(name);
    }

    @Override
    public String kind() {
        return "direct";
    }

    @Override
    public Trigger create(TriggerContext context) {
        Config config = context.attributes(Config.class);
        return new Trigger() {
            private volatile boolean started;

            @Override
            public void start(Dispatcher dispatcher) {
                DISPATCHERS.put(context.name(), dispatcher);
                started = true;
            }

            @Override
            public boolean isReady() {
                return started && config.ready;
            }

            @Override
            public void stopAccepting() {
                started = false;
            }

            @Override
            public void close() {
                DISPATCHERS.remove(context.name());
            }
        };
    }
}
