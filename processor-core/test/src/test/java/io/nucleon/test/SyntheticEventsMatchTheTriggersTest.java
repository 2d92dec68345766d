package io.nucleon.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.nucleon.api.Processor;
import io.nucleon.trigger.kafka.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The kit's promise, checked against the real triggers: for the same input, the handler sees the
 * same event (every accessor) and the same context, whether the real trigger made it from a real
 * source (a socket, Kafka's own broker in this JVM, the RabbitMQ broker on 127.0.0.1:5672, a timer)
 * or the test kit made it.
 */
class SyntheticEventsMatchTheTriggersTest {

    @Test
    void anHttpRequest() throws Exception {
        int port = FunctionJar.freePort();
        Map<String, Object> real;
        Probe probe = new Probe();
        try (Processor p = running(probe, http(port))) {
            assertTrue(p.isReady());
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + port + "/orders/7?dryRun=true&tag=a&tag=b&auth.subject=mallory&q=a%20b"));
            headers().forEach(request::header);
            HttpResponse<String> r = client.send(
                    request.POST(HttpRequest.BodyPublishers.ofString("{\"id\":7}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            real = probe.next();
        }
        @SuppressWarnings("unchecked")
        Map<String, String> realHeaders = (Map<String, String>) real.get("headers");
        realHeaders.remove("Host"); // what this client adds besides the test's headers: not the trigger's doing
        realHeaders.remove("User-Agent");

        Probe kitProbe = new Probe();
        try (TestFunction fn =
                TestFunction.of(http(port).andThen(b -> b.handler(kitProbe))).start()) {
            HttpCall call = HttpCall.post("/orders/7?dryRun=true&tag=a&tag=b&auth.subject=mallory&q=a%20b")
                    .body("{\"id\":7}");
            headers().forEach(call::header);
            fn.send(call);
        }
        assertEquals(real, kitProbe.next());
    }

    private static List<Map.Entry<String, String>> headersList() {
        return List.of(
                Map.entry("X-Tenant", "acme"),
                Map.entry("Content-Type", "application/json"),
                Map.entry("ce-id", "e-7"),
                Map.entry("ce-type", "com.example.order"),
                Map.entry("ce-source", "/shop"),
                Map.entry("ce-specversion", "1.0"),
                Map.entry("ce-time", "2026-01-02T03:04:05Z"));
    }

    private static Map<String, String> headers() {
        Map<String, String> m = new LinkedHashMap<>();
        headersList().forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    private static Consumer<Processor.Builder> http(int port) {
        return b -> b.name("probe")
                .trigger("web", "http", t -> t.attribute("host", "127.0.0.1").attribute("port", port));
    }

    @Test
    void aKafkaRecord() throws Exception {
        Instant timestamp = Instant.parse("2026-02-03T04:05:06.789Z");
        try (KafkaTestBroker kafka = KafkaTestBroker.start()) {
            kafka.createTopic("orders", 2);
            RecordMetadata sent;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers",
                    kafka.bootstrapServers(),
                    "key.serializer",
                    ByteArraySerializer.class.getName(),
                    "value.serializer",
                    ByteArraySerializer.class.getName()))) {
                sent = producer.send(new ProducerRecord<>(
                                "orders",
                                1,
                                timestamp.toEpochMilli(),
                                bytes("k-1"),
                                bytes("{\"id\":1}"),
                                List.of(
                                        new RecordHeader("content-type", bytes("application/json")),
                                        new RecordHeader("x-trace", bytes("t-1")))))
                        .get();
            }
            Consumer<Processor.Builder> definition = b -> b.name("probe")
                    .trigger(
                            "stream",
                            "kafka",
                            t -> t.attribute("brokers", List.of(kafka.bootstrapServers()))
                                    .attribute("topics", List.of("orders")));
            Probe probe = new Probe();
            Map<String, Object> real;
            try (Processor p = running(probe, definition)) {
                assertTrue(p.isReady());
                real = probe.next();
            }
            Probe kitProbe = new Probe();
            try (TestFunction fn = TestFunction.of(definition.andThen(b -> b.handler(kitProbe)))
                    .start()) {
                fn.send(KafkaRecord.of("orders", "{\"id\":1}")
                        .key("k-1")
                        .header("content-type", "application/json")
                        .header("x-trace", "t-1")
                        .partition(1)
                        .partitions(2)
                        .offset(sent.offset())
                        .timestamp(timestamp));
            }
            assertEquals(real, kitProbe.next());
        }
    }

    @Test
    void aRabbitMqMessageAndItsRetry() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String exchange = "kit-parity-" + id;
        String queue = "kit-parity-" + id + ".orders";
        Instant timestamp = Instant.parse("2026-02-03T04:05:06Z");
        Consumer<Processor.Builder> definition = b -> b.name("probe")
                .trigger(
                        "queue",
                        "rabbitmq",
                        t -> t.attribute("exchangeName", exchange)
                                .attribute("queueName", queue)
                                .attribute("topics", List.of("orders.created"))
                                .attribute("maxRetries", 1)
                                .attribute("retryDelay", "100ms")
                                .attribute("durable", false));
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri("amqp://guest:guest@127.0.0.1:5672/%2f");
        try (Connection connection = factory.newConnection("kit-parity");
                Channel channel = connection.createChannel()) {
            Probe probe = new Probe();
            Map<String, Object> first;
            Map<String, Object> retry;
            try (Processor p = running(failingFirst(probe), definition)) {
                assertTrue(p.isReady());
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                        .messageId("m-1")
                        .contentType("application/json")
                        .contentEncoding("identity")
                        .correlationId("c-1")
                        .replyTo("replies")
                        .type("order.created")
                        .appId("shop")
                        .userId("guest")
                        .timestamp(Date.from(timestamp))
                        .headers(Map.of("x-tenant", "acme", "x-count", 3))
                        .build();
                channel.basicPublish(exchange, "orders.created", props, bytes("{\"id\":1}"));
                first = probe.next();
                retry = probe.next();
            } finally {
                for (String q : List.of(queue, queue + ".retry", queue + ".dlq")) {
                    channel.queueDelete(q);
                }
                channel.exchangeDelete(exchange);
            }
            Probe kitProbe = new Probe();
            try (TestFunction fn = TestFunction.of(definition.andThen(b -> b.handler(failingFirst(kitProbe))))
                    .start()) {
                RabbitMqMessage message = RabbitMqMessage.of("{\"id\":1}")
                        .messageId("m-1")
                        .contentType("application/json")
                        .contentEncoding("identity")
                        .correlationId("c-1")
                        .replyTo("replies")
                        .type("order.created")
                        .appId("shop")
                        .userId("guest")
                        .timestamp(timestamp)
                        .header("x-tenant", "acme")
                        .header("x-count", 3);
                fn.send(message);
                fn.send(message.attempt(2));
            }
            assertEquals(first, kitProbe.next());
            // what only the broker and the failure know: the error text, the time it failed, the broker's own
            // dead-lettering headers (x-death, x-first-death-*)
            @SuppressWarnings("unchecked")
            Map<String, String> retryHeaders = (Map<String, String>) retry.get("headers");
            retryHeaders.remove("x-nucleon-error");
            retryHeaders.keySet().removeIf(h -> h.equals("x-death") || h.startsWith("x-first-death-"));
            retryHeaders.put("x-nucleon-failed-at", "(when)");
            Map<String, Object> kitRetry = kitProbe.next();
            @SuppressWarnings("unchecked")
            Map<String, String> kitRetryHeaders = (Map<String, String>) kitRetry.get("headers");
            kitRetryHeaders.put("x-nucleon-failed-at", "(when)");
            assertEquals(retry, kitRetry);
        }
    }

    @Test
    void aKickstartAndACronTick() throws Exception {
        Map<String, Object> template =
                Map.of("body", "hi", "headers", Map.of("x-a", "b"), "path", "/start", "contentType", "text/plain");
        Consumer<Processor.Builder> definition = b -> b.name("probe")
                .trigger("boot", "kickstart", t -> t.attribute("event", template))
                .trigger("every", "cron", t -> t.attribute("interval", "100ms").attribute("event", template));
        Probe probe = new Probe();
        Map<String, Map<String, Object>> real = new LinkedHashMap<>();
        try (Processor p = running(probe, definition)) {
            assertTrue(p.isReady());
            while (real.size() < 2) {
                Map<String, Object> portrait = probe.next();
                real.putIfAbsent((String) portrait.get("triggerKind"), portrait);
            }
        }
        Probe kitProbe = new Probe();
        try (TestFunction fn =
                TestFunction.of(definition.andThen(b -> b.handler(kitProbe))).start()) {
            fn.send("boot", CronTick.now());
            fn.send("every", CronTick.now());
        }
        assertEquals(withoutTime(real.get("kickstart")), withoutTime(kitProbe.next()));
        assertEquals(withoutTime(real.get("cron")), withoutTime(kitProbe.next()));
    }

    private static Map<String, Object> withoutTime(Map<String, Object> portrait) {
        Map<String, Object> p = new LinkedHashMap<>(portrait);
        p.put("id", p.get("id").toString().matches("[0-9a-f-]{36}") ? "(uuid)" : p.get("id"));
        p.put("timestamp", "(when)");
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = new LinkedHashMap<>((Map<String, Object>) p.get("fields"));
        fields.put("scheduledTime", "(when)");
        p.put("fields", fields);
        return p;
    }

    /** {@code probe}, failing the first attempt of each message. */
    private static io.nucleon.api.Handler failingFirst(Probe probe) {
        return (ctx, event) -> {
            Object answer = probe.handle(ctx, event);
            if (Integer.valueOf(1).equals(event.field("attempt"))) {
                throw new IllegalStateException("first attempt fails");
            }
            return answer;
        };
    }

    private static Processor running(io.nucleon.api.Handler handler, Consumer<Processor.Builder> definition)
            throws Exception {
        Processor.Builder b = Processor.builder().withoutControlServer().drainTimeout(Duration.ofSeconds(5));
        definition.accept(b);
        Processor p = b.handler(handler).build().start();
        // the rabbitmq and kafka triggers connect in the background: ready once the source is
        org.awaitility.Awaitility.await("processor ready")
                .atMost(Duration.ofSeconds(30))
                .until(p::isReady);
        return p;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
