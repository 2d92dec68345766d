package io.nucleon.examples.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs the packaged cron-report jar, with its packaged function.yaml, as a real process. */
class CronReportJarIT {

    @Test
    void reportsOnceAtStartThenEveryTwoSecondsAndExitsZeroOnSigterm() {
        try (FunctionProcess fn = FunctionJar.packaged().start()) { // the function.yaml inside the jar
            fn.await(
                    "the kickstart report and 3 cron reports",
                    Duration.ofSeconds(20),
                    () -> events(fn, "kickstart", "success") == 1 && events(fn, "cron", "success") >= 3);
            assertEquals(0, events(fn, "cron", "error") + events(fn, "kickstart", "error"), fn::output);

            String status = fn.control("/status").body();
            assertTrue(status.contains("*/2 * * * * *") && status.contains("\"startup\""), status);

            assertEquals(0, fn.stop(), "SIGTERM: a graceful stop");
            String log = fn.output();
            assertEquals(1, reportLines(log, "report=startup tick=1 reportsByThisWorker=1 "), log);
            for (int tick = 1; tick <= 3; tick++) {
                assertEquals(
                        1,
                        reportLines(log, "report=heartbeat tick=" + tick + " reportsByThisWorker=" + tick + " "),
                        log);
            }
        }
    }

    private static long reportLines(String log, String keyValues) {
        return log.lines()
                .filter(l -> l.contains(" - report built ") && l.contains(keyValues))
                .count();
    }

    /** The sum of {@code nucleon_events_total} for one trigger kind and outcome. */
    private static long events(FunctionProcess fn, String kind, String outcome) {
        return (long) fn.metric("nucleon_events_total", Map.of("kind", kind, "outcome", outcome));
    }
}
