package io.nucleon.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.core.config.BindingSpec;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.NuclioFormat;
import io.nucleon.core.config.TriggerSpec;
import io.nucleon.core.control.AdminEndpoints;
import io.nucleon.core.control.ControlServer;
import io.nucleon.core.metrics.EventDurationCollector;
import io.nucleon.core.metrics.TriggerMetrics;
import io.nucleon.core.runtime.JavaRuntime;
import io.nucleon.core.worker.PoolSettings;
import io.nucleon.core.worker.TimeoutWatchdog;
import io.nucleon.core.worker.WorkerPool;
import io.nucleon.spi.BindingFactory;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.RuntimeFactory;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor of one function: its runtime, its triggers each with a {@link WorkerPool}, the
 * timeout watchdog and the control server. Made by {@link Processor.Builder}.
 *
 * <p>Construction resolves everything by kind through {@link ServiceLoader} and validates the
 * triggers' attributes, so a bad configuration fails before anything is opened. {@link #start()}
 * opens the control server, starts each pool (running the handlers' init hooks) and then each
 * trigger. {@link #stop(Duration)} reverses that, draining in-flight events first.
 */
public final class FunctionProcessor implements Processor {
    private static final Logger LOG = LoggerFactory.getLogger(FunctionProcessor.class);
    private static final Duration INIT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

    private enum State {
        CREATED,
        STARTING,
        RUNNING,
        STOPPING,
        STOPPED
    }

    private final FunctionSpec spec;
    /** The reader's warnings and those of the triggers' Nuclio attributes, in file order. */
    private final List<ConfigProblem> warnings;

    private final ControlOptions controlOptions;
    private final FunctionRuntime runtime;
    private final List<TriggerSlot> triggers = new ArrayList<>();
    /** The data bindings by name, in configuration order (code-made ones last). */
    private final Map<String, DataBinding> bindings = new java.util.LinkedHashMap<>();

    private final List<DataBinding> opened = new ArrayList<>();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final EventDurationCollector durations = new EventDurationCollector();
    private final Instant created = Instant.now();
    /** The triggers' admin endpoints, served by the control server. */
    private final AdminEndpoints admin = new AdminEndpoints();

    private volatile State state = State.CREATED;
    private volatile ControlServer control;
    private TimeoutWatchdog watchdog;
    private ScheduledThreadPoolExecutor timers;

    private static final class TriggerSlot {
        final TriggerSpec spec;
        final Trigger trigger;
        final TriggerMetrics metrics;
        WorkerPool pool;

        TriggerSlot(TriggerSpec spec, Trigger trigger, TriggerMetrics metrics) {
            this.spec = spec;
            this.trigger = trigger;
            this.metrics = metrics;
        }
    }

    /**
     * Resolves and validates; opens nothing.
     *
     * @param handler a handler instance shared by all workers, or {@code null} to use {@code spec.runtime}
     * @throws FunctionConfigException listing every problem found
     */
    public FunctionProcessor(FunctionSpec spec, Handler handler, ControlOptions controlOptions) {
        this(spec, handler, controlOptions, List.of());
    }

    /**
     * Resolves and validates; opens nothing.
     *
     * @param handler      a handler instance shared by all workers, or {@code null} to use {@code spec.runtime}
     * @param codeBindings data bindings made in code, besides those of {@code spec.dataBindings}
     * @throws FunctionConfigException listing every problem found
     */
    public FunctionProcessor(
            FunctionSpec spec, Handler handler, ControlOptions controlOptions, List<DataBinding> codeBindings) {
        this.spec = spec;
        this.controlOptions = controlOptions;
        List<ConfigProblem> problems = new ArrayList<>();
        FunctionRuntime rt = null;
        if (handler != null) {
            rt = new JavaRuntime(() -> handler);
        } else {
            try {
                Map<String, String> bindingKinds = new LinkedHashMap<>();
                spec.dataBindings().values().forEach(b -> bindingKinds.put(b.name(), b.kind()));
                codeBindings.forEach(b -> bindingKinds.put(b.name(), b.kind()));
                rt = runtimeFactory(spec.runtime()).create(new EngineRuntimeContext(spec, registry, bindingKinds));
            } catch (FunctionConfigException e) {
                problems.addAll(locate(e));
            }
        }
        this.runtime = rt;
        if (spec.triggers().isEmpty()) {
            problems.add(
                    spec.source().problem("spec.triggers", "at least one trigger is required, e.g. an http trigger"));
        }
        Map<String, TriggerFactory> factories = triggerFactories();
        List<ConfigProblem> found = new ArrayList<>(spec.warnings());
        for (TriggerSpec declared : spec.triggers().values()) {
            TriggerFactory factory = factories.get(declared.kind());
            if (factory == null) {
                String available = String.join(", ", new TreeMap<>(factories).keySet());
                problems.add(spec.source()
                        .problem(
                                "spec.triggers." + declared.name() + ".kind",
                                NuclioFormat.TRIGGER_KINDS_NOT_SUPPORTED.contains(declared.kind())
                                        ? "Nuclio's '" + declared.kind()
                                                + "' trigger kind has no Nucleon counterpart; available: " + available
                                        : "unknown trigger kind '" + declared.kind() + "'; available: " + available
                                                + " (each kind is a module, e.g. io.nucleon:nucleon-trigger-"
                                                + declared.kind() + ")"));
                continue;
            }
            TriggerSpec t = spec.nuclio() ? translated(declared, factory, found, problems) : declared;
            if (t == null) {
                continue;
            }
            try {
                Trigger trigger =
                        factory.create(new EngineTriggerContext(spec, t, registry, admin, this::processorAddresses));
                triggers.add(new TriggerSlot(
                        t, trigger, new TriggerMetrics(registry, durations, spec.name(), t.name(), t.kind())));
            } catch (FunctionConfigException e) {
                problems.addAll(locate(e));
            }
        }
        Map<String, BindingFactory> bindingFactories = bindingFactories();
        int totalWorkers = spec.triggers().values().stream()
                .mapToInt(TriggerSpec::numWorkers)
                .sum();
        for (BindingSpec b : spec.dataBindings().values()) {
            BindingFactory factory = bindingFactories.get(b.kind());
            if (factory == null) {
                problems.add(spec.source()
                        .problem(
                                "spec.dataBindings." + b.name() + ".kind",
                                "unknown binding kind '" + b.kind()
                                        + "'; available: "
                                        + (bindingFactories.isEmpty()
                                                ? "none"
                                                : String.join(", ", new TreeMap<>(bindingFactories).keySet()))
                                        + " (each kind is a module, e.g. io.nucleon:nucleon-binding-" + b.kind()
                                        + ")"));
                continue;
            }
            try {
                bindings.put(b.name(), factory.create(new EngineBindingContext(spec, b, totalWorkers, registry)));
            } catch (FunctionConfigException e) {
                problems.addAll(locate(e));
            }
        }
        for (DataBinding b : codeBindings) {
            if (bindings.putIfAbsent(b.name(), b) != null) {
                problems.add(spec.source()
                        .problem("spec.dataBindings." + b.name(), "two data bindings are named '" + b.name() + "'"));
            }
        }
        if (!problems.isEmpty()) {
            problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
            if (rt != null) {
                rt.close(); // e.g. the java runtime's class loader over runtimeAttributes.classpath
            }
            throw new FunctionConfigException(problems);
        }
        found.sort(Comparator.comparingInt(ConfigProblem::line));
        this.warnings = List.copyOf(found);
        registry.getPrometheusRegistry().register(durations);
    }

    /**
     * Every warning about the function's configuration, in file order: the reader's (keys Nuclio would
     * ignore, Nuclio fields Nucleon drops) and those of the triggers' Nuclio attributes. Known once the
     * processor is constructed; {@link #start()} logs them.
     */
    public List<ConfigProblem> warnings() {
        return warnings;
    }

    /**
     * {@code t} with its attributes read in Nuclio's names by its kind's {@link TriggerFactory#nuclioAttributes()};
     * the translation's warnings and errors are placed at {@code spec.triggers.<name>.attributes.<attribute>}.
     * {@code null} when it found errors.
     */
    private TriggerSpec translated(
            TriggerSpec t, TriggerFactory factory, List<ConfigProblem> warnings, List<ConfigProblem> problems) {
        String base = "spec.triggers." + t.name() + ".attributes";
        int errors = problems.size();
        NuclioAttributes.Findings findings = new NuclioAttributes.Findings() {
            @Override
            public void warn(String attribute, String message) {
                warnings.add(spec.source().problem(base + "." + attribute, message));
            }

            @Override
            public void error(String attribute, String message) {
                problems.add(spec.source().problem(base + "." + attribute, message));
            }
        };
        ObjectNode attributes;
        try {
            attributes = factory.nuclioAttributes().translate(t.attributes().deepCopy(), findings);
        } catch (FunctionConfigException e) {
            problems.addAll(locate(e));
            return null;
        }
        if (problems.size() > errors) {
            return null;
        }
        return t.withAttributes(attributes == null ? t.attributes() : attributes);
    }

    private List<ConfigProblem> locate(FunctionConfigException e) {
        List<ConfigProblem> out = new ArrayList<>();
        for (ConfigProblem p : e.problems()) {
            out.add(
                    p.file() == null && spec.source().file() != null
                            ? spec.source().problem(p.path(), p.message())
                            : p);
        }
        return out;
    }

    private Map<String, BindingFactory> bindingFactories() {
        Map<String, BindingFactory> all = new TreeMap<>();
        if (spec.dataBindings().isEmpty()) {
            return all;
        }
        for (BindingFactory f : ServiceLoader.load(BindingFactory.class, classLoader())) {
            all.putIfAbsent(f.kind(), f);
        }
        return all;
    }

    private RuntimeFactory runtimeFactory(String kind) {
        Map<String, RuntimeFactory> all = new TreeMap<>();
        for (RuntimeFactory f : ServiceLoader.load(RuntimeFactory.class, classLoader())) {
            all.putIfAbsent(f.kind(), f);
        }
        RuntimeFactory f = all.get(kind);
        if (f == null) {
            throw new FunctionConfigException(
                    "spec.runtime", "unknown runtime '" + kind + "'; available: " + String.join(", ", all.keySet()));
        }
        return f;
    }

    private static Map<String, TriggerFactory> triggerFactories() {
        Map<String, TriggerFactory> all = new LinkedHashMap<>();
        for (TriggerFactory f : ServiceLoader.load(TriggerFactory.class, classLoader())) {
            all.putIfAbsent(f.kind(), f);
        }
        return all;
    }

    private static ClassLoader classLoader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : FunctionProcessor.class.getClassLoader();
    }

    /**
     * Where this processor listens: its control server and its started triggers' sockets, as bound.
     * Any thread: it reads only what start has published.
     */
    private java.util.Set<InetSocketAddress> processorAddresses() {
        java.util.Set<InetSocketAddress> out = new java.util.LinkedHashSet<>();
        ControlServer c = control;
        if (c != null) {
            out.add(c.address());
        }
        for (TriggerSlot s : triggers) {
            try {
                out.addAll(s.trigger.listeningAddresses());
            } catch (RuntimeException e) {
                LOG.debug("trigger '{}' could not list its addresses", s.spec.name(), e);
            }
        }
        return java.util.Collections.unmodifiableSet(out);
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    @Override
    public synchronized Processor start() throws Exception {
        if (state != State.CREATED) {
            throw new IllegalStateException(
                    "a processor starts once; this one is " + state.name().toLowerCase());
        }
        state = State.STARTING;
        logConfigurationNotes();
        try {
            if (controlOptions.enabled()) {
                control = new ControlServer(
                        new InetSocketAddress(controlOptions.host(), controlOptions.port()),
                        this::notReady,
                        registry,
                        this::status,
                        admin,
                        controlOptions.token());
                control.start();
                if (control.openBeyondLoopback()) {
                    LOG.warn(
                            "the control server listens on {}:{} without a token: /metrics and /status answer anyone"
                                    + " who reaches it, and the admin endpoints are refused; set a control token"
                                    + " (--control-token-file)",
                            control.address().getHostString(),
                            control.address().getPort());
                }
            }
            timers = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "nucleon-timers");
                th.setDaemon(true);
                return th;
            });
            timers.setRemoveOnCancelPolicy(true);
            watchdog = new TimeoutWatchdog(TimeoutWatchdog.tickFor(spec.eventTimeout()));
            for (DataBinding b : bindings.values()) {
                try {
                    b.open();
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "data binding '" + b.name() + "' (" + b.kind() + ") failed to open: " + e.getMessage(), e);
                }
                opened.add(b);
            }
            Map<String, DataBinding> forWorkers = java.util.Collections.unmodifiableMap(bindings);
            for (TriggerSlot slot : triggers) {
                TriggerSpec t = slot.spec;
                slot.pool = new WorkerPool(
                        new PoolSettings(
                                spec.name(),
                                t.name(),
                                t.kind(),
                                t.numWorkers(),
                                t.workerQueueSize(),
                                t.workerAvailabilityTimeout(),
                                spec.eventTimeout(),
                                t.waitStrategy(),
                                spec.env(),
                                forWorkers,
                                t.whenQueueFull(),
                                t.waitingListSize(),
                                t.maxAbandonedWorkers(),
                                t.minWorkers(),
                                t.workerIdleTimeout()),
                        runtime,
                        slot.metrics,
                        timers);
                slot.pool.start(INIT_TIMEOUT);
                watchdog.watch(slot.pool);
            }
            watchdog.start();
            for (TriggerSlot slot : triggers) {
                slot.trigger.start(slot.pool);
            }
            state = State.RUNNING;
        } catch (Exception | Error e) {
            LOG.error("function '{}' failed to start: {}", spec.name(), e.toString());
            shutdown(Duration.ZERO);
            throw e;
        }
        LOG.atInfo()
                .addKeyValue("function", spec.name())
                .addKeyValue(
                        "control",
                        control == null
                                ? "disabled"
                                : control.address().getHostString() + ":"
                                        + control.address().getPort())
                .log("function '" + spec.name() + "' is ready: " + describeTriggers());
        return this;
    }

    /** The configuration's warnings, one WARN line each, and the fields not applied, in one INFO line. */
    private void logConfigurationNotes() {
        for (ConfigProblem w : warnings) {
            LOG.warn("{}", w);
        }
        if (!spec.notApplied().isEmpty()) {
            LOG.info("not applied by Nucleon: {}", String.join(", ", spec.notApplied()));
        }
    }

    private String describeTriggers() {
        StringBuilder sb = new StringBuilder();
        for (TriggerSlot s : triggers) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(s.spec.name())
                    .append(" (")
                    .append(s.spec.kind())
                    .append(", ")
                    .append(s.spec.elastic() ? s.spec.minWorkers() + "–" : "")
                    .append(s.spec.numWorkers())
                    .append(s.spec.numWorkers() == 1 && !s.spec.elastic() ? " worker" : " workers");
            Object address = s.trigger.status().get("address");
            if (address != null) {
                sb.append(", ").append(address);
            }
            sb.append(')');
        }
        return sb.toString();
    }

    @Override
    public void stop() {
        stop(spec.drainTimeout());
    }

    @Override
    public void stop(Duration drainTimeout) {
        synchronized (this) {
            if (state == State.STOPPING || state == State.STOPPED) {
                return;
            }
            if (state == State.CREATED) {
                state = State.STOPPED;
                return;
            }
            state = State.STOPPING;
        }
        LOG.info(
                "function '{}' stopping: no new events, draining in-flight ones for up to {} ms",
                spec.name(),
                drainTimeout.toMillis());
        shutdown(drainTimeout);
        LOG.info("function '{}' stopped", spec.name());
    }

    private void shutdown(Duration drainTimeout) {
        for (TriggerSlot s : triggers) {
            safely("stop accepting on trigger " + s.spec.name(), s.trigger::stopAccepting);
        }
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        for (TriggerSlot s : triggers) {
            if (s.pool != null) {
                s.pool.stopAccepting();
            }
        }
        for (TriggerSlot s : triggers) {
            if (s.pool != null && !s.pool.awaitDrained(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                LOG.warn(
                        "trigger '{}': {} events still in flight after the drain timeout; they complete as rejected or"
                                + " timed out",
                        s.spec.name(),
                        s.pool.inFlight());
            }
        }
        for (TriggerSlot s : triggers) {
            if (s.pool != null) {
                safely("close workers of " + s.spec.name(), () -> s.pool.close(JOIN_TIMEOUT));
            }
        }
        for (TriggerSlot s : triggers) {
            safely("close trigger " + s.spec.name(), s.trigger::close);
        }
        if (watchdog != null) {
            watchdog.close();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        if (runtime != null) {
            safely("close runtime", runtime::close);
        }
        for (int i = opened.size() - 1; i >= 0; i--) {
            DataBinding b = opened.get(i);
            safely("close data binding " + b.name(), () -> {
                try {
                    b.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
        }
        opened.clear();
        if (control != null) {
            safely("close control server", control::close);
        }
        state = State.STOPPED;
    }

    private static void safely(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("{} failed", what, e);
        }
    }

    // ---- observation ----------------------------------------------------------------------------

    @Override
    public boolean isReady() {
        return notReady().isEmpty();
    }

    private List<String> notReady() {
        List<String> out = new ArrayList<>();
        if (state != State.RUNNING) {
            out.add("processor is " + state.name().toLowerCase());
            return out;
        }
        for (DataBinding b : bindings.values()) {
            if (!b.isReady()) {
                out.add("data binding " + b.name());
            }
        }
        for (TriggerSlot s : triggers) {
            if (s.pool == null || !s.pool.isReady()) {
                String why = s.pool == null ? null : s.pool.notReadyReason();
                out.add("workers of trigger " + s.spec.name() + (why == null ? "" : ": " + why));
            }
            if (!s.trigger.isReady()) {
                String why = s.trigger.notReadyReason();
                out.add("trigger " + s.spec.name() + (why == null ? "" : ": " + why));
            }
        }
        return out;
    }

    @Override
    public String functionName() {
        return spec.name();
    }

    @Override
    public InetSocketAddress controlAddress() {
        return control == null ? null : control.address();
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("function", spec.name());
        m.put("state", state.name().toLowerCase());
        List<String> notReady = notReady();
        m.put("ready", notReady.isEmpty());
        if (!notReady.isEmpty()) {
            m.put("notReady", notReady);
        }
        m.put("runtime", spec.runtime());
        m.put("eventTimeoutMs", spec.eventTimeout().toMillis());
        m.put("startedAt", created.toString());
        List<Map<String, Object>> list = new ArrayList<>();
        for (TriggerSlot s : triggers) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("name", s.spec.name());
            t.put("kind", s.spec.kind());
            boolean triggerReady = s.trigger.isReady();
            t.put("ready", triggerReady);
            if (!triggerReady) {
                String why = s.trigger.notReadyReason();
                if (why != null) {
                    t.put("notReadyReason", why);
                }
            }
            t.putAll(s.trigger.status());
            if (s.pool != null) {
                t.put("pool", s.pool.status());
            }
            Map<String, Object> counts = new LinkedHashMap<>();
            for (Outcome o : Outcome.values()) {
                counts.put(o.label(), s.metrics.count(o));
            }
            t.put("events", counts);
            t.put("durationMs", Map.of("mean", s.metrics.meanMillis(), "max", s.metrics.maxMillis()));
            list.add(t);
        }
        m.put("triggers", list);
        if (!bindings.isEmpty()) {
            List<Map<String, Object>> bl = new ArrayList<>();
            for (DataBinding b : bindings.values()) {
                Map<String, Object> bm = new LinkedHashMap<>();
                bm.put("name", b.name());
                bm.put("kind", b.kind());
                bm.put("ready", b.isReady());
                bm.putAll(b.status());
                bl.add(bm);
            }
            m.put("dataBindings", bl);
        }
        if (runtime != null) {
            Map<String, Object> rs = runtime.status();
            if (!rs.isEmpty()) {
                m.put("runtimeStatus", rs);
            }
        }
        return m;
    }

    /** The meter registry, for embedders who want to add their own meters or scrape in-process. */
    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }
}
