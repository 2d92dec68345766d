package io.nucleon.trigger.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.spi.Json;
import io.nucleon.spi.NuclioAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The nats trigger reading the attributes of Nuclio's {@code nats} trigger, with the example of Nuclio's docs. */
class NuclioNatsAttributesTest {
    private final NuclioAttributes nuclio = new NatsTriggerFactory().nuclioAttributes();
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
    void nucliosTopicAndQueueName() throws Exception {
        ObjectNode out = translate("{'url': '10.0.0.3:4222', 'topic': 'my.topic', 'queueName': 'my-worker-queue'}");
        assertEquals(json("{'url': '10.0.0.3:4222', 'subjects': ['my.topic'], 'queueName': 'my-worker-queue'}"), out);
        assertEquals(List.of(), findings);
        assertEquals("nats://10.0.0.3:4222", NatsTriggerFactory.withScheme("10.0.0.3:4222"));
    }

    @Test
    void aQueueNameTemplateIsAnErrorAndAnEmptyOneTakesTheDefault() throws Exception {
        translate("{'topic': 'a', 'queueName': '{{.Name}}-workers'}");
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(true, findings.get(0).startsWith("error queueName: is a Go template"), findings.toString());
        findings.clear();
        ObjectNode out = translate("{'topic': 'a', 'queueName': ''}");
        assertEquals(json("{'subjects': ['a']}"), out);
    }

    @Test
    void aTopicThatIsNotASubjectIsAnError() throws Exception {
        translate("{'topic': ''}");
        assertEquals(List.of("error topic: must be a subject, such as orders.created or orders.>, got \"\""), findings);
    }

    @Test
    void nucleonsOwnAttributesAreKept() throws Exception {
        ObjectNode out = translate("{'topic': 'a.b', 'stream': 'ORDERS', 'maxRetries': 5}");
        assertEquals(json("{'subjects': ['a.b'], 'stream': 'ORDERS', 'maxRetries': 5}"), out);
    }
}
