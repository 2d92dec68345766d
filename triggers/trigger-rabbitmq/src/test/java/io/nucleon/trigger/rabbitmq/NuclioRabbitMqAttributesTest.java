package io.nucleon.trigger.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import io.nucleon.spi.NuclioAttributes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The rabbitmq trigger reading the attributes of Nuclio's {@code rabbit-mq} trigger, with the examples
 * of Nuclio's documentation ({@code docs/reference/triggers/rabbitmq.md}).
 */
class NuclioRabbitMqAttributesTest {
    private final NuclioAttributes nuclio = new NuclioRabbitMqTriggerFactory().nuclioAttributes();
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

    private static final String NUCLIO_EXAMPLE = "'exchangeName': 'myExchangeName', 'queueName': 'myQueueName',"
            + " 'reconnectDuration': '10m', 'reconnectInterval': '60s', 'prefetchCount': 1,"
            + " 'durableExchange': true, 'durableQueue': true, 'onError': 'nack', 'requeueOnError': true";

    @Test
    void theNuclioKindInheritsTheTranslation() {
        assertEquals(new RabbitMqTriggerFactory().nuclioAttributes(), nuclio);
    }

    @Test
    void nucliosExampleWithCredentialsInTheUrl() throws Exception {
        ObjectNode out = translate("{'url': 'amqp://user:pass@10.0.0.1:5672', " + NUCLIO_EXAMPLE + "}");
        assertEquals(
                json("{'url': 'amqp://user:pass@10.0.0.1:5672', 'queueName': 'myQueueName',"
                        + " 'connectRetryDelay': '1m', 'prefetchCount': 1, 'maxConnectRetryDelay': '1m',"
                        + " 'durable': true}"),
                out);
        assertEquals(
                List.of(
                        "warn exchangeName: ignored: without topics Nuclio neither declares this exchange nor binds"
                                + " the queue to it, and the queue is consumed as it is; give topics (routing keys)"
                                + " to bind it",
                        "warn reconnectDuration: ignored: Nuclio stops reconnecting after this long; Nucleon keeps"
                                + " reconnecting (not ready meanwhile), its delay growing to maxConnectRetryDelay",
                        "warn requeueOnError: a message whose handler failed is handed to the handler again up to"
                                + " maxRetries times (3), after a growing delay, then dead-lettered, where Nuclio"
                                + " requeues it without end"),
                findings);
    }

    @Test
    void nucliosExampleWithUsernameAndPasswordBesideTheUrl() throws Exception {
        ObjectNode out = translate("{'url': 'amqp://10.0.0.1:5672', 'username': 'user', 'password': 'p@ss word',"
                + " 'topics': ['orders.*'], " + NUCLIO_EXAMPLE + "}");
        assertEquals("amqp://user:p%40ss%20word@10.0.0.1:5672", out.get("url").asText());
        assertEquals("myExchangeName", out.get("exchangeName").asText());
        assertEquals("orders.*", out.get("topics").get(0).asText());
    }

    @Test
    void nucliosDefaultsApplyWhereOursDiffer() throws Exception {
        assertEquals(
                json("{'url': 'amqp://h:5672', 'durable': false, 'maxRetries': 0}"),
                translate("{'url': 'amqp://h:5672'}"));
        assertEquals(
                json("{'url': 'amqp://h:5672', 'durable': true, 'maxRetries': 2}"),
                translate("{'url': 'amqp://h:5672', 'durable': true, 'maxRetries': 2}"),
                "our own attributes win");
        assertEquals(List.of(), findings);
        assertEquals(json("{'durable': false, 'maxRetries': 0}"), translate("{'onError': 'ack'}"));
        assertEquals(1, findings.size());
        assertTrue(findings.get(0).startsWith("warn onError: a message whose handler failed is dead-lettered"));
    }

    @Test
    void whatNucleonCannotDoIsAnError() throws Exception {
        translate("{'username': 'u', 'exchangeName': 'x', 'topics': ['a'], 'durableExchange': true,"
                + " 'durableQueue': false, 'onError': 'drop', 'prefetchCount': 0, 'requeueOnError': 'yes'}");
        assertEquals(
                List.of(
                        "error username: needs url, the broker's address (amqp://host:port), as Nuclio does",
                        "error onError: must be ack or nack, got \"drop\"",
                        "warn prefetchCount: ignored: 0 (no limit) is not supported, Nucleon bounds the messages in"
                                + " flight; the default 64 applies (give 1 to 65535)",
                        "error requeueOnError: must be true or false, got \"yes\"",
                        "error durableExchange: not supported: Nucleon declares the queue and the exchange with one"
                                + " durable setting; give durableQueue and durableExchange the same value"),
                findings);
    }

    @Test
    void aProcessorWithNucliosAttributesRunsAFailedMessageOnceAndKeepsIt() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String queue = "nuclio-test-" + id;
        String exchange = "nuclio-test-x-" + id;
        ObjectNode attributes = translate("{'url': 'amqp://127.0.0.1:5672', 'username': 'guest', 'password': 'guest',"
                + " 'exchangeName': '" + exchange + "', 'queueName': '" + queue + "', 'topics': ['orders.*'],"
                + " 'prefetchCount': 1, 'reconnectInterval': '1s'}");
        assertEquals(List.of(), findings);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        Processor p = Processor.builder()
                .name("nuclio-rabbit-" + id)
                .withoutControlServer()
                .drainTimeout(Duration.ofSeconds(5))
                .handler((ctx, e) -> {
                    runs.computeIfAbsent(e.bodyAsString(), k -> new AtomicInteger())
                            .incrementAndGet();
                    if (e.bodyAsString().equals("poison")) {
                        throw new IllegalStateException("refused");
                    }
                    return null;
                })
                .trigger(
                        "orders",
                        "rabbit-mq",
                        t -> Json.mapper()
                                .convertValue(attributes, new TypeReference<Map<String, Object>>() {})
                                .forEach(t::attribute))
                .build()
                .start();
        ConnectionFactory f = new ConnectionFactory();
        f.setUri("amqp://guest:guest@127.0.0.1:5672/%2f");
        try (Connection c = f.newConnection("nuclio-test-admin")) {
            Channel ch = c.createChannel();
            try {
                Awaitility.await("connected").atMost(Duration.ofSeconds(30)).until(p::isReady);
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().build();
                ch.basicPublish(exchange, "orders.created", props, "poison".getBytes(StandardCharsets.UTF_8));
                ch.basicPublish(exchange, "orders.created", props, "good".getBytes(StandardCharsets.UTF_8));
                Awaitility.await("both handled, the poison dead-lettered")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> runs.containsKey("good")
                                && ch.queueDeclarePassive(queue + ".dlq").getMessageCount() == 1);
                p.stop(Duration.ofSeconds(5));
                assertEquals(1, runs.get("poison").get(), "as on Nuclio, a failed message is not run again");
                assertEquals(0, ch.queueDeclarePassive(queue).getMessageCount());
            } finally {
                p.stop(Duration.ofSeconds(5));
                for (String q : List.of(queue, queue + ".retry", queue + ".dlq")) {
                    ch.queueDelete(q);
                }
                ch.exchangeDelete(exchange);
            }
        }
    }
}
