package io.nucleon.examples.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * What one device's window of readings came to; published to {@code telemetry.summary.<device>}.
 *
 * @param device       the device
 * @param count        readings in the window
 * @param firstSeq     the lowest {@code seq} in it
 * @param lastSeq      the highest {@code seq} in it
 * @param from         the earliest {@code ts}
 * @param to           the latest {@code ts}
 * @param temperature  min, max and mean temperature, °C
 * @param humidity     min, max and mean humidity, %
 * @param redelivered  readings of the window that the server had already stored (delivered again
 *                     after a crash or a lost connection)
 * @param partial      the window was closed before it was full, because the processor stopped
 */
public record WindowSummary(
        String device,
        int count,
        long firstSeq,
        long lastSeq,
        Instant from,
        Instant to,
        Stats temperature,
        Stats humidity,
        int redelivered,
        boolean partial) {

    /** Minimum, maximum and mean of one quantity. */
    public record Stats(double min, double max, double mean) {}

    /**
     * The JetStream message id. A summary made again from the same readings (a failed publish
     * retried) is stored once; after a restart the windows start afresh and get ids of their own.
     */
    public String messageId() {
        return device + "-summary-" + firstSeq + "-" + lastSeq + "-" + count;
    }

    ObjectNode toJson(ObjectMapper json) {
        ObjectNode n = json.createObjectNode();
        n.put("device", device);
        n.put("count", count);
        n.put("firstSeq", firstSeq);
        n.put("lastSeq", lastSeq);
        n.put("from", from.toString());
        n.put("to", to.toString());
        stats(n.putObject("temperature"), temperature);
        stats(n.putObject("humidity"), humidity);
        n.put("redelivered", redelivered);
        n.put("partial", partial);
        return n;
    }

    private static void stats(ObjectNode n, Stats s) {
        n.put("min", s.min());
        n.put("max", s.max());
        n.put("mean", Math.round(s.mean() * 1000) / 1000.0);
    }
}
