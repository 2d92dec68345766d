package io.nucleon.examples.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.MessageDecision;
import io.nucleon.test.MessageResult;
import io.nucleon.test.RabbitMqMessage;
import io.nucleon.test.TestFunction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The function in this JVM, with the test kit: messages as the rabbitmq trigger delivers them, and
 * what the trigger does with each (acknowledge, retry, dead-letter). No broker needed.
 */
class OrderHandlerTest {
    @RegisterExtension
    static final TestFunction worker = TestFunction.fromYaml(Path.of("src/main/resources/function.yaml"));

    @Test
    void aGoodOrderIsAcknowledged() {
        MessageResult r = worker.send(RabbitMqMessage.of("{\"orderId\": \"o-1\", \"amount\": 9.5}")
                .messageId("m-1")
                .contentType("application/json"));
        assertEquals(MessageDecision.ACKNOWLEDGE, r.decision(), r::toString);
        assertEquals(Map.of("orderId", "o-1", "amount", 9.5, "status", "accepted"), r.bodyAs(Map.class));
    }

    @Test
    void aBadOrderIsRetriedTwiceThenDeadLettered() {
        RabbitMqMessage bad = RabbitMqMessage.of("{\"orderId\": \"o-bad\", \"amount\": -3.5}");
        MessageResult first = worker.send(bad);
        assertEquals(MessageDecision.RETRY, first.decision());
        assertEquals(Duration.ofMillis(200), first.retryDelay(), "retryDelay: 200ms");
        assertTrue(first.error().getMessage().contains("amount must not be negative"), first.error()::toString);
        assertEquals(MessageDecision.RETRY, worker.send(bad.attempt(2)).decision());
        assertEquals(MessageDecision.DEAD_LETTER, worker.send(bad.attempt(3)).decision(), "maxRetries: 2");
    }
}
