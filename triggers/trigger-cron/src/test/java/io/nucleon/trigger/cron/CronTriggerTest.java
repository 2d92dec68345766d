package io.nucleon.trigger.cron;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Event;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cron and kickstart triggers in a real processor, on the wall clock. */
class CronTriggerTest {

    private static Processor.Builder function(String name) {
        return Processor.builder()
                .name(name)
                .drainTimeout(Duration.ofSeconds(5))
                .controlServer("127.0.0.1", 0);
    }

    @Test
    void aOneSecondScheduleFiresOnEverySecondWithTheTemplatedEvent() throws Exception {
        List<Instant> firedAt = new CopyOnWriteArrayList<>();
        List<Event> events = new CopyOnWriteArrayList<>();
        CountDownLatch four = new CountDownLatch(4);
        Processor p = function("every-second")
                .handler((ctx, e) -> {
                    firedAt.add(Instant.now());
                    events.add(e);
                    four.countDown();
                    return null;
                })
                .trigger(
                        "tick",
                        "cron",
                        t -> t.attribute("schedule", "* * * * * *")
                                .attribute(
                                        "event",
                                        Map.of(
                                                "body",
                                                "{\"report\":\"daily\"}",
                                                "contentType",
                                                "application/json",
                                                "path",
                                                "/reports",
                                                "headers",
                                                Map.of("x-origin", "cron"))))
                .build()
                .start();
        try {
            assertTrue(four.await(30, TimeUnit.SECONDS), "four ticks in 30 s; got " + firedAt.size());
        } finally {
            p.stop();
        }
        for (int i = 0; i < 4; i++) {
            Event e = events.get(i);
            Instant scheduled = e.timestamp();
            assertEquals(0, scheduled.getNano(), "scheduled on a whole second: " + scheduled);
            long lateMs = Duration.between(scheduled, firedAt.get(i)).toMillis();
            // never early; late by less than the period (a busy machine delays the timer and the worker, but a
            // tick that ran a whole second late would have missed its slot)
            assertTrue(lateMs >= 0 && lateMs < 1000, "tick " + i + " ran " + lateMs + " ms after its second");
            if (i > 0) {
                assertEquals(
                        1,
                        Duration.between(events.get(i - 1).timestamp(), scheduled)
                                .toSeconds(),
                        "consecutive seconds");
            }
            assertEquals("daily", e.bodyAs(JsonNode.class).get("report").asText());
            assertEquals("application/json", e.contentType());
            assertEquals("/reports", e.path());
            assertEquals("cron", e.header("x-origin"));
            assertEquals("cron", e.triggerKind());
            assertEquals("tick", e.triggerName());
            assertEquals(scheduled.toString(), e.field("scheduledTime"));
        }
    }

    @Test
    void forbidSkipsTicksWhileTheRunIsStillGoingAndCountsThem() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        long started = System.nanoTime(); // before the start: the first run may begin before start() returns
        Processor p = function("forbid")
                .handler((ctx, e) -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    runs.incrementAndGet();
                    Thread.sleep(450); // a run that outlasts four intervals: the behaviour under test
                    running.decrementAndGet();
                    return null;
                })
                .trigger("tick", "cron", t -> t.numWorkers(4).attribute("interval", "100ms"))
                .build()
                .start();
        String metrics;
        long elapsedMs;
        int ran;
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() >= 3);
            metrics = scrape(p);
            ran = runs.get();
            elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        } finally {
            p.stop();
        }
        assertEquals(1, maxRunning.get(), "forbid never runs two at once");
        // one run at a time: no more runs than 450 ms runs fit one after the other (however slow the machine)
        assertTrue(ran <= elapsedMs / 450 + 1, ran + " runs in " + elapsedMs + " ms");
        double skipped =
                metric(metrics, "nucleon_cron_skipped_total{function=\"forbid\",kind=\"cron\",trigger=\"tick\"}");
        // each run lasts four and a half intervals, so ticks fall while it is going and are skipped
        assertTrue(skipped >= ran - 1, "ticks skipped while a run was going: " + skipped + "\n" + metrics);
    }

    @Test
    void allowLetsRunsOverlap() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        Processor p = function("allow")
                .handler((ctx, e) -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    Thread.sleep(450); // a run that outlasts four intervals: the behaviour under test
                    running.decrementAndGet();
                    return null;
                })
                .trigger(
                        "tick",
                        "cron",
                        t -> t.numWorkers(4).attribute("interval", "100ms").attribute("concurrencyPolicy", "allow"))
                .build()
                .start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> maxRunning.get() >= 3);
        } finally {
            p.stop();
        }
        assertTrue(maxRunning.get() >= 3, "runs overlapped: at most " + maxRunning.get() + " at once");
    }

    @Test
    void kickstartFiresOnceAtStart() throws Exception {
        List<Event> events = new CopyOnWriteArrayList<>();
        Processor p = function("kick")
                .handler((ctx, e) -> {
                    events.add(e);
                    return null;
                })
                .trigger("once", "kickstart", t -> t.attribute("event", Map.of("body", "warm up")))
                .build()
                .start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
            // and no second one: nothing must arrive for a while (a bounded wait, not a timing check)
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
        } finally {
            p.stop();
        }
        assertEquals(1, events.size());
        assertEquals("warm up", events.get(0).bodyAsString());
        assertEquals("kickstart", events.get(0).triggerKind());
    }

    /** A handler result Jackson cannot serialise: its one property throws. */
    public static final class Unserialisable {
        public String getValue() {
            throw new IllegalStateException("not serialisable");
        }
    }

    @Test
    void aResultThatCannotBeSerialisedStillEndsATickAndTheKickstartAsSuccess() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Processor p = function("unserialisable")
                .handler((ctx, e) -> {
                    runs.incrementAndGet();
                    return new Unserialisable(); // a timer keeps no response, so nothing serialises this
                })
                .trigger("tick", "cron", t -> t.attribute("interval", "50ms"))
                .trigger("once", "kickstart", t -> {})
                .build()
                .start();
        try {
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> runs.get() >= 4
                            && "success".equals(trigger(p, "once").get("outcome")));
            Map<?, ?> events = (Map<?, ?>) trigger(p, "tick").get("events");
            assertTrue(((Number) events.get("success")).longValue() >= 2, "ticks ended as success: " + events);
            assertEquals(0L, ((Number) events.get("error")).longValue(), "no tick failed: " + events);
        } finally {
            p.stop();
        }
    }

    private static Map<?, ?> trigger(Processor p, String name) {
        return ((List<?>) p.status().get("triggers"))
                .stream()
                        .map(t -> (Map<?, ?>) t)
                        .filter(t -> name.equals(t.get("name")))
                        .findFirst()
                        .orElseThrow();
    }

    @Test
    void badAttributesNameTheirPathInFunctionYaml(@TempDir Path dir) throws IOException {
        Path yaml = dir.resolve("function.yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "metadata:",
                        "  name: report",
                        "spec:",
                        "  runtime: java",
                        "  handler: io.nucleon.trigger.cron.CronTriggerTest$Nothing",
                        "  triggers:",
                        "    nightly:",
                        "      kind: cron",
                        "      attributes:",
                        "        schedule: \"0 25 * * *\"",
                        "        concurrencyPolicy: sometimes",
                        "    both:",
                        "      kind: cron",
                        "      attributes:",
                        "        schedule: \"@daily\"",
                        "        interval: 1m",
                        "    zone:",
                        "      kind: cron",
                        "      attributes:",
                        "        interval: 1m",
                        "        timezone: Mars/Olympus",
                        ""));
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .functionYaml(yaml)
                        .withoutControlServer()
                        .build());
        String msg = e.getMessage();
        assertTrue(msg.contains("spec.triggers.nightly.attributes.schedule: hour field \"25\""), msg);
        assertTrue(msg.contains("spec.triggers.nightly.attributes.concurrencyPolicy: must be forbid or allow"), msg);
        assertTrue(msg.contains("spec.triggers.both.attributes.interval: give exactly one of schedule"), msg);
        assertTrue(msg.contains("spec.triggers.zone.attributes.timezone: unknown time zone \"Mars/Olympus\""), msg);
        assertTrue(msg.contains("function.yaml:10"), "names the line of the schedule: " + msg);
    }

    /** A handler class for the YAML test; never called. */
    public static final class Nothing implements io.nucleon.api.Handler {
        @Override
        public Object handle(io.nucleon.api.Context context, Event event) {
            return null;
        }
    }

    private static String scrape(Processor p) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + p.controlAddress().getPort() + "/metrics");
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static double metric(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + series + " in\n" + text);
    }
}
