package io.nucleon.trigger.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.Event;
import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import io.nucleon.spi.NuclioAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The kafka trigger reading the attributes of Nuclio's {@code kafka-cluster} trigger, as Nuclio's
 * documentation ({@code docs/reference/triggers/kafka.md}) and configuration
 * ({@code pkg/processor/trigger/kafka/types.go}) name them.
 */
class NuclioKafkaAttributesTest {
    private final NuclioAttributes nuclio = new NuclioKafkaTriggerFactory().nuclioAttributes();
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
    void theNuclioKindInheritsTheTranslation() {
        assertEquals(new KafkaTriggerFactory().nuclioAttributes(), nuclio);
    }

    @Test
    void nucliosAttributesBecomeOursAndTheJavaClientsProperties() throws Exception {
        ObjectNode out = translate(
                "{'brokers': ['kafka-0:9092', 'kafka-1:9092'], 'topics': ['orders'],"
                        + " 'consumerGroup': 'billing', 'initialOffset': 'Earliest', 'balanceStrategy': 'roundrobin',"
                        + " 'sessionTimeout': '10s', 'heartbeatInterval': '3s', 'maxWaitHandlerDuringRebalance': '5s',"
                        + " 'rebalanceTimeout': '1m', 'retryBackoff': '2s', 'maxWaitTime': '250ms', 'fetchMin': 1,"
                        + " 'fetchDefault': 1048576, 'fetchMax': 0, 'channelBufferSize': 256, 'workerAllocationMode': 'pool',"
                        + " 'sasl': {'enable': true, 'user': 'svc', 'password': 'p\\\"w', 'mechanism': 'SCRAM-SHA-512'},"
                        + " 'tls': {'enable': true}, 'caCert': '-----BEGIN CERTIFICATE----- MIIB AAAA -----END CERTIFICATE-----'}");
        assertEquals(
                json("{'brokers': ['kafka-0:9092', 'kafka-1:9092'], 'topics': ['orders'], 'consumerGroup': 'billing',"
                        + " 'initialOffset': 'earliest', 'consumerProperties': {"
                        + "   'partition.assignment.strategy': 'org.apache.kafka.clients.consumer.RoundRobinAssignor',"
                        + "   'max.poll.interval.ms': '60000', 'retry.backoff.ms': '2000', 'fetch.max.wait.ms': '250',"
                        + "   'fetch.min.bytes': '1', 'max.partition.fetch.bytes': '1048576',"
                        + "   'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512',"
                        + "   'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\\\"svc\\\" password=\\\"p\\\\\\\"w\\\";',"
                        + "   'ssl.truststore.type': 'PEM',"
                        + "   'ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----\\nMIIB\\nAAAA\\n-----END CERTIFICATE-----'},"
                        + " 'sessionTimeout': '10s', 'heartbeatInterval': '3s', 'revokeTimeout': '5s',"
                        + " 'maxBufferedPerPartition': 256, 'workerAllocationMode': 'static', 'maxRetries': 0}"),
                out);
        assertEquals(List.of(), findings);
    }

    @Test
    void theEnginesUrlIsTheBrokerAndNucliosDefaultsApply() throws Exception {
        assertEquals(
                json("{'brokers': ['kafka:9092'], 'topics': ['t'], 'initialOffset': 'latest', 'maxRetries': 0}"),
                translate("{'url': 'kafka:9092', 'topics': ['t']}"));
        assertEquals(
                json("{'brokers': ['a:1'], 'topics': ['t'], 'maxRetries': 5, 'initialOffset': 'latest'}"),
                translate("{'url': 'kafka:9092', 'brokers': 'a:1', 'topics': ['t'], 'maxRetries': 5}"));
        assertEquals(
                List.of("warn url: ignored: brokers is given, and Nuclio then does not read url either"), findings);
    }

    @Test
    void whatTheJavaClientCannotDoIsAnErrorAndSaramasTuningAWarning() throws Exception {
        translate("{'brokers': ['k:9092'], 'topics': ['t'], 'tls': {'enable': true, 'insecureSkipVerify': true},"
                + " 'sasl': {'enable': true, 'handshake': false, 'mechanism': 'OAUTHBEARER'},"
                + " 'initialOffset': 'newest', 'workerAllocationMode': 'any', 'accessKey': 'k',"
                + " 'maxProcessingTime': '100ms', 'logLevel': 2, 'version': '2.8.0', 'ackWindowSize': 2,"
                + " 'rebalanceRetryMax': 4, 'partitions': [0, 5]}");
        assertEquals(
                List.of(
                        "error tls.insecureSkipVerify",
                        "error sasl.handshake",
                        "error sasl.mechanism",
                        "error initialOffset",
                        "error workerAllocationMode",
                        "error accessKey",
                        "warn maxProcessingTime",
                        "warn logLevel",
                        "warn version",
                        "warn ackWindowSize",
                        "warn rebalanceRetryMax",
                        "warn partitions"),
                findings.stream().map(f -> f.substring(0, f.indexOf(':'))).toList(),
                findings.toString());
        assertTrue(findings.get(2).contains("not supported from Nuclio's attributes: OAUTHBEARER"), findings.get(2));
        assertTrue(findings.get(3).endsWith("must be earliest or latest, got \"newest\""), findings.get(3));
        assertTrue(findings.get(11).contains("neither Nuclio's kafka-cluster trigger nor Nucleon's"), findings.get(11));
    }

    @Test
    void aProcessorConsumesWithNucliosAttributes() throws Exception {
        String topic = "nuclio-" + UUID.randomUUID();
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            broker.createTopic(topic, 1);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                producer.send(new ProducerRecord<>(topic, "k", "written before the function started"))
                        .get();
            }
            ObjectNode attributes = translate("{'url': '" + broker.bootstrapServers() + "', 'topics': ['" + topic
                    + "'], 'consumerGroup': 'nuclio-group', 'initialOffset': 'earliest', 'sessionTimeout': '10s',"
                    + " 'heartbeatInterval': '3s', 'workerAllocationMode': 'pool', 'maxWaitTime': '100ms'}");
            assertEquals(List.of(), findings);
            BlockingQueue<Event> events = new ArrayBlockingQueue<>(10);
            Processor processor = Processor.builder()
                    .name("nuclio-kafka")
                    .withoutControlServer()
                    .drainTimeout(Duration.ofSeconds(5))
                    .handler((ctx, e) -> {
                        events.offer(e);
                        return null;
                    })
                    .trigger(
                            "orders",
                            "kafka-cluster",
                            t -> Json.mapper()
                                    .convertValue(attributes, new TypeReference<Map<String, Object>>() {})
                                    .forEach(t::attribute))
                    .build()
                    .start();
            try {
                Event e = events.poll(60, TimeUnit.SECONDS);
                assertNotNull(e, "the record within 60 s");
                assertEquals("written before the function started", e.bodyAsString());
                assertEquals(topic, e.topic());
            } finally {
                processor.stop();
            }
        }
    }
}
