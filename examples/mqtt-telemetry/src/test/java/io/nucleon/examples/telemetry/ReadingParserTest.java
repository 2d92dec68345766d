package io.nucleon.examples.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What is a reading, and what each invalid one is rejected for. */
class ReadingParserTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:05:00Z");
    private static final String TOPIC = "sensors/d-7/readings";

    private static Reading parse(String topic, String payload) throws InvalidReadingException {
        return ReadingParser.parse(topic, payload.getBytes(StandardCharsets.UTF_8), NOW);
    }

    /** The field the reading is rejected for, checking that the reason starts with it. */
    private static String rejected(String topic, String payload) {
        InvalidReadingException e = assertThrows(InvalidReadingException.class, () -> parse(topic, payload));
        assertEquals(e.field() + ": ", e.getMessage().substring(0, e.field().length() + 2), e.getMessage());
        return e.field() + " | " + e.getMessage();
    }

    @Test
    void aReadingIsParsed() throws Exception {
        Reading r = parse(
                TOPIC,
                "{\"device\":\"d-7\",\"seq\":123,\"ts\":\"2026-12-07T10:00:00Z\",\"temperature\":21.5,\"humidity\":40.1}");
        assertEquals(new Reading("d-7", 123, Instant.parse("2026-12-07T10:00:00Z"), 21.5, 40.1), r);
        assertEquals("d-7-123", r.messageId());
    }

    @Test
    void theDeviceMayBeLeftToTheTopicAndTheTimeHaveAnOffset() throws Exception {
        Reading r = parse(
                TOPIC, "{\"seq\":0,\"ts\":\"2026-12-07T11:00:00+01:00\",\"temperature\":-40,\"humidity\":100,\"x\":1}");
        assertEquals(new Reading("d-7", 0, Instant.parse("2026-12-07T10:00:00Z"), -40, 100), r);
    }

    @Test
    void eachInvalidReadingNamesItsField() {
        String ok = "\"seq\":1,\"ts\":\"2026-12-07T10:00:00Z\",\"temperature\":20,\"humidity\":40";
        assertEquals(
                "device | device: is 'd-8' but the topic is of device 'd-7'",
                rejected(TOPIC, "{\"device\":\"d-8\"," + ok + "}"));
        assertEquals("device | device: must be a string", rejected(TOPIC, "{\"device\":7," + ok + "}"));
        assertEquals(
                "seq | seq: is required: the device's reading counter, an integer ≥ 0",
                rejected(TOPIC, "{\"ts\":\"2026-12-07T10:00:00Z\",\"temperature\":20,\"humidity\":40}"));
        assertEquals(
                "seq | seq: must be an integer ≥ 0, got \"1\"",
                rejected(TOPIC, "{" + ok.replace("1,", "\"1\",") + "}"));
        assertEquals(
                "seq | seq: must be an integer ≥ 0, got 1.5", rejected(TOPIC, "{" + ok.replace("1,", "1.5,") + "}"));
        assertEquals("seq | seq: must be ≥ 0, got -1", rejected(TOPIC, "{" + ok.replace("1,", "-1,") + "}"));
        assertEquals(
                "ts | ts: 'yesterday' is not an ISO-8601 time with an offset, such as 2026-12-07T10:00:00Z",
                rejected(TOPIC, "{" + ok.replace("2026-12-07T10:00:00Z", "yesterday") + "}"));
        assertEquals(
                "ts | ts: 2026-12-07T10:20:00Z is more than 10 minutes in the future",
                rejected(TOPIC, "{" + ok.replace("10:00:00Z", "10:20:00Z") + "}"));
        assertEquals(
                "temperature | temperature: must be in [-40, 125] °C, got 125.5",
                rejected(TOPIC, "{" + ok.replace("\"temperature\":20", "\"temperature\":125.5") + "}"));
        assertEquals(
                "temperature | temperature: must be a JSON number, got \"20\"",
                rejected(TOPIC, "{" + ok.replace("\"temperature\":20", "\"temperature\":\"20\"") + "}"));
        assertEquals(
                "humidity | humidity: is required: a number in [0, 100] %",
                rejected(TOPIC, "{" + ok.replace(",\"humidity\":40", "") + "}"));
        assertEquals(
                "humidity | humidity: must be in [0, 100] %, got -0.5",
                rejected(TOPIC, "{" + ok.replace("\"humidity\":40", "\"humidity\":-0.5") + "}"));
    }

    @Test
    void aMessageThatIsNoReadingAtAllIsRejectedForItsPayloadOrTopic() {
        assertEquals("payload", rejected(TOPIC, "21.5;40.1").split(" \\| ")[0]);
        assertEquals("payload", rejected(TOPIC, "{\"seq\":1} trailing").split(" \\| ")[0]);
        assertEquals("payload", rejected(TOPIC, "[1,2]").split(" \\| ")[0]);
        assertEquals(
                "payload",
                rejected(TOPIC, "x".repeat(ReadingParser.MAX_PAYLOAD_BYTES + 1)).split(" \\| ")[0]);
        assertEquals(
                "topic | topic: 'sensors/d-7/status' is not sensors/<device>/readings",
                rejected("sensors/d-7/status", "{}"));
        assertEquals("topic", rejected("sensors/d.7/readings", "{}").split(" \\| ")[0]);
    }
}
