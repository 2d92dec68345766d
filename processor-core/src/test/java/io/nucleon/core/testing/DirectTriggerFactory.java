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
 *
 * <p>The engine makes the trigger (through ServiceLoader), so the test finds its dispatcher by the
 * trigger's name in a registry that holds the running direct triggers only: a trigger is in it from
 * its start to its close. Two running at once under one name would cross two tests' events, so the
 * second fails to start, naming the cause (a processor of an earlier test was not stopped).
 */
public final class DirectTriggerFactory implements TriggerFactory {
    private static final Map<String, Dispatcher> RUNNING = new ConcurrentHashMap<>();

    /** The attributes of a direct trigger. */
    public static final class Config {
        public boolean ready = true;
    }

    /** The dispatcher of the running direct trigger called {@code name}. */
    public static Dispatcher dispatcher(String name) {
        Dispatcher d = RUNNING.get(name);
        if (d == null) {
            throw new IllegalStateException("no direct trigger named '" + name + "' is running");
        }
        return d;
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
            private volatile Dispatcher registered;

            @Override
            public void start(Dispatcher dispatcher) {
                if (RUNNING.putIfAbsent(context.name(), dispatcher) != null) {
                    throw new IllegalStateException("a direct trigger named '" + context.name()
                            + "' is already running:" + " a processor of an earlier test was not stopped");
                }
                registered = dispatcher;
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
                Dispatcher d = registered;
                if (d != null) {
                    RUNNING.remove(context.name(), d);
                }
            }
        };
    }
}
