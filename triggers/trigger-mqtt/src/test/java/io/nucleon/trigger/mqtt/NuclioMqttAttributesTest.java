package io.nucleon.trigger.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.spi.Json;
import io.nucleon.spi.NuclioAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mqtt trigger reading the attributes of Nuclio's {@code mqtt} trigger ({@code pkg/processor/trigger/mqtt}). */
class NuclioMqttAttributesTest {
    private final NuclioAttributes nuclio = new MqttTriggerFactory().nuclioAttributes();
    private final List<String> findings = new ArrayList<>();

    private ObjectNode translate(String json) throws JsonProcessingException {
        return nuclio.translate(json(json), new NuclioAttributes.Findings() {
            @Override
            public void warn(String attribute, String message) {
                findings.add("warn " + attribute + ": " + message);
            }

            @Override
            public void error(String attribute, String message) {
                findings.add("error " + attribute + ": " + message);
            }
        });
    }

    private static ObjectNode json(String json) throws JsonProcessingException {
        return (ObjectNode) Json.mapper().readTree(json.replace('\'', '"'));
    }

    @Test
    void nucliosAttributesBecomeOurs() throws Exception {
        ObjectNode out = translate("{'url': 'tcp://broker:1883', 'clientID': 'sensor-reader', 'protocolVersion': 4,"
                + " 'subscriptions': [{'topic': 'sensors/#', 'qos': 1}, {'topic': 'alerts', 'qos': 2}]}");
        assertEquals(
                json("{'url': 'tcp://broker:1883', 'clientId': 'sensor-reader', 'mqttVersion': 3,"
                        + " 'subscriptions': [{'topic': 'sensors/#', 'qos': 1}, {'topic': 'alerts', 'qos': 2}]}"),
                out);
        assertEquals(List.of(), findings);
    }

    @Test
    void protocolVersion5IsMqtt5AndOthersAreErrors() throws Exception {
        assertEquals(json("{'mqttVersion': 5}"), translate("{'protocolVersion': 5}"));
        translate("{'protocolVersion': 3}");
        translate("{'protocolVersion': 'x'}");
        assertEquals(2, findings.size(), findings.toString());
        assertTrue(findings.get(0).startsWith("error protocolVersion: not supported: MQTT 3.1"), findings.get(0));
        assertTrue(findings.get(1).startsWith("error protocolVersion: must be 4"), findings.get(1));
    }
}
