package io.nucleon.trigger.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.nucleon.spi.TriggerContext;
import java.util.function.Supplier;

/**
 * The http trigger's own meters, next to the processor's (Prometheus names):
 * <ul>
 *   <li>{@code nucleon_http_rejected_total{reason}}: requests and connections the trigger refused with a 503
 *       before any worker saw them: {@code connections} (over {@code maxConnections}) or {@code body_budget}
 *       (a body that did not fit {@code maxInflightBodyBytes}); a full worker queue is
 *       {@code nucleon_events_rejected_total};</li>
 *   <li>{@code nucleon_http_connections}, {@code nucleon_http_body_bytes}: open connections and body bytes held;</li>
 *   <li>{@code nucleon_http_slow_readers_closed_total}: connections closed because the client stopped reading
 *       its replies for {@code idleTimeout};</li>
 *   <li>{@code nucleon_http_connection_errors_total}: errors that closed a connection.</li>
 * </ul>
 * Tagged with {@code function}, {@code trigger} and {@code kind} like every Nucleon meter. Thread-safe.
 */
final class HttpTriggerMetrics {
    final Counter refusedConnections;
    final Counter overBudget;
    final Counter slowReadersClosed;
    final Counter connectionErrors;

    HttpTriggerMetrics(TriggerContext context, Supplier<Number> connections, Supplier<Number> bodyBytes) {
        MeterRegistry registry = context.meterRegistry();
        Tags tags = Tags.of("function", context.functionName(), "trigger", context.name(), "kind", context.kind());
        String rejected = "nucleon.http.rejected";
        String rejectedHelp = "Requests and connections the http trigger answered 503 before dispatching, by reason";
        refusedConnections = Counter.builder(rejected)
                .description(rejectedHelp)
                .tags(tags)
                .tag("reason", "connections")
                .register(registry);
        overBudget = Counter.builder(rejected)
                .description(rejectedHelp)
                .tags(tags)
                .tag("reason", "body_budget")
                .register(registry);
        slowReadersClosed = Counter.builder("nucleon.http.slow.readers.closed")
                .description("Connections closed because the client did not read its replies for idleTimeout")
                .tags(tags)
                .register(registry);
        connectionErrors = Counter.builder("nucleon.http.connection.errors")
                .description("Errors that closed an http connection")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.http.connections", connections)
                .description("Open http connections")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.http.body.bytes", bodyBytes)
                .description("Request body bytes held in memory (counted against maxInflightBodyBytes)")
                .tags(tags)
                .register(registry);
    }
}
