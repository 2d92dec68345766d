package io.nucleon.trigger.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.Event;
import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import io.nucleon.spi.NuclioAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cron trigger reading Nuclio's {@code cron} attributes, with the examples of Nuclio's documentation. */
class NuclioCronAttributesTest {
    private final NuclioAttributes nuclio = new CronTriggerFactory().nuclioAttributes();
    private final List<String> findings = new ArrayList<>();

    private ObjectNode translate(String json) throws JsonProcessingException {
        return nuclio.translate(
                (ObjectNode) Json.mapper().readTree(json.replace('\'', '"')), new NuclioAttributes.Findings() {
                    @Override
                    public void warn(String attribute, String message) {
                        findings.add("warn " + attribute + ": " + message);
                    }

                    @Override
                    public void error(String attribute, String message) {
                        findings.add("error " + attribute + ": " + message);
                    }
                });
    }

    private static ObjectNode json(String json) throws JsonProcessingException {
        return (ObjectNode) Json.mapper().readTree(json.replace('\'', '"'));
    }

    @Test
    void nucliosIntervalExample() throws Exception {
        assertEquals(json("{'interval': '3s'}"), translate("{'interval': '3s'}"));
        assertEquals(List.of(), findings);
    }

    @Test
    void nucliosKubernetesExampleWarnsOfItsPlatformSettings() throws Exception {
        assertEquals(
                json("{'interval': '10s'}"),
                translate("{'interval': '10s', 'concurrencyPolicy': 'Allow', 'jobBackoffLimit': 2}"));
        assertEquals(2, findings.size(), findings.toString());
        assertTrue(
                findings.get(0).startsWith("warn concurrencyPolicy: ignored: a setting of Nuclio's platform"),
                findings.get(0));
        assertTrue(
                findings.get(1).startsWith("warn jobBackoffLimit: ignored: a setting of Nuclio's platform"),
                findings.get(1));
    }

    @Test
    void schedulesReadAsNuclioReadsThem() throws Exception {
        assertEquals(json("{'schedule': '*/5 * * * *'}"), translate("{'schedule': '*/5 * * * *'}"));
        assertEquals(
                json("{'schedule': '0 */5 * * * *'}"),
                translate("{'schedule': '* */5 * * * *'}"),
                "Nuclio never fires on every second: a * for the seconds is 0");
        assertEquals(
                json("{'timezone': 'Europe/Paris', 'schedule': '0 9 * * MON-FRI'}"),
                translate("{'schedule': 'CRON_TZ=Europe/Paris 0 9 * * MON-FRI'}"));
        assertEquals(json("{'interval': '90s'}"), translate("{'schedule': '@every 1m30s'}"));
        assertEquals(json("{'schedule': '@hourly'}"), translate("{'schedule': '@hourly'}"));
        assertEquals(List.of(), findings);
        translate("{'schedule': '@every often'}");
        assertEquals(
                List.of("error schedule: @every must be a duration such as 30s, 1m30s, 250ms or 1.5h (units ns, us,"
                        + " ms, s, m, h), got \"often\""),
                findings);
    }

    @Test
    void theEventsBodyHeadersPathAndMethod() throws Exception {
        ObjectNode out = translate("{'interval': '1h', 'event': {'body': 'tick', 'headers': {'x-n': 1, 'x-s': 'a'},"
                + " 'path': '/jobs', 'method': 'POST', 'meta': true, 'contentType': 'application/json'}}");
        assertEquals(
                json("{'interval': '1h', 'event': {'body': 'tick', 'headers': {'x-n': '1', 'x-s': 'a'},"
                        + " 'path': '/jobs', 'method': 'POST', 'contentType': 'application/json'}}"),
                out);
        assertEquals(
                List.of("warn event.meta: ignored: neither Nuclio's cron event nor Nucleon's has this field (Nuclio's"
                        + " has body, headers, path and method; Nucleon's contentType too)"),
                findings);
        findings.clear();
        translate("{'interval': '1h', 'event': {'headers': {'x-list': [1]}, 'body': {'a': 1}}}");
        assertEquals(
                List.of(
                        "error event.headers.x-list: must be text or a number, got [1]",
                        "error event.body: must be text, got {\"a\":1}"),
                findings);
    }

    @Test
    void aProcessorRunsNucliosIntervalAndDeliversItsEvent() throws Exception {
        ObjectNode attributes = translate("{'interval': '50ms', 'event': {'body': 'hello from nuclio',"
                + " 'headers': {'x-attempt': 1}, 'path': '/tick', 'method': 'POST'}}");
        assertEquals(List.of(), findings);
        BlockingQueue<Event> events = new ArrayBlockingQueue<>(100);
        Processor p = Processor.builder()
                .name("nuclio-cron")
                .withoutControlServer()
                .drainTimeout(Duration.ofSeconds(5))
                .handler((ctx, e) -> {
                    events.offer(e);
                    return null;
                })
                .trigger(
                        "tick",
                        "cron",
                        t -> Json.mapper()
                                .convertValue(attributes, new TypeReference<Map<String, Object>>() {})
                                .forEach(t::attribute))
                .build()
                .start();
        Event e;
        try {
            e = events.poll(30, TimeUnit.SECONDS);
        } finally {
            p.stop();
        }
        assertTrue(e != null, "a tick within 30 s");
        assertEquals("hello from nuclio", e.bodyAsString());
        assertEquals("1", e.header("x-attempt"));
        assertEquals("/tick", e.path());
        assertEquals("POST", e.method());
        assertEquals("cron", e.triggerKind());
    }

    @Test
    void aTickWithoutAMethodHasNone() {
        EventTemplate t = new EventTemplate();
        assertNull(new TimerEvent("cron", "tick", t, new byte[0], java.time.Instant.EPOCH, 1).method());
    }
}
