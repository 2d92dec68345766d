package io.nucleon.core.testing;

import io.nucleon.api.DataBinding;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code memory} binding kind, for tests: a map shared by the workers, with its opens and closes
 * counted in the test's {@link Tally} when the {@code tally} attribute names one.
 */
public final class MemoryBindingFactory implements BindingFactory {

    /** Attributes of the memory binding. */
    public static final class Config {
        public String prefix = "";
        public boolean failOpen;
        /** The id of the test's {@link Tally} that counts {@code opens} and {@code closes}; none by default. */
        public String tally;
    }

    /** The binding a handler gets. */
    public static final class MemoryBinding implements DataBinding {
        private final String name;
        private final Config config;
        public final Map<String, String> values = new ConcurrentHashMap<>();
        private volatile boolean open;

        MemoryBinding(String name, Config config) {
            this.name = name;
            this.config = config;
        }

        public void put(String key, String value) {
            if (!open) {
                throw new IllegalStateException("binding used while not open");
            }
            values.put(config.prefix + key, value);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "memory";
        }

        @Override
        public void open() {
            if (config.failOpen) {
                throw new IllegalStateException("cannot reach the memory server");
            }
            count("opens");
            open = true;
        }

        @Override
        public boolean isReady() {
            return open;
        }

        @Override
        public Map<String, Object> status() {
            return Map.of("entries", values.size());
        }

        @Override
        public void close() {
            open = false;
            count("closes");
        }

        private void count(String what) {
            if (config.tally != null) {
                Tally.of(config.tally).add(what);
            }
        }
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public DataBinding create(BindingContext context) {
        Config c = context.attributes(Config.class);
        if (c.prefix.contains(" ")) {
            throw context.attributeError("prefix", "must not contain spaces");
        }
        return new MemoryBinding(context.name(), c);
    }
}
