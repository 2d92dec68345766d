package io.nucleon.trigger.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
        assertEquals(KafkaTrigger.FETCH_MAX_WAIT_MS, trigger(Map.of()).consumerProperties().get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG),
                "not Kafka's 500 ms, which stalled a resumed partition while the others were idle");
        assertEquals("500", trigger(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500")).consumerProperties()
                .get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG));
    }

    @Test
    void theTriggersOwnSettingsWinOverConsumerProperties() {
        assertEquals("false", trigger(Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true")).consumerProperties()
                .get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
    }
}
