package io.nucleon.benchmarks;

import io.nucleon.api.Context;
import io.nucleon.api.Logger;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link Context} for the baselines that have no Nucleon worker to provide one. The benchmark
 * handler never reads its context, so this only has to exist: one instance per consumer thread,
 * as Nucleon has one per worker.
 */
final class BenchContext implements Context {
    private static final Logger SILENT = new Logger() {
        @Override
        public void debug(String message, Object... keyValues) {}

        @Override
        public void info(String message, Object... keyValues) {}

        @Override
        public void warn(String message, Object... keyValues) {}

        @Override
        public void error(String message, Object... keyValues) {}

        @Override
        public boolean isDebugEnabled() {
            return false;
        }
    };

    private final Map<String, Object> userData = new HashMap<>();

    @Override
    public Logger logger() {
        return SILENT;
    }

    @Override
    public String functionName() {
        return "bench";
    }

    @Override
    public int workerId() {
        return 0;
    }

    @Override
    public String triggerKind() {
        return "direct";
    }

    @Override
    public String triggerName() {
        return "direct";
    }

    @Override
    public Map<String, Object> userData() {
        return userData;
    }

    @Override
    public String env(String name) {
        return null;
    }

    @Override
    public <T> T binding(String name, Class<T> type) {
        throw new IllegalArgumentException("the benchmark context has no data bindings");
    }
}
