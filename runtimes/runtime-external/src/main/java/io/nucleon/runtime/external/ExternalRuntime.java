package io.nucleon.runtime.external;

import io.nucleon.api.Context;
import io.nucleon.runtime.external.supervision.Language;
import io.nucleon.runtime.external.supervision.UntrustedText;
import io.nucleon.runtime.external.supervision.WrapperEnvironment;
import io.nucleon.runtime.external.supervision.WrapperLauncher;
import io.nucleon.runtime.external.supervision.WrapperMetrics;
import io.nucleon.runtime.external.supervision.WrapperSettings;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.WorkerRuntime;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code python} and {@code nodejs} runtimes: one supervised wrapper process per worker. Reads
 * and checks its {@link WrapperSettings} when created; at the first worker's start it prepares the
 * {@link WrapperLauncher} (a private run directory, mode 0700, for the sockets, the wrapper script
 * and, for a packaged function, the unpacked code).
 */
final class ExternalRuntime implements FunctionRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalRuntime.class);

    private final WrapperSettings settings;
    private final WrapperMetrics metrics;
    private final Map<ExternalWorker, Boolean> workers = new ConcurrentHashMap<>();

    private WrapperLauncher launcher;
    private boolean closed;

    ExternalRuntime(Language language, RuntimeContext context) {
        this.settings = WrapperSettingsReader.read(language, context);
        this.metrics = new WrapperMetrics(
                context.meterRegistry(),
                settings,
                () -> workers.keySet().stream().filter(ExternalWorker::running).count());
    }

    @Override
    public WorkerRuntime startWorker(Context context) throws Exception {
        ExternalWorker w;
        try {
            w = new ExternalWorker(settings, launcher(), metrics, context, workers::remove);
        } catch (WrapperLauncher.StartFailure e) {
            throw new IllegalStateException(e.getMessage(), null);
        }
        workers.put(w, Boolean.TRUE);
        return w;
    }

    /** The launcher, prepared at the first worker's start. */
    private synchronized WrapperLauncher launcher() throws IOException {
        if (closed) {
            throw new IllegalStateException("the runtime is closed");
        }
        if (launcher == null) {
            launcher = WrapperLauncher.prepare(settings, metrics);
            logEnvironment();
        }
        return launcher;
    }

    /** Says once which of the processor's variables the wrappers inherit and how many they do not; never a value. */
    private void logEnvironment() {
        WrapperEnvironment env = settings.environment();
        String kind = settings.kind();
        if (env.inheritsAll()) {
            LOG.atInfo()
                    .addKeyValue("function", settings.functionName())
                    .log("the " + kind + " wrappers inherit the"
                            + " processor's whole environment ("
                            + env.inherited().size() + " variables; runtimeAttributes.inheritEnv"
                            + " is true)");
            return;
        }
        int withheld = env.withheldNames().size();
        LOG.atInfo()
                .addKeyValue("function", settings.functionName())
                .log("the " + kind + " wrappers inherit "
                        + env.inherited().size() + " of the processor's environment variables ("
                        + String.join(", ", env.inherited().keySet()) + ") and spec.env; " + withheld
                        + " are withheld (runtimeAttributes.inheritEnvNames"
                        + " passes more)");
        if (LOG.isDebugEnabled() && withheld > 0) {
            LOG.atDebug()
                    .addKeyValue("function", settings.functionName())
                    .log("environment variables withheld from the " + kind + " wrappers: "
                            + String.join(
                                    ", ",
                                    env.withheldNames().stream()
                                            .map(UntrustedText::oneLine)
                                            .toList()));
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", settings.kind());
        m.put("interpreter", settings.interpreter());
        m.put("handler", settings.handler());
        m.put("transport", settings.transport().name());
        long total = 0;
        List<Map<String, Object>> list = new ArrayList<>();
        List<ExternalWorker> sorted = new ArrayList<>(workers.keySet());
        sorted.sort(Comparator.comparing(ExternalWorker::key));
        for (ExternalWorker w : sorted) {
            list.add(w.status());
            total += w.restarts();
        }
        m.put("restarts", total);
        m.put("wrappers", list);
        return m;
    }

    @Override
    public void close() {
        WrapperLauncher l;
        synchronized (this) {
            closed = true;
            l = launcher;
        }
        for (ExternalWorker w : workers.keySet()) {
            w.killIfRunning(); // workers abandoned by a timeout, or never closed
        }
        workers.clear();
        if (l != null) {
            l.close();
        }
    }
}
