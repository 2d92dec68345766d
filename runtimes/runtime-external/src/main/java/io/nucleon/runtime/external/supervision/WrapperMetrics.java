package io.nucleon.runtime.external.supervision;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nucleon.runtime.external.protocol.MetaCodec;
import io.nucleon.runtime.external.protocol.ProtocolException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meters of one function's wrappers, all tagged with the function and the runtime:
 * {@code nucleon.runtime.restarts{reason}}, {@code nucleon.runtime.invocation{transport}},
 * {@code nucleon.runtime.wrappers}, {@code nucleon.wrapper.log.lines.dropped{source}}, and the
 * handler's own counters {@code nucleon.handler.metric{name}} (at most {@value #MAX_HANDLER_METRICS}
 * names). Thread-safe.
 */
public final class WrapperMetrics {
    /** The most counter names a handler may create through METRIC frames; later new names are dropped. */
    static final int MAX_HANDLER_METRICS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(WrapperMetrics.class);

    /** Why a wrapper was restarted: the {@code reason} tag. */
    public enum Restart {
        /** It died (or stopped answering) on its own. */
        CRASH("crash"),
        /** Its handler ran past {@code eventTimeout}, so it was killed. */
        TIMEOUT("timeout"),
        /** It sent bytes the protocol does not allow. */
        PROTOCOL("protocol");

        final String tag;

        Restart(String tag) {
            this.tag = tag;
        }
    }

    private final MeterRegistry registry;
    private final String functionName;
    private final String kind;
    private final Map<Restart, Counter> restarts = new EnumMap<>(Restart.class);
    private final Map<WrapperLog.Source, Counter> droppedLines = new EnumMap<>(WrapperLog.Source.class);
    private final Map<String, Counter> handlerMetrics = new ConcurrentHashMap<>();
    private final Timer invocations;
    private volatile boolean handlerMetricLimitWarned;

    /** Registers the meters of the function of {@code settings}; {@code running} counts its live wrappers. */
    public WrapperMetrics(MeterRegistry registry, WrapperSettings settings, Supplier<Number> running) {
        this.registry = registry;
        this.functionName = settings.functionName();
        this.kind = settings.kind();
        for (Restart reason : Restart.values()) {
            restarts.put(
                    reason,
                    Counter.builder("nucleon.runtime.restarts")
                            .description("Wrapper processes restarted, by reason (crash, timeout, protocol)")
                            .tag("function", functionName)
                            .tag("runtime", kind)
                            .tag("reason", reason.tag)
                            .register(registry));
        }
        for (WrapperLog.Source source : WrapperLog.Source.values()) {
            droppedLines.put(
                    source,
                    Counter.builder("nucleon.wrapper.log.lines.dropped")
                            .description(
                                    "Lines from wrapper processes (log calls, stdout, stderr) dropped for exceeding"
                                            + " runtimeAttributes.maxLogLinesPerSecond")
                            .tag("function", functionName)
                            .tag("runtime", kind)
                            .tag("source", source.tag)
                            .register(registry));
        }
        this.invocations = Timer.builder("nucleon.runtime.invocation")
                .description("Round trip of an event through a wrapper process (send, handler, answer)")
                .tag("function", functionName)
                .tag("runtime", kind)
                .tag("transport", settings.transport().name())
                .register(registry);
        Gauge.builder("nucleon.runtime.wrappers", running)
                .description("Wrapper processes running")
                .tag("function", functionName)
                .tag("runtime", kind)
                .register(registry);
    }

    /** A wrapper was restarted (or is about to be) for {@code reason}. */
    public void countRestart(Restart reason) {
        restarts.get(reason).increment();
    }

    /** One event's round trip through a wrapper, from sending it to its answer. */
    public void recordInvocation(long nanos) {
        invocations.record(nanos, TimeUnit.NANOSECONDS);
    }

    void countDroppedLine(WrapperLog.Source source) {
        droppedLines.get(source).increment();
    }

    /** A METRIC frame: adds to the counter {@code nucleon.handler.metric{name=…}}; a malformed one is ignored. */
    public void handlerMetric(String json) {
        JsonNode n;
        try {
            n = MetaCodec.object(json, "METRIC");
        } catch (ProtocolException e) {
            return;
        }
        String name = n.path("name").asText("");
        double value = n.path("value").asDouble(1.0);
        if (name.isEmpty() || !(value >= 0)) {
            return;
        }
        Counter c = handlerMetrics.get(name);
        if (c == null) {
            if (handlerMetrics.size() >= MAX_HANDLER_METRICS) {
                if (!handlerMetricLimitWarned) {
                    handlerMetricLimitWarned = true;
                    LOG.warn(
                            "handler metrics are limited to {} names; '{}' and later new names are dropped",
                            MAX_HANDLER_METRICS,
                            WrapperLog.text(name));
                }
                return;
            }
            c = handlerMetrics.computeIfAbsent(
                    name,
                    k -> Counter.builder("nucleon.handler.metric")
                            .description("Counters reported by the handler through its wrapper")
                            .tag("function", functionName)
                            .tag("runtime", kind)
                            .tag("name", k)
                            .register(registry));
        }
        c.increment(value);
    }
}
