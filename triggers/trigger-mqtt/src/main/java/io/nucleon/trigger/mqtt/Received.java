package io.nucleon.trigger.mqtt;

import java.util.List;
import java.util.Map;

/**
 * A message as it arrived, the same for MQTT 3.1.1 and 5.
 *
 * @param packetId       the PUBLISH's packet identifier (1 to 65535), or 0 when unknown (QoS 0, see
 *                       {@link PublishPacket})
 * @param dup            the PUBLISH's DUP flag: the broker sent it before, on an earlier connection
 * @param userProperties MQTT 5's user properties, in order (a name may repeat); empty on 3.1.1
 * @param ack            sends the acknowledgement (PUBACK, or PUBREC for QoS 2); nothing for QoS 0
 */
record Received(
        String topic,
        byte[] payload,
        int qos,
        boolean retain,
        int packetId,
        boolean dup,
        String contentType,
        String responseTopic,
        byte[] correlationData,
        List<Map.Entry<String, String>> userProperties,
        Runnable ack) {}
