package io.nucleon.examples.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nucleon.checks.brokers.NatsServer;
import io.nucleon.spi.Outcome;
import io.nucleon.test.EventResult;
import io.nucleon.test.TestFunction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The handler in this JVM with the test kit, its {@code out} binding on a real nats-server of the
 * test's own (JetStream, the stream made by {@link TelemetryStream}). The kit does not stand in for
 * the mqtt trigger, so the events, shaped as that trigger's, go through an http trigger the kit stands
 * in for (nothing listens); what the handler publishes is read back from the stream.
 */
class TelemetryHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TS =
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();

    private static NatsServer nats;
    private static Connection admin;
    private static TestFunction fn;

    @BeforeAll
    static void start() throws Exception {
        nats = new NatsServer().start();
        admin = Nats.connect(nats.url());
        TelemetryStream.create(admin);
        fn = TestFunction.of(b -> b.name("telemetry-test")
                        .handler(TelemetryHandler.class.getName())
                        .env(TelemetryHandler.WINDOW_SIZE_ENV, "3")
                        .dataBinding(TelemetryHandler.BINDING, "nats", Map.of("url", nats.url(), "ackTimeout", "2s"))
                        .trigger("readings", "http", t -> t.numWorkers(4)))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fn != null) {
            fn.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    private static EventResult send(String device, String payload) {
        return fn.send("readings", SensorMessage.of("sensors/" + device + "/readings", payload));
    }

    private static String reading(String device, long seq, double temperature, double humidity) {
        return "{\"device\":\"" + device + "\",\"seq\":" + seq + ",\"ts\":\"" + TS + "\",\"temperature\":" + temperature
                + ",\"humidity\":" + humidity + "}";
    }

    private static JsonNode last(String subject) throws Exception {
        JetStreamManagement jsm = admin.jetStreamManagement();
        MessageInfo m = jsm.getLastMessage(TelemetryStream.STREAM, subject);
        return JSON.readTree(m.getData());
    }

    private static long count(String subject) throws Exception {
        return admin
                .jetStreamManagement()
                .getStreamInfo(TelemetryStream.STREAM, io.nats.client.api.StreamInfoOptions.filterSubjects(subject))
                .getStreamState()
                .getSubjects()
                .stream()
                .mapToLong(io.nats.client.api.Subject::getCount)
                .sum();
    }

    @Test
    void aValidReadingIsStoredNormalisedUnderItsMessageId() throws Exception {
        EventResult r =
                send("t-1", "{\"seq\":5,\"ts\":\"" + TS + "\",\"temperature\":21.5,\"humidity\":40.1,\"x\":true}");
        assertEquals(Outcome.SUCCESS, r.outcome(), r::toString);
        assertEquals(Map.of("device", "t-1", "seq", 5, "duplicate", false, "summaries", 0), r.bodyAs(Map.class));
        MessageInfo m = admin.jetStreamManagement().getLastMessage(TelemetryStream.STREAM, "telemetry.readings.t-1");
        assertEquals("t-1-5", m.getHeaders().getFirst("Nats-Msg-Id"));
        JsonNode stored = JSON.readTree(m.getData());
        assertEquals("t-1", stored.get("device").asText());
        assertEquals(5, stored.get("seq").asLong());
        assertEquals(TS, stored.get("ts").asText());
        assertEquals(21.5, stored.get("temperature").asDouble());
        assertEquals(40.1, stored.get("humidity").asDouble());
        assertEquals("sensors/t-1/readings", stored.get("topic").asText());
        assertTrue(stored.has("receivedAt"));
        assertTrue(!stored.has("x"), "unknown fields are dropped");
    }

    @Test
    void aReadingDeliveredTwiceIsStoredOnce() throws Exception {
        assertEquals(Outcome.SUCCESS, send("t-2", reading("t-2", 1, 20, 40)).outcome());
        EventResult again = send("t-2", reading("t-2", 1, 20, 40));
        assertEquals(Outcome.SUCCESS, again.outcome(), again::toString);
        assertEquals(true, again.bodyAs(Map.class).get("duplicate"), "the server dropped it: same message id");
        assertEquals(1, count("telemetry.readings.t-2"));
    }

    @Test
    void everyThreeReadingsOfADeviceASummaryIsStored() throws Exception {
        assertEquals(0, send("t-3", reading("t-3", 1, 20, 40)).bodyAs(Map.class).get("summaries"));
        assertEquals(0, send("t-3", reading("t-3", 2, 22, 50)).bodyAs(Map.class).get("summaries"));
        assertEquals(1, send("t-3", reading("t-3", 3, 27, 45)).bodyAs(Map.class).get("summaries"));
        JsonNode s = last("telemetry.summary.t-3");
        assertEquals("t-3", s.get("device").asText());
        assertEquals(3, s.get("count").asInt());
        assertEquals(1, s.get("firstSeq").asLong());
        assertEquals(3, s.get("lastSeq").asLong());
        assertEquals(20, s.at("/temperature/min").asDouble());
        assertEquals(27, s.at("/temperature/max").asDouble());
        assertEquals(23, s.at("/temperature/mean").asDouble());
        assertEquals(45, s.at("/humidity/mean").asDouble());
        assertEquals(0, s.get("redelivered").asInt());
        assertEquals(false, s.get("partial").asBoolean());
        assertEquals(1, count("telemetry.summary.t-3"));
    }

    @Test
    void anInvalidReadingIsRejectedWithItsReasonAndTheEventSucceeds() throws Exception {
        String payload = reading("t-4", 9, 300, 40);
        EventResult r = send("t-4", payload);
        assertEquals(Outcome.SUCCESS, r.outcome(), "not retried: it can never succeed");
        assertEquals(Map.of("rejected", "temperature: must be in [-40, 125] °C, got 300.0"), r.bodyAs(Map.class));
        JsonNode rejected = last(TelemetryHandler.REJECTED_SUBJECT);
        assertEquals("temperature", rejected.get("field").asText());
        assertEquals(
                "temperature: must be in [-40, 125] °C, got 300.0",
                rejected.get("reason").asText());
        assertEquals("sensors/t-4/readings", rejected.get("topic").asText());
        assertEquals(payload, rejected.get("payload").asText());
        assertEquals(0, count("telemetry.readings.t-4"), "not stored as a reading");
        long before = count(TelemetryHandler.REJECTED_SUBJECT);
        assertEquals(Outcome.SUCCESS, send("t-4", payload).outcome());
        assertEquals(before, count(TelemetryHandler.REJECTED_SUBJECT), "rejected again: stored once");
    }

    @Test
    void aStopPublishesTheOpenWindowsAsPartialSummaries() throws Exception {
        try (TestFunction stopping = TestFunction.of(b -> b.name("telemetry-stop-test")
                        .handler(TelemetryHandler.class.getName())
                        .env(TelemetryHandler.WINDOW_SIZE_ENV, "10")
                        .dataBinding(TelemetryHandler.BINDING, "nats", Map.of("url", nats.url()))
                        .trigger("readings", "http", t -> t.numWorkers(2)))
                .start()) {
            for (int seq = 1; seq <= 4; seq++) {
                EventResult r = stopping.send(
                        "readings", SensorMessage.of("sensors/t-6/readings", reading("t-6", seq, 20 + seq, 40)));
                assertEquals(Outcome.SUCCESS, r.outcome(), r::toString);
            }
            assertEquals(0, count("telemetry.summary.t-6"), "the window holds 10");
        }
        JsonNode s = last("telemetry.summary.t-6");
        assertEquals(4, s.get("count").asInt(), s.toString());
        assertEquals(true, s.get("partial").asBoolean());
        assertEquals(22.5, s.at("/temperature/mean").asDouble()); // 21, 22, 23, 24
        assertEquals(1, count("telemetry.summary.t-6"), "published by one worker only");
    }

    @Test
    void aPayloadThatIsNotUtf8IsRejectedInBase64() throws Exception {
        byte[] payload = {(byte) 0xff, (byte) 0xfe, 0x41};
        EventResult r = fn.send("readings", new SensorMessage("m-1", "sensors/t-5/readings", payload));
        assertEquals(Outcome.SUCCESS, r.outcome(), r::toString);
        JsonNode rejected = last(TelemetryHandler.REJECTED_SUBJECT);
        assertEquals("payload", rejected.get("field").asText());
        assertEquals("//5B", rejected.get("payloadBase64").asText());
    }
}
