package io.nucleon.examples.cron;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a tiny report each time a timer fires: which report (the {@code report} field of the
 * event's JSON body, e.g. {@code {"report": "heartbeat"}}), which tick of its trigger, how many
 * reports this worker has built, how long it has been up and how much heap is in use. Logs it with
 * {@code ctx.logger()} and returns it, as JSON.
 *
 * <p>Each trigger has its own workers, each with its own handler instance, so the {@code cron}
 * trigger's reports and the {@code kickstart} trigger's one are counted apart.
 */
public final class ReportHandler implements Handler {
    private Instant started;
    private long reports;

    @Override
    public void init(Context context) {
        started = Instant.now();
        context.logger().debug("report handler ready", "trigger", context.triggerName());
    }

    @Override
    public Object handle(Context context, Event event) {
        String name = reportName(event);
        reports++;
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("report", name);
        report.put("trigger", event.triggerName());
        report.put("tick", event.field("tick"));
        report.put("scheduledTime", event.field("scheduledTime"));
        report.put("reportsByThisWorker", reports);
        report.put("uptimeSeconds", Duration.between(started, Instant.now()).toSeconds());
        report.put("heapUsedMiB", (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024));
        context.logger()
                .info(
                        "report built",
                        "report",
                        name,
                        "tick",
                        report.get("tick"),
                        "reportsByThisWorker",
                        reports,
                        "uptimeSeconds",
                        report.get("uptimeSeconds"),
                        "heapUsedMiB",
                        report.get("heapUsedMiB"));
        return report;
    }

    /** The {@code report} field of the body, or the trigger's name when the body is empty or has none. */
    private static String reportName(Event event) {
        if (event.body().length == 0) {
            return event.triggerName();
        }
        JsonNode body =
                event.bodyAs(JsonNode.class); // a body that is not JSON is a mistake in function.yaml: fail loudly
        JsonNode report = body.get("report");
        return report != null && report.isTextual() ? report.asText() : event.triggerName();
    }
}
