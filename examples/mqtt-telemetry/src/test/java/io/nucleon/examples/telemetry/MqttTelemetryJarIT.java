package io.nucleon.examples.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.IterableConsumer;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;
import io.nucleon.checks.brokers.Mosquitto;
import io.nucleon.checks.brokers.NatsServer;
import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged mqtt-telemetry jar as a real process against a Mosquitto and a nats-server of
 * the test's own (free ports, persistence in temporary directories), with the packaged
 * function.yaml pointed at them. Publishes readings of 50 devices, about 1 % of them invalid, kills
 * the process with SIGKILL once a quarter is handled, starts it again, and checks what JetStream
 * holds: every valid reading once, no invalid one, every invalid one rejected with its reason, and
 * summaries for every device.
 */
@SuppressWarnings("try") // jnats' close() may throw InterruptedException
class MqttTelemetryJarIT {
    private static final int READINGS = Integer.getInteger("mqtt-telemetry.readings", 20_000);
    private static final int DEVICES = 50;
    private static final int WINDOW = 50; // TELEMETRY_WINDOW_SIZE in the packaged function.yaml
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The kinds of invalid reading the test sends, and the field each is rejected for. */
    private static final String[] INVALID_FIELDS = {"temperature", "humidity", "device", "ts", "payload", "seq"};

    private final Instant base =
            Instant.now().minus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    private Mosquitto mqtt;
    private NatsServer nats;
    private Connection admin;
    private Mqtt5AsyncClient publisher;

    @TempDir
    Path dir;

    @BeforeEach
    void startBrokers() throws Exception {
        mqtt = Mosquitto.start();
        nats = new NatsServer().start();
        admin = Nats.connect(nats.url());
        assertTrue(TelemetryStream.create(admin), "the stream is new");
        publisher = MqttClient.builder()
                .useMqttVersion5()
                .identifier("telemetry-it-publisher")
                .serverHost("127.0.0.1")
                .serverPort(mqtt.port())
                .buildAsync();
        publisher.connect().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopBrokers() throws Exception {
        if (publisher != null) {
            publisher.disconnect();
        }
        if (admin != null) {
            admin.close();
        }
        if (nats != null) {
            nats.close();
        }
        if (mqtt != null) {
            mqtt.close();
        }
    }

    @Test
    void everyValidReadingIsStoredOnceAcrossAKill9AndEveryInvalidOneIsRejected() throws Exception {
        // every reading the handler publishes, as a core subscriber sees it: duplicates included
        Map<String, Integer> publishedIds = new ConcurrentHashMap<>();
        Dispatcher tap = admin.createDispatcher(
                m -> publishedIds.merge(m.getHeaders().getFirst("Nats-Msg-Id"), 1, Integer::sum));
        tap.setPendingLimits(1_000_000, 1L << 30);
        tap.subscribe(TelemetryHandler.READINGS_SUBJECT + ">");
        AtomicInteger deadLetters = new AtomicInteger();
        publisher
                .subscribeWith()
                .topicFilter("telemetry/dead-letters")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> deadLetters.incrementAndGet())
                .send()
                .get(10, TimeUnit.SECONDS);
        admin.flush(Duration.ofSeconds(5));

        long t0 = System.nanoTime();
        FunctionJar jar = FunctionJar.packaged()
                .workDirectory(dir)
                .override("spec.triggers.readings.attributes.url", mqtt.url())
                .override("spec.dataBindings.out.attributes.url", nats.url());

        long handledBeforeKill;
        CompletableFuture<Void> publishing;
        try (FunctionProcess first = jar.start()) { // ready: subscribed, so the session queues what follows
            publishing = CompletableFuture.runAsync(this::publishAll);
            first.await(
                    "a quarter of the readings handled", Duration.ofSeconds(40), () -> handled(first) >= READINGS / 4);
            handledBeforeKill = handled(first);
            first.kill(); // SIGKILL: what was in flight is neither acknowledged nor stored for sure
        }
        assertTrue(handledBeforeKill < READINGS, "killed mid-stream, after " + handledBeforeKill);
        publishing.get(30, TimeUnit.SECONDS);
        long killed = System.nanoTime();

        Expected expected = expected();
        try (FunctionProcess second = jar.start()) {
            second.await(
                    "every valid reading stored, every invalid one rejected, a summary for every device",
                    Duration.ofSeconds(40),
                    () -> {
                        Map<String, Long> counts = subjectCounts();
                        long readings = counts.entrySet().stream()
                                .filter(e -> e.getKey().startsWith(TelemetryHandler.READINGS_SUBJECT))
                                .mapToLong(Map.Entry::getValue)
                                .sum();
                        long summarised = counts.keySet().stream()
                                .filter(s -> s.startsWith(TelemetryHandler.SUMMARY_SUBJECT))
                                .count();
                        return readings >= expected.valid.size()
                                && counts.getOrDefault(TelemetryHandler.REJECTED_SUBJECT, 0L) >= expected.invalid.size()
                                && summarised == DEVICES;
                    });
            long done = System.nanoTime();
            long handledAfterRestart = handled(second);

            Stream stream = readStream();
            Set<String> missing = new TreeSet<>(expected.valid);
            missing.removeAll(stream.readings.keySet());
            assertTrue(missing.isEmpty(), missing.size() + " valid readings not stored, such as " + first(missing));
            assertEquals(
                    expected.valid, stream.readings.keySet(), "the stream holds the valid readings, and only those");
            stream.readings.forEach(
                    (id, n) -> assertEquals(1, n, id + ": stored once (de-duplicated by its message id)"));

            assertEquals(expected.invalid.keySet(), stream.rejected.keySet(), "every invalid reading rejected, once");
            expected.invalid.forEach((payload, field) -> {
                JsonNode r = stream.rejected.get(payload);
                assertEquals(field, r.get("field").asText(), r.toString());
                assertTrue(r.get("reason").asText().startsWith(field + ": "), r.toString());
                assertTrue(r.get("topic").asText().matches("sensors/d-\\d+/readings"), r.toString());
            });

            assertReading(stream.sample, "d-3", 7);
            assertEquals(DEVICES, stream.summaries.keySet().size(), "summaries of every device");
            for (List<JsonNode> summaries : stream.summaries.values()) {
                summaries.forEach(this::assertSummary);
            }
            assertEquals(0, deadLetters.get(), "no reading dead-lettered");

            assertEquals(0, second.stop(), "SIGTERM: a graceful stop");
            // the stop published the open windows: every reading of the second process is in a summary
            Stream after = readStream();
            int summarised = 0;
            int partial = 0;
            int redeliveredInAll = 0;
            for (List<JsonNode> summaries : after.summaries.values()) {
                for (JsonNode s : summaries) {
                    summarised += s.get("count").asInt();
                    partial += s.get("partial").asBoolean() ? 1 : 0;
                    redeliveredInAll += s.get("redelivered").asInt();
                }
            }
            assertTrue(partial > 0, "partial summaries at the stop");
            // lost: what the first process's open windows held at the kill, at most WINDOW - 1 a device
            int atMostLost = DEVICES * (WINDOW - 1);
            assertTrue(
                    summarised >= expected.valid.size() - atMostLost
                            && summarised <= expected.valid.size() + redeliveredInAll,
                    summarised + " readings in summaries");
            int publishes =
                    publishedIds.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf(
                    "mqtt-telemetry IT: %d readings (%d valid, %d invalid) over %d devices; first process handled %d"
                            + " before kill -9, second %d; %d reading publishes seen, %d de-duplicated by the server;"
                            + " %d rejected; %d summaries (%d partial, at the stop) of %d readings (%d redelivered);"
                            + " kill to all stored: %d ms;"
                            + " total %d ms%n",
                    READINGS,
                    expected.valid.size(),
                    expected.invalid.size(),
                    DEVICES,
                    handledBeforeKill,
                    handledAfterRestart,
                    publishes,
                    publishes - stream.readings.size(),
                    stream.rejected.size(),
                    after.summaries.values().stream().mapToInt(List::size).sum(),
                    partial,
                    summarised,
                    redeliveredInAll,
                    TimeUnit.NANOSECONDS.toMillis(done - killed),
                    TimeUnit.NANOSECONDS.toMillis(done - t0));
        }
    }

    // ---- the readings ----------------------------------------------------------------------------

    private static String device(int i) {
        return "d-" + (i % DEVICES);
    }

    private static long seq(int i) {
        return i / DEVICES;
    }

    /** About 1 %: every 97th reading (97 and 50 are coprime, so every device gets some). */
    private static boolean invalid(int i) {
        return i % 97 == 0;
    }

    private static double temperature(int i) {
        return 15 + (seq(i) % 20) * 0.5 + (i % DEVICES) * 0.1;
    }

    private static double humidity(int i) {
        return 30 + seq(i) % 40;
    }

    private String payload(int i) {
        String device = device(i);
        long seq = seq(i);
        String ts = base.plusSeconds(seq).toString();
        if (!invalid(i)) {
            return "{\"device\":\"" + device + "\",\"seq\":" + seq + ",\"ts\":\"" + ts + "\",\"temperature\":"
                    + temperature(i) + ",\"humidity\":" + humidity(i) + "}";
        }
        return switch (INVALID_FIELDS[(i / 97) % INVALID_FIELDS.length]) {
            case "temperature" ->
                "{\"device\":\"" + device + "\",\"seq\":" + seq + ",\"ts\":\"" + ts
                        + "\",\"temperature\":300.5,\"humidity\":40}";
            case "humidity" ->
                "{\"device\":\"" + device + "\",\"seq\":" + seq + ",\"ts\":\"" + ts
                        + "\",\"temperature\":20,\"humidity\":-5}";
            case "device" ->
                "{\"device\":\"x-" + i + "\",\"seq\":" + seq + ",\"ts\":\"" + ts
                        + "\",\"temperature\":20,\"humidity\":40}";
            case "ts" -> "{\"device\":\"" + device + "\",\"seq\":" + seq + ",\"temperature\":20,\"humidity\":40}";
            case "payload" -> "reading " + i + " is not JSON";
            default ->
                "{\"device\":\"" + device + "\",\"seq\":\"" + seq + "\",\"ts\":\"" + ts
                        + "\",\"temperature\":20,\"humidity\":40}";
        };
    }

    private record Expected(Set<String> valid, Map<String, String> invalid) {}

    /** The message ids of the valid readings; the payloads of the invalid ones, with the field at fault. */
    private Expected expected() {
        Set<String> valid = new HashSet<>();
        Map<String, String> invalid = new HashMap<>();
        for (int i = 0; i < READINGS; i++) {
            if (invalid(i)) {
                invalid.put(payload(i), INVALID_FIELDS[(i / 97) % INVALID_FIELDS.length]);
            } else {
                valid.add(device(i) + "-" + seq(i));
            }
        }
        return new Expected(valid, invalid);
    }

    /** Publishes every reading with QoS 1 on its device's topic and waits for the broker's acks. */
    private void publishAll() {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < READINGS; i++) {
            acks.add(publisher
                    .publishWith()
                    .topic("sensors/" + device(i) + "/readings")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload(i).getBytes(StandardCharsets.UTF_8))
                    .send());
            if (acks.size() == 2000) {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
                acks.clear();
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
    }

    // ---- what the stream holds -------------------------------------------------------------------

    private Map<String, Long> subjectCounts() throws Exception {
        Map<String, Long> counts = new HashMap<>();
        List<Subject> subjects = admin.jetStreamManagement()
                .getStreamInfo(TelemetryStream.STREAM, StreamInfoOptions.allSubjects())
                .getStreamState()
                .getSubjects();
        if (subjects != null) {
            subjects.forEach(s -> counts.put(s.getName(), s.getCount()));
        }
        return counts;
    }

    private static final class Stream {
        final Map<String, Integer> readings = new HashMap<>(); // message id → messages
        final Map<String, JsonNode> sample = new HashMap<>();
        final Map<String, JsonNode> rejected = new HashMap<>(); // the payload → the rejection
        final Map<String, List<JsonNode>> summaries = new HashMap<>(); // device → its summaries
    }

    /** Reads the whole stream with an ordered consumer. */
    private Stream readStream() throws Exception {
        long total = admin.jetStreamManagement()
                .getStreamInfo(TelemetryStream.STREAM)
                .getStreamState()
                .getMsgCount();
        Stream s = new Stream();
        try (IterableConsumer consumer = admin.getStreamContext(TelemetryStream.STREAM)
                .createOrderedConsumer(new OrderedConsumerConfiguration().filterSubject(TelemetryStream.SUBJECTS))
                .iterate()) {
            for (long read = 0; read < total; read++) {
                Message m = consumer.nextMessage(Duration.ofSeconds(5));
                assertTrue(m != null, "message " + (read + 1) + " of " + total + " of the stream");
                JsonNode body = JSON.readTree(m.getData());
                String subject = m.getSubject();
                if (subject.startsWith(TelemetryHandler.READINGS_SUBJECT)) {
                    String id =
                            body.get("device").asText() + "-" + body.get("seq").asLong();
                    assertEquals(
                            TelemetryHandler.READINGS_SUBJECT
                                    + body.get("device").asText(),
                            subject);
                    assertEquals(id, m.getHeaders().getFirst("Nats-Msg-Id"));
                    s.readings.merge(id, 1, Integer::sum);
                    s.sample.put(id, body);
                } else if (subject.startsWith(TelemetryHandler.SUMMARY_SUBJECT)) {
                    s.summaries
                            .computeIfAbsent(
                                    subject.substring(TelemetryHandler.SUMMARY_SUBJECT.length()),
                                    d -> new ArrayList<>())
                            .add(body);
                } else {
                    assertEquals(TelemetryHandler.REJECTED_SUBJECT, subject);
                    s.rejected.put(body.get("payload").asText(), body);
                }
            }
        }
        return s;
    }

    /** One reading in full: the normalised form of reading {@code seq} of {@code device}. */
    private void assertReading(Map<String, JsonNode> sample, String device, long seq) {
        int i = (int) (seq * DEVICES + Integer.parseInt(device.substring(2)));
        JsonNode r = sample.get(device + "-" + seq);
        assertEquals(device, r.get("device").asText(), r.toString());
        assertEquals(seq, r.get("seq").asLong());
        assertEquals(base.plusSeconds(seq).toString(), r.get("ts").asText());
        assertEquals(temperature(i), r.get("temperature").asDouble());
        assertEquals(humidity(i), r.get("humidity").asDouble());
        assertEquals("sensors/" + device + "/readings", r.get("topic").asText());
        assertTrue(Instant.parse(r.get("receivedAt").asText()).isAfter(base), r.toString());
    }

    /** A summary covers one window of its device's readings, with consistent figures. */
    private void assertSummary(JsonNode s) {
        int device = Integer.parseInt(s.get("device").asText().substring(2));
        assertEquals(WINDOW, s.get("count").asInt(), s.toString());
        assertTrue(!s.get("partial").asBoolean(), "no partial summary before the stop: " + s);
        assertTrue(s.get("firstSeq").asLong() <= s.get("lastSeq").asLong() - (WINDOW - 1), s.toString());
        assertTrue(
                !Instant.parse(s.get("from").asText())
                        .isAfter(Instant.parse(s.get("to").asText())),
                s.toString());
        for (String q : List.of("temperature", "humidity")) {
            JsonNode st = s.get(q);
            assertTrue(st.get("min").asDouble() <= st.get("mean").asDouble() + 1e-9, s.toString());
            assertTrue(st.get("mean").asDouble() <= st.get("max").asDouble() + 1e-9, s.toString());
        }
        assertTrue(s.at("/temperature/min").asDouble() >= 15 + device * 0.1 - 1e-9, s.toString());
        assertTrue(s.at("/temperature/max").asDouble() <= 15 + 19 * 0.5 + device * 0.1 + 1e-9, s.toString());
    }

    private static String first(Set<String> ids) {
        return ids.stream().limit(10).toList().toString();
    }

    /** {@code nucleon_events_total} of the readings trigger with outcome success. */
    private static long handled(FunctionProcess fn) {
        return (long) fn.metric("nucleon_events_total", Map.of("trigger", "readings", "outcome", "success"));
    }
}
