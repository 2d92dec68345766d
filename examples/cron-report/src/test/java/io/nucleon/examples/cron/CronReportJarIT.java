package io.nucleon.examples.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged cron-report jar, with its packaged function.yaml, as a real process. */
class CronReportJarIT {
    private static final Path JAR = Path.of(System.getProperty("cron-report.jar", "target/cron-report.jar"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void reportsOnceAtStartThenEveryTwoSecondsAndExitsZeroOnSigterm() throws Exception {
        int control = freePort();
        Process p = start("--control-port", Integer.toString(control)); // the function.yaml inside the jar
        awaitReady(control, p);

        await("the kickstart report and 3 cron reports", 20, () ->
                events(control, "kickstart", "success") == 1 && events(control, "cron", "success") >= 3, p);
        assertEquals(0, events(control, "cron", "error") + events(control, "kickstart", "error"), log());

        String status = get("http://127.0.0.1:" + control + "/status").body();
        assertTrue(status.contains("*/2 * * * * *") && status.contains("\"startup\""), status);

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the processor exits after SIGTERM");
        assertEquals(0, p.exitValue(), log());

        String log = log();
        assertEquals(1, reportLines(log, "report=startup tick=1 reportsByThisWorker=1 "), log);
        for (int tick = 1; tick <= 3; tick++) {
            assertEquals(1, reportLines(log, "report=heartbeat tick=" + tick + " reportsByThisWorker=" + tick + " "), log);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static long reportLines(String log, String keyValues) {
        return log.lines().filter(l -> l.contains(" - report built ") && l.contains(keyValues)).count();
    }

    /** The sum of {@code nucleon_events_total} for one trigger kind and outcome. */
    private long events(int control, String kind, String outcome) throws Exception {
        double sum = 0;
        for (String line : get("http://127.0.0.1:" + control + "/metrics").body().split("\n")) {
            if (line.startsWith("nucleon_events_total{") && line.contains("kind=\"" + kind + "\"")
                    && line.contains("outcome=\"" + outcome + "\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }

    private Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("process-" + processes.size() + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private void awaitReady(int control, Process p) throws Exception {
        await("/ready", 30, () -> {
            try {
                return get("http://127.0.0.1:" + control + "/ready").statusCode() == 200;
            } catch (IOException notYet) {
                return false; // not listening yet
            }
        }, p);
    }

    private interface Check {
        boolean done() throws Exception;
    }

    private void await(String what, long seconds, Check check, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.done()) {
            assertTrue(p.isAlive(), () -> "the processor died: " + log());
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "; log:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    private String log() {
        try (var files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".log"))::iterator) {
                sb.append(Files.readString(f));
            }
            return sb.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
