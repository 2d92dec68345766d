package io.nucleon.examples.telemetry;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an MQTT message into a {@link Reading}, or says precisely why it is not one.
 *
 * <p>A reading is published on {@code sensors/<device>/readings} as a JSON object:
 *
 * <pre>{@code
 * {"device": "d-7", "seq": 123, "ts": "2026-12-07T10:00:00Z", "temperature": 21.5, "humidity": 40.1}
 * }</pre>
 *
 * <ul>
 *   <li>{@code device} (optional): when present, the same as the topic's; a device id is 1 to 64
 *       letters, digits, {@code -} or {@code _}, starting with a letter or digit (so it is one NATS
 *       subject token and one MQTT topic level);</li>
 *   <li>{@code seq} (required): an integer ≥ 0, the device's own counter;</li>
 *   <li>{@code ts} (required): an ISO-8601 time with an offset ({@code Z} or {@code +02:00}), at most
 *       {@link #MAX_CLOCK_SKEW} ahead of the processor's clock;</li>
 *   <li>{@code temperature} (required): a JSON number of degrees Celsius in [{@value #MIN_TEMPERATURE},
 *       {@value #MAX_TEMPERATURE}] (the range of common sensors);</li>
 *   <li>{@code humidity} (required): a JSON number of percent in [0, 100].</li>
 * </ul>
 *
 * Other fields are ignored (they are not in the normalised reading). Thread-safe.
 */
public final class ReadingParser {
    /** The lowest temperature accepted, °C. */
    public static final double MIN_TEMPERATURE = -40;
    /** The highest temperature accepted, °C. */
    public static final double MAX_TEMPERATURE = 125;
    /** How far ahead of the processor's clock a reading's {@code ts} may be. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);
    /** The largest payload accepted; a reading is about 100 bytes. */
    public static final int MAX_PAYLOAD_BYTES = 16 * 1024;

    /** A device id: one NATS subject token and one MQTT topic level. */
    static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private static final Pattern TOPIC = Pattern.compile("sensors/([^/]+)/readings");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ReadingParser() {}

    /**
     * @param topic   the MQTT topic the message came on
     * @param payload the message's payload
     * @param now     the processor's clock, for the {@code ts} check
     * @return the reading
     * @throws InvalidReadingException naming the first field at fault and what it must be
     */
    public static Reading parse(String topic, byte[] payload, Instant now) throws InvalidReadingException {
        String device = deviceOf(topic);
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new InvalidReadingException(
                    "payload", "is " + payload.length + " bytes, more than " + MAX_PAYLOAD_BYTES + " allowed");
        }
        JsonNode body;
        try {
            body = JSON.readTree(payload);
        } catch (JacksonException e) {
            throw new InvalidReadingException("payload", "is not JSON (" + e.getOriginalMessage() + ")");
        } catch (java.io.IOException e) {
            throw new InvalidReadingException("payload", "cannot be read (" + e.getMessage() + ")");
        }
        if (body == null || !body.isObject()) {
            throw new InvalidReadingException(
                    "payload",
                    "must be a JSON object such as {\"seq\": 1, \"ts\": \"2026-12-07T10:00:00Z\","
                            + " \"temperature\": 21.5, \"humidity\": 40.1}");
        }
        JsonNode bodyDevice = body.get("device");
        if (bodyDevice != null && !bodyDevice.isNull()) {
            if (!bodyDevice.isTextual()) {
                throw new InvalidReadingException("device", "must be a string");
            }
            if (!bodyDevice.asText().equals(device)) {
                throw new InvalidReadingException(
                        "device", "is '" + bodyDevice.asText() + "' but the topic is of device '" + device + "'");
            }
        }
        long seq = seq(body.get("seq"));
        Instant ts = ts(body.get("ts"), now);
        double temperature = number(body.get("temperature"), "temperature", MIN_TEMPERATURE, MAX_TEMPERATURE, "°C");
        double humidity = number(body.get("humidity"), "humidity", 0, 100, "%");
        return new Reading(device, seq, ts, temperature, humidity);
    }

    /** The device id in {@code sensors/<device>/readings}. */
    static String deviceOf(String topic) throws InvalidReadingException {
        Matcher m = TOPIC.matcher(topic == null ? "" : topic);
        if (!m.matches()) {
            throw new InvalidReadingException("topic", "'" + topic + "' is not sensors/<device>/readings");
        }
        String device = m.group(1);
        if (!DEVICE.matcher(device).matches()) {
            throw new InvalidReadingException(
                    "topic",
                    "device id '" + device + "' must be 1 to 64 letters, digits, '-' or '_', starting with a"
                            + " letter or digit");
        }
        return device;
    }

    private static long seq(JsonNode n) throws InvalidReadingException {
        if (n == null || n.isNull()) {
            throw new InvalidReadingException("seq", "is required: the device's reading counter, an integer ≥ 0");
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new InvalidReadingException("seq", "must be an integer ≥ 0, got " + n);
        }
        if (n.asLong() < 0) {
            throw new InvalidReadingException("seq", "must be ≥ 0, got " + n.asLong());
        }
        return n.asLong();
    }

    private static Instant ts(JsonNode n, Instant now) throws InvalidReadingException {
        if (n == null || n.isNull()) {
            throw new InvalidReadingException("ts", "is required: an ISO-8601 time such as 2026-12-07T10:00:00Z");
        }
        if (!n.isTextual()) {
            throw new InvalidReadingException("ts", "must be an ISO-8601 time string, got " + n);
        }
        Instant ts;
        try {
            ts = OffsetDateTime.parse(n.asText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidReadingException(
                    "ts", "'" + n.asText() + "' is not an ISO-8601 time with an offset, such as 2026-12-07T10:00:00Z");
        }
        if (ts.isAfter(now.plus(MAX_CLOCK_SKEW))) {
            throw new InvalidReadingException(
                    "ts", n.asText() + " is more than " + MAX_CLOCK_SKEW.toMinutes() + " minutes in the future");
        }
        return ts;
    }

    private static double number(JsonNode n, String field, double min, double max, String unit)
            throws InvalidReadingException {
        if (n == null || n.isNull()) {
            throw new InvalidReadingException(
                    field, "is required: a number in [" + fmt(min) + ", " + fmt(max) + "] " + unit);
        }
        if (!n.isNumber()) {
            throw new InvalidReadingException(field, "must be a JSON number, got " + n);
        }
        double v = n.asDouble();
        if (!Double.isFinite(v) || v < min || v > max) {
            throw new InvalidReadingException(
                    field, "must be in [" + fmt(min) + ", " + fmt(max) + "] " + unit + ", got " + n.asText());
        }
        return v;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
