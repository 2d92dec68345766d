package io.nucleon.examples.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One validated sensor reading: what {@link ReadingParser} makes of a message, and what the handler
 * publishes, normalised, to {@code telemetry.readings.<device>}.
 *
 * @param device      the device id (the one in the topic; the body's, when it has one, agrees)
 * @param seq         the device's sequence number of the reading, ≥ 0
 * @param ts          when the device took it
 * @param temperature degrees Celsius, in [{@value ReadingParser#MIN_TEMPERATURE},
 *                    {@value ReadingParser#MAX_TEMPERATURE}]
 * @param humidity    relative humidity in percent, in [0, 100]
 */
public record Reading(String device, long seq, Instant ts, double temperature, double humidity) {

    /** The JetStream message id: the server stores a reading once however often it is published. */
    public String messageId() {
        return device + "-" + seq;
    }

    /** {@code {"device","seq","ts","temperature","humidity","topic","receivedAt"}}: the normalised form. */
    ObjectNode toJson(ObjectMapper json, String topic, Instant receivedAt) {
        ObjectNode n = json.createObjectNode();
        n.put("device", device);
        n.put("seq", seq);
        n.put("ts", ts.toString());
        n.put("temperature", temperature);
        n.put("humidity", humidity);
        n.put("topic", topic);
        n.put("receivedAt", receivedAt.toString());
        return n;
    }
}
