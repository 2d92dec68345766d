package io.nucleon.trigger.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

/** The consumer settings the trigger chooses, and which of them {@code consumerProperties} may change. */
class KafkaTriggerPropertiesTest {
    private static KafkaTrigger trigger(Map<String, String> consumerProperties) {
        KafkaTriggerConfig c = new KafkaTriggerConfig();
        c.brokers = List.of("127.0.0.1:9092");
        c.topics = List.of("t");
        c.consumerProperties.putAll(consumerProperties);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        return new KafkaTrigger("f", "k", c, 2, registry.counter("retries"), registry.counter("dead"));
    }

    @Test
    void aResumedPartitionWaitsForAShortFetchWaitByDefaultAndTheUserMayChangeIt() {
        assertEquals(
                KafkaTrigger.FETCH_MAX_WAIT_MS,
                trigger(Map.of()).consumerProperties().get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                "not Kafka's 500 ms, which stalled a resumed partition while the others were idle");
        assertEquals(
                "500",
                trigger(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500"))
                        .consumerProperties()
                        .get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
    }

    private static FunctionConfigException configError(Map<String, Object> attributes) {
        return assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("f")
                        .withoutControlServer()
                        .handler((ctx, e) -> null)
                        .trigger("orders", "kafka", t -> {
                            t.attribute("brokers", List.of("127.0.0.1:9092")).attribute("topics", List.of("t"));
                            attributes.forEach(t::attribute);
                        })
                        .build());
    }

    private static void builds(Map<String, Object> attributes) {
        Processor.builder()
                .name("f")
                .withoutControlServer()
                .handler((ctx, e) -> null)
                .trigger("orders", "kafka", t -> {
                    t.attribute("brokers", List.of("127.0.0.1:9092")).attribute("topics", List.of("t"));
                    attributes.forEach(t::attribute);
                })
                .build();
    }

    @Test
    void aRebalanceMustFitInMaxPollInterval() {
        builds(Map.of()); // 10 s against Kafka's 300 000 ms
        builds(Map.of("revokeTimeout", "289999ms"));
        builds(Map.of("revokeTimeout", "20s", "consumerProperties", Map.of("max.poll.interval.ms", "40000")));

        String msg = configError(Map.of("revokeTimeout", "290s")).getMessage();
        assertTrue(
                msg.contains(
                        "spec.triggers.orders.attributes.revokeTimeout: is 290s, too long for max.poll.interval.ms 300000 ms"
                                + " (Kafka's default)"),
                msg);
        assertTrue(msg.contains("use at most 289999ms or raise max.poll.interval.ms"), msg);

        msg = configError(Map.of("consumerProperties", Map.of("max.poll.interval.ms", "12000")))
                .getMessage();
        assertTrue(
                msg.contains("revokeTimeout: is 10s, too long for max.poll.interval.ms 12000 ms (consumerProperties)"),
                msg);
        assertTrue(msg.contains("plus 6000 ms (commit and partition lookup)"), msg);
        assertTrue(msg.contains("use at most 5999ms"), msg);

        msg = configError(Map.of("consumerProperties", Map.of("max.poll.interval.ms", "five minutes")))
                .getMessage();
        assertTrue(
                msg.contains(
                        "spec.triggers.orders.attributes.consumerProperties.max.poll.interval.ms: must be a whole number"
                                + " of milliseconds, got \"five minutes\""),
                msg);
    }

    @Test
    void theTriggersOwnSettingsWinOverConsumerProperties() {
        assertEquals(
                "false",
                trigger(Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true"))
                        .consumerProperties()
                        .get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
    }
}
