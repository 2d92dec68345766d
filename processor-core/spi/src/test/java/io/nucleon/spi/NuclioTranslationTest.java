package io.nucleon.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NuclioTranslationTest {

    /** The attributes of an imaginary trigger. */
    public static final class Config {
        public String brokers;
        public String delay;
        public String mode;
        public Map<String, String> properties = new LinkedHashMap<>();
        public int retries;
        public static final String NOT_AN_ATTRIBUTE = "x";
    }

    /** What a translation reported, as "warn path: message" and "error path: message". */
    static final class Recorded implements NuclioAttributes.Findings {
        final List<String> lines = new ArrayList<>();

        @Override
        public void warn(String attribute, String message) {
            lines.add("warn " + attribute + ": " + message);
        }

        @Override
        public void error(String attribute, String message) {
            lines.add("error " + attribute + ": " + message);
        }
    }

    private static final NuclioTranslation TRANSLATION = NuclioTranslation.builder("imaginary", Config.class)
            .kept("brokers")
            .renamed("backoff", "delay", NuclioTranslation::goDuration)
            .rule("fetchMin", (v, step) -> step.setEntry("properties", "fetch.min.bytes", v.asText()))
            .rule("mode", (v, step) -> step.set("mode", v.asText().toLowerCase(java.util.Locale.ROOT)))
            .unsupported("cors", "answer CORS in the handler")
            .platform("ingresses", "Kubernetes ingresses")
            .ignored("logLevel", "the client logs through SLF4J")
            .finish(step -> {
                if (!step.has("retries")) {
                    step.set("retries", 0);
                }
            })
            .build();

    private static ObjectNode yaml(String json) throws JsonProcessingException {
        return (ObjectNode) Json.mapper().readTree(json.replace('\'', '"'));
    }

    @Test
    void translatesKeepsAndReportsEachAttributeByItsPath() throws Exception {
        Recorded findings = new Recorded();
        ObjectNode out = TRANSLATION.translate(
                yaml("{'brokers': 'b:9092', 'backoff': '1m30s', 'fetchMin': 1, 'mode': 'POOL', 'cors': {},"
                        + " 'ingresses': {}, 'logLevel': 3, 'meta': 1, 'retries': 2, 'properties': {'a': 'b'}}"),
                findings);
        assertEquals(
                yaml("{'brokers': 'b:9092', 'delay': '90s', 'properties': {'a': 'b', 'fetch.min.bytes': '1'},"
                        + " 'mode': 'pool', 'retries': 2}"),
                out);
        assertEquals(
                List.of(
                        "error cors: not supported: answer CORS in the handler",
                        "warn ingresses: ignored: a setting of Nuclio's platform (Kubernetes ingresses)",
                        "warn logLevel: ignored: the client logs through SLF4J",
                        "warn meta: ignored: neither Nuclio's imaginary trigger nor Nucleon's has this attribute"),
                findings.lines);
    }

    @Test
    void theTriggersOwnAttributeWinsOverNucliosAndNuclioDefaultsFillTheRest() throws Exception {
        Recorded findings = new Recorded();
        ObjectNode out = TRANSLATION.translate(
                yaml("{'delay': '5s', 'backoff': '2s', 'properties': {'fetch.min.bytes': '9'}, 'fetchMin': 1}"),
                findings);
        assertEquals(yaml("{'delay': '5s', 'properties': {'fetch.min.bytes': '9'}, 'retries': 0}"), out);
        assertEquals(
                List.of(
                        "warn backoff: ignored: delay is given too, and Nucleon's own attribute wins",
                        "warn fetchMin: ignored: properties.fetch.min.bytes is given too, and Nucleon's own"
                                + " attribute wins"),
                findings.lines);
    }

    @Test
    void aValueThatCannotBeConvertedIsAnErrorAtItsAttributeAndTheInputIsLeftAsItWas() throws Exception {
        Recorded findings = new Recorded();
        ObjectNode in = yaml("{'backoff': '10 seconds', 'mode': null}");
        ObjectNode copy = in.deepCopy();
        TRANSLATION.translate(in, findings);
        assertEquals(
                List.of("error backoff: must be a duration such as 30s, 1m30s, 250ms or 1.5h (units ns, us, ms, s,"
                        + " m, h), got \"10 seconds\""),
                findings.lines);
        assertEquals(copy, in);
    }

    @Test
    void readsGoDurations() {
        assertEquals("10s", go("10s"));
        assertEquals("90s", go("1m30s"));
        assertEquals("90m", go("1.5h"));
        assertEquals("250ms", go("250ms"));
        assertEquals("0ms", go("0"));
        assertEquals("PT0.0015S", go("1500us"));
        assertEquals("PT0.0000015S", go("1.5\u00b5s"));
        assertEquals(java.time.Duration.ofNanos(1500), Durations.parse(go("1.5us")), "Nucleon reads it back");
        for (String bad : List.of("", "10", "-1s", "1d", "s", "1..5s", "1.s5")) {
            assertThrows(IllegalArgumentException.class, () -> go(bad), bad);
        }
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> NuclioTranslation.goDuration(
                        Json.mapper().getNodeFactory().numberNode(10)));
        assertTrue(e.getMessage().contains("(text with a unit), got 10"), e.getMessage());
    }

    private static String go(String s) {
        JsonNode n = NuclioTranslation.goDuration(TextNode.valueOf(s));
        return n.asText();
    }

    @Test
    void aRuleForANameTheTriggerDoesNotHaveIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> NuclioTranslation.builder("x", Config.class).kept("NOT_AN_ATTRIBUTE"));
        assertThrows(
                IllegalArgumentException.class,
                () -> NuclioTranslation.builder("x", Config.class)
                        .ignored("a", "why")
                        .platform("a", "what"));
    }
}
