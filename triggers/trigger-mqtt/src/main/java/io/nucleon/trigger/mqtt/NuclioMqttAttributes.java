package io.nucleon.trigger.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.NuclioTranslation;

/**
 * How the {@code mqtt} trigger reads the attributes of Nuclio's {@code mqtt} trigger
 * ({@code pkg/processor/trigger/mqtt} in nuclio/nuclio): {@code subscriptions} (each a {@code topic}
 * and a {@code qos}, as here), {@code clientID} and {@code protocolVersion} (3.1.1 is 4 there). The
 * engine moves the trigger's {@code url} into the attributes.
 *
 * <p>Where Nucleon differs on purpose: Nuclio connects with a clean session, so what is published
 * while the function is away is lost; Nucleon resumes a persistent session under a stable client id
 * ({@code nucleon-<function>-<trigger>} unless {@code clientID} is given) and acknowledges a message
 * only after its handler succeeded.
 */
final class NuclioMqttAttributes {

    static final NuclioAttributes TRANSLATION = NuclioTranslation.builder("mqtt", MqttTriggerConfig.class)
            .kept("url", "subscriptions")
            .renamed("clientID", "clientId", value -> value)
            .rule("protocolVersion", NuclioMqttAttributes::protocolVersion)
            .build();

    private NuclioMqttAttributes() {}

    /** Nuclio's protocol version is MQTT's protocol level: 4 is 3.1.1, 5 is MQTT 5. */
    private static void protocolVersion(JsonNode value, NuclioTranslation.Step step) {
        if (!value.isIntegralNumber()) {
            step.error("must be 4 (MQTT 3.1.1) or 5 (MQTT 5), got " + value);
        } else if (value.asInt() == 4) {
            step.set("mqttVersion", 3);
        } else if (value.asInt() == 5) {
            step.set("mqttVersion", 5);
        } else if (value.asInt() == 3) {
            step.error("not supported: MQTT 3.1 (protocol level 3); give 4 (MQTT 3.1.1) or 5 (MQTT 5)");
        } else {
            step.error("must be 4 (MQTT 3.1.1) or 5 (MQTT 5), got " + value);
        }
    }
}
