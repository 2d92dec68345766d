package io.nucleon.examples.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.binding.nats.NatsBinding;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Validates sensor readings from {@code sensors/<device>/readings}, publishes each valid one,
 * normalised, to the JetStream subject {@code telemetry.readings.<device>} (message id
 * {@code <device>-<seq>}), and every {@code TELEMETRY_WINDOW_SIZE} readings of a device a summary to
 * {@code telemetry.summary.<device>}, all through the {@code out} nats data binding.
 *
 * <p>At least once: the handler returns the stage of the JetStream publish, so the event, and with
 * it the MQTT message's acknowledgement, completes only once the server has stored the reading (and
 * the summary it closed, if any). A publish that fails or is not acknowledged in time fails the
 * event, which the mqtt trigger retries; the message id makes a publish repeated after a retry or a
 * crash a duplicate the server drops.
 *
 * <p>A message that is not a valid reading ({@link ReadingParser} says why) can never succeed, so it
 * is not retried: it is published to {@code telemetry.rejected} with the reason, and the event
 * succeeds (the message is acknowledged). The trigger's dead-letter topic is left for readings that
 * could not be stored after every retry.
 *
 * <p>The windows ({@link DeviceWindows}) are shared by the workers of the function, one set per
 * function name in the JVM; each worker has its own instance of this class. When the processor
 * stops, the open windows are published as partial summaries ({@link #close}); a crash loses them.
 */
public final class TelemetryHandler implements Handler {
    /** The name of the nats data binding in function.yaml. */
    public static final String BINDING = "out";
    /** Where valid readings go: this prefix and the device id. */
    public static final String READINGS_SUBJECT = "telemetry.readings.";
    /** Where window summaries go: this prefix and the device id. */
    public static final String SUMMARY_SUBJECT = "telemetry.summary.";
    /** Where invalid messages go, with the reason. */
    public static final String REJECTED_SUBJECT = "telemetry.rejected";
    /** The environment variable ({@code spec.env}) with the readings per window. */
    public static final String WINDOW_SIZE_ENV = "TELEMETRY_WINDOW_SIZE";
    /** Readings per window when {@link #WINDOW_SIZE_ENV} is not set. */
    public static final int DEFAULT_WINDOW_SIZE = 50;
    /** How long a stopping worker waits for the partial summaries of the open windows to be stored. */
    static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(3);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, DeviceWindows> WINDOWS = new ConcurrentHashMap<>();

    private NatsBinding out;
    private DeviceWindows windows;

    @Override
    public void init(Context context) {
        out = context.binding(BINDING, NatsBinding.class);
        int size = windowSize(context.env(WINDOW_SIZE_ENV));
        windows = WINDOWS.computeIfAbsent(context.functionName(), name -> new DeviceWindows(size));
        context.logger().debug("telemetry handler ready", "worker", context.workerId(), "windowSize", size);
    }

    static int windowSize(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_WINDOW_SIZE;
        }
        try {
            int size = Integer.parseInt(value.trim());
            if (size >= 1 && size <= 1_000_000) {
                return size;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                WINDOW_SIZE_ENV + " must be an integer from 1 to 1000000 (readings per window), not '" + value + "'");
    }

    @Override
    public Object handle(Context context, Event event) {
        String topic = event.topic() != null ? event.topic() : event.path();
        Instant now = Instant.now();
        Reading reading;
        try {
            reading = ReadingParser.parse(topic, event.body(), now);
        } catch (InvalidReadingException invalid) {
            return reject(context, topic, event.body(), invalid, now);
        }
        byte[] normalised = write(reading.toJson(JSON, topic, now));
        // Returned, not joined: the worker is free at once; the event completes when the server
        // has stored the reading and, when it closed a window, the summary.
        return out.publishJetStream(READINGS_SUBJECT + reading.device(), reading.messageId(), Map.of(), normalised)
                .thenCompose(stored -> publishSummaries(reading.device(), windows.add(reading, stored.duplicate()))
                        .thenApply(summaries -> Map.of(
                                "device", reading.device(),
                                "seq", reading.seq(),
                                "duplicate", stored.duplicate(),
                                "summaries", summaries)));
    }

    /**
     * The first worker to stop publishes every device's open window as a partial summary (the others
     * find none left), waiting up to {@link #FLUSH_TIMEOUT} for the server: the bindings close after
     * the workers. A crash does not get here: its open windows are lost.
     */
    @Override
    public void close(Context context) throws InterruptedException {
        if (windows == null) {
            return; // init failed
        }
        List<WindowSummary> open = windows.closeAll();
        if (open.isEmpty()) {
            return;
        }
        List<CompletableFuture<?>> publishes = new ArrayList<>();
        for (WindowSummary s : open) {
            publishes.add(
                    out.publishJetStream(SUMMARY_SUBJECT + s.device(), s.messageId(), Map.of(), write(s.toJson(JSON)))
                            .toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(publishes.toArray(CompletableFuture[]::new))
                    .get(FLUSH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            context.logger().info("open windows published at stop", "summaries", open.size());
        } catch (ExecutionException | TimeoutException e) {
            long stored = publishes.stream()
                    .filter(f -> f.isDone() && !f.isCompletedExceptionally())
                    .count();
            context.logger()
                    .warn(
                            "open windows at stop not all published",
                            "summaries",
                            open.size(),
                            "stored",
                            stored,
                            "error",
                            String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.toString()));
        }
    }

    /** Publishes the summaries; those not stored are put back for the device's next reading. */
    private CompletionStage<Integer> publishSummaries(String device, List<WindowSummary> due) {
        if (due.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        List<CompletableFuture<?>> publishes = new ArrayList<>();
        for (WindowSummary s : due) {
            publishes.add(out.publishJetStream(SUMMARY_SUBJECT + device, s.messageId(), Map.of(), write(s.toJson(JSON)))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(publishes.toArray(CompletableFuture[]::new))
                .handle((ok, error) -> {
                    if (error == null) {
                        return due.size();
                    }
                    // Put every one back: those stored already are duplicates the server drops.
                    windows.putBack(device, due);
                    throw error instanceof RuntimeException r ? r : new IllegalStateException(error);
                });
    }

    private CompletionStage<Map<String, Object>> reject(
            Context context, String topic, byte[] payload, InvalidReadingException invalid, Instant now) {
        ObjectNode n = JSON.createObjectNode();
        n.put("reason", invalid.getMessage());
        n.put("field", invalid.field());
        n.put("topic", topic);
        String text = utf8(payload);
        if (text != null) {
            n.put("payload", text);
        } else {
            n.put("payloadBase64", Base64.getEncoder().encodeToString(payload));
        }
        n.put("rejectedAt", now.toString());
        context.logger().info("reading rejected", "topic", topic, "reason", invalid.getMessage());
        return out.publishJetStream(REJECTED_SUBJECT, rejectionId(topic, payload), Map.of(), write(n))
                .thenApply(stored -> Map.of("rejected", invalid.getMessage()));
    }

    /** The same message rejected again (delivered twice) gets the same id, so it is stored once. */
    static String rejectionId(String topic, byte[] payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(topic).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(payload);
            return "rejected-" + HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] write(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + n, e);
        }
    }
}
