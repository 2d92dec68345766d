package io.nucleon.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A function from a function.yaml with an http, a kafka, a rabbitmq and a cron trigger, as a JUnit extension. */
class TestFunctionMessagesTest {
    @RegisterExtension
    static final TestFunction orders = TestFunction.fromYaml(Path.of("src/test/resources/orders/function.yaml"));

    @Test
    void anHttpOrderIsAccepted() {
        HttpResult r = orders.send(HttpCall.post("/orders").json("{\"id\":\"o-1\",\"amount\":12.5}"));
        assertEquals(200, r.status(), r::toString);
        assertEquals(Map.of("accepted", "o-1"), r.bodyAs(Map.class));
        assertEquals(400, orders.send(HttpCall.post("/orders")).status());
    }

    @Test
    void aKafkaRecordThatSucceedsIsAcknowledged() {
        MessageResult r =
                orders.send(KafkaRecord.of("{\"id\":\"o-2\",\"amount\":3}").key("o-2"));
        assertEquals(MessageDecision.ACKNOWLEDGE, r.decision(), r::toString);
        assertEquals("o-2 from orders, attempt 1", r.response().bodyAsString());
        assertEquals(1, r.attempt());
        assertNull(r.retryDelay());
    }

    @Test
    void aFailingKafkaRecordIsRetriedWithBackoffThenDeadLettered() {
        String bad = "{\"id\":\"o-3\",\"amount\":-1}";
        MessageResult first = orders.send(KafkaRecord.of("orders", bad));
        assertEquals(Outcome.HANDLER_ERROR, first.outcome());
        assertEquals("order o-3: the amount must not be negative", first.error().getMessage());
        assertEquals(MessageDecision.RETRY, first.decision());
        assertEquals(Duration.ofMillis(100), first.retryDelay());
        MessageResult second = orders.send(KafkaRecord.of("orders", bad).attempt(2));
        assertEquals(MessageDecision.RETRY, second.decision());
        assertEquals(Duration.ofMillis(200), second.retryDelay(), "doubled");
        assertEquals(
                MessageDecision.DEAD_LETTER,
                orders.send(KafkaRecord.of("orders", bad).attempt(3)).decision(),
                "maxRetries: 2, so the third attempt is the last");
    }

    @Test
    void kafkaRecordsGetTheTriggersIdsAndOffsets() {
        EventResult a = orders.send(
                KafkaRecord.of("{\"id\":\"a\",\"amount\":1}").partition(3).partitions(4));
        EventResult b = orders.send(
                KafkaRecord.of("{\"id\":\"b\",\"amount\":1}").partition(3).partitions(4));
        assertEquals(a.event().offset() + 1, b.event().offset(), "records without an offset follow each other");
        assertEquals("orders-3-" + b.event().offset(), b.event().id());
        assertEquals(3, b.event().shardId());
        assertEquals(4, b.event().totalShards());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> orders.send(KafkaRecord.of("payments", "{}")));
        assertTrue(e.getMessage().contains("never reaches it"), e.getMessage());
    }

    @Test
    void aRabbitMqTriggerWithoutRetriesDeadLettersAtOnce() {
        MessageResult ok =
                orders.send(RabbitMqMessage.of("{\"id\":\"o-4\",\"amount\":2}").messageId("m-4"));
        assertEquals(MessageDecision.ACKNOWLEDGE, ok.decision());
        assertEquals("m-4", ok.event().id());
        assertEquals("orders.created", ok.event().topic(), "the trigger's one routing key");
        assertEquals("shop", ok.event().field("exchange"));
        MessageResult bad = orders.send(RabbitMqMessage.of("{\"id\":\"o-5\",\"amount\":-2}"));
        assertEquals(MessageDecision.DEAD_LETTER, bad.decision(), "maxRetries: 0");
    }

    @Test
    void aRetriedRabbitMqMessageComesBackThroughTheRetryQueue() {
        MessageResult r =
                orders.send(RabbitMqMessage.of("{\"id\":\"o-6\",\"amount\":2}").attempt(3));
        assertEquals(3, r.event().field("attempt"));
        assertEquals("", r.event().field("exchange"), "from the default exchange");
        assertEquals("orders.queue", r.event().field("routingKey"), "the queue's name: <function>.<trigger>");
        assertEquals("2", r.event().header("x-nucleon-attempts"));
        assertEquals("shop", r.event().header("x-nucleon-original-exchange"));
        assertEquals("orders.created", r.event().header("x-nucleon-original-routing-key"));
    }

    @Test
    void aCronTickCarriesTheTriggersEventTemplate() {
        Instant at = Instant.parse("2026-03-01T02:00:00Z");
        EventResult r = orders.send(CronTick.at(at).tick(7));
        assertEquals("report 7 for sales", r.response().bodyAsString());
        assertEquals("/reports/sales", r.event().path());
        assertEquals("daily", r.event().header("x-report"));
        assertEquals(at, r.event().timestamp());
        assertEquals(at.toString(), r.event().field("scheduledTime"));
        assertEquals("cron", r.event().triggerKind());
    }

    @Test
    void aBadAttributeIsReportedWithFileLineAndPathByTheTriggersOwnCheck(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(
                dir.resolve("function.yaml"),
                Files.readString(Path.of("src/test/resources/orders/function.yaml"))
                        .replace("maxRetries: 2", "maxRetries: lots"));
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class, () -> TestFunction.fromYaml(yaml).start());
        assertTrue(e.getMessage().contains(yaml + ":17: spec.triggers.stream.attributes.maxRetries"), e.getMessage());
    }
}
