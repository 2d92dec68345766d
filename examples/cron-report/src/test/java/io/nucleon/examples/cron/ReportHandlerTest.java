package io.nucleon.examples.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nucleon.test.CronTick;
import io.nucleon.test.EventResult;
import io.nucleon.test.TestFunction;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The function in this JVM with the test kit: the test fires the timers, so no test waits for a schedule. */
class ReportHandlerTest {
    @RegisterExtension
    final TestFunction reports =
            TestFunction.fromYaml(Path.of("src/main/resources/function.yaml")); // a fresh one per test

    @Test
    void aHeartbeatTickBuildsAHeartbeatReport() {
        Instant at = Instant.parse("2026-05-01T12:00:02Z");
        EventResult r = reports.send("heartbeat", CronTick.at(at));
        Map<?, ?> report = reports(r);
        assertEquals("heartbeat", report.get("report"));
        assertEquals(1, report.get("tick"));
        assertEquals(at.toString(), report.get("scheduledTime"));
    }

    @Test
    void eachWorkerCountsTheReportsItBuilt() {
        reports.send("heartbeat", CronTick.now());
        reports.send("heartbeat", CronTick.now());
        assertEquals(3, reports(reports.send("heartbeat", CronTick.now())).get("reportsByThisWorker"));
        assertEquals(
                1,
                reports(reports.send("startup", CronTick.now())).get("reportsByThisWorker"),
                "the kickstart trigger has a worker of its own");
    }

    private static Map<?, ?> reports(EventResult r) {
        assertEquals(true, r.succeeded(), r::toString);
        return r.bodyAs(Map.class); // the report the handler returned, as JSON
    }
}
