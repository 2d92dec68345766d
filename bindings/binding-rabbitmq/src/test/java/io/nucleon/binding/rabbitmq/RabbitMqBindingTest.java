package io.nucleon.binding.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rabbitmq binding through a real processor (http trigger), against the real RabbitMQ on 127.0.0.1:5672 (guest/guest). */
class RabbitMqBindingTest {
    private static final String URL = "amqp://guest:guest@127.0.0.1:5672/%2f";

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String queue = "nucleon-binding-test-" + id;
    private final String exchange = "nucleon-binding-test-x-" + id;
    private final String function = "rabbit-out-" + id;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Connection admin;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        admin = f.newConnection("nucleon-binding-test-admin");
        channel = admin.createChannel();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        channel.queueDelete(queue);
        channel.exchangeDelete(exchange);
        admin.close();
    }

    private Processor start(Handler handler, int workers, Map<String, ?> attributes) throws Exception {
        Map<String, Object> all = new HashMap<>(attributes);
        all.putIfAbsent("url", URL);
        Processor p = Processor.builder()
                .name(function)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(20))
                .drainTimeout(Duration.ofSeconds(5))
                .dataBinding("out", "rabbitmq", all)
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(workers)
                                .attribute("host", "127.0.0.1")
                                .attribute("port", 0))
                .build()
                .start();
        toClose.add(() -> p.stop(Duration.ofSeconds(5)));
        return p;
    }

    @SuppressWarnings("unchecked")
    private static int port(Processor p) {
        return (Integer)
                ((List<Map<String, Object>>) p.status().get("triggers")).get(0).get("port");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bindingStatus(Processor p) {
        return ((List<Map<String, Object>>) p.status().get("dataBindings")).get(0);
    }

    private CompletableFuture<HttpResponse<String>> post(Processor p, String path, String body) {
        return http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(p) + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("x-queue", queue)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, GetResponse> drain(String q, int expected) throws Exception {
        Map<String, GetResponse> got = new HashMap<>();
        await(expected + " messages in " + q, 20, () -> {
            for (GetResponse r = channel.basicGet(q, true); r != null; r = channel.basicGet(q, true)) {
                assertNotNull(
                        got.put(new String(r.getBody(), StandardCharsets.UTF_8), r) == null ? r : null, "no duplicate");
            }
            return got.size() >= expected;
        });
        assertEquals(0, channel.queueDeclarePassive(q).getMessageCount(), "nothing more");
        return got;
    }

    private static void await(String what, long seconds, Callable<Boolean> done) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(seconds))
                .pollInterval(Duration.ofMillis(10))
                .until(done);
    }

    /** The handler: /stage returns the confirm's stage, /wait blocks the worker in publishAndWait. */
    private static Handler publishing() {
        return (ctx, e) -> {
            RabbitMqBinding out = ctx.binding("out", RabbitMqBinding.class);
            Map<String, Object> headers = Map.of(
                    "worker", ctx.workerId(), "thread", Thread.currentThread().getName());
            if (e.path().equals("/wait")) {
                out.publishAndWait("", e.header("x-queue"), headers, e.body());
                return "confirmed";
            }
            return out.publish(
                            e.header("x-queue") == null ? null : "",
                            e.header("x-queue") == null ? "orders.created" : e.header("x-queue"),
                            headers,
                            e.body())
                    .thenApply(v -> "confirmed");
        };
    }

    @Test
    void manyWorkersPublishConcurrentlyEachOnItsOwnChannelAndEveryMessageArrives() throws Exception {
        channel.queueDeclare(queue, false, false, false, null);
        channel.exchangeDeclare(exchange, "topic", false, true, null);
        channel.queueBind(queue, exchange, "orders.*");
        Processor p = start(publishing(), 8, Map.of("exchange", exchange));

        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // to the binding's exchange (routing key orders.created), or straight to the queue through the default
            // exchange
            HttpRequest.Builder rb = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port(p) + (i % 2 == 0 ? "/stage" : "/wait")))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("m-" + i));
            if (i % 2 == 1 || i % 4 == 2) {
                rb.header("x-queue", queue);
            }
            pending.add(http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : pending) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("confirmed", r.body());
        }
        Map<String, GetResponse> got = drain(queue, 400);
        assertEquals(400, got.size());
        Set<String> threads = new HashSet<>();
        for (GetResponse r : got.values()) {
            threads.add(String.valueOf(r.getProps().getHeaders().get("thread")));
            assertEquals(2, r.getProps().getDeliveryMode(), "persistent by default");
        }
        assertTrue(threads.size() > 1, "published from several workers: " + threads);
        Map<String, Object> status = bindingStatus(p);
        assertEquals(400L, status.get("published"));
        assertEquals(0L, status.get("failed"));
        int channels = (Integer) status.get("channels");
        assertTrue(channels > 1 && channels <= 8, "a channel per publishing worker thread: " + status);
        assertEquals("amqp://127.0.0.1:5672/%2f", status.get("broker"));
        assertFalse(status.toString().contains("guest"), status.toString());
    }

    @Test
    void afterTheConnectionIsClosedByTheBrokerItRecoversAndPublishingWorksAgain() throws Exception {
        channel.queueDeclare(queue, false, false, false, null);
        Processor p = start(publishing(), 4, Map.of("recoveryInterval", "500ms"));
        for (int i = 0; i < 20; i++) {
            assertEquals(
                    "confirmed",
                    post(p, "/wait", "before-" + i)
                            .thenApply(HttpResponse::body)
                            .get(30, TimeUnit.SECONDS));
        }
        assertTrue(p.isReady());

        // watched from before the connection goes: readiness is false until the recovery (500 ms) has run
        CompletableFuture<Void> wentNotReady = CompletableFuture.runAsync(
                () -> await("readiness false while the connection is down", 60, () -> !p.isReady()));
        closeConnection(function);
        wentNotReady.get(60, TimeUnit.SECONDS);
        await("ready again after recovery", 60, p::isReady);

        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r =
                    post(p, i % 2 == 0 ? "/wait" : "/stage", "after-" + i).get(30, TimeUnit.SECONDS);
            assertEquals("confirmed", r.body(), "publishing works again on a fresh channel per worker");
        }
        Map<String, GetResponse> got = drain(queue, 40);
        assertEquals(40, got.size());
        assertTrue(got.containsKey("before-0") && got.containsKey("after-19"));
    }

    /** Closes the broker-side connection whose client-given name mentions {@code marker}; only ours, not the whole broker's. */
    private static void closeConnection(String marker) throws Exception {
        Process list = new ProcessBuilder(
                        "rabbitmqctl", "-q", "list_connections", "--no-table-headers", "pid", "client_properties")
                .redirectErrorStream(true)
                .start();
        String out = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(list.waitFor(60, TimeUnit.SECONDS));
        String pid = null;
        for (String line : out.split("\n")) {
            if (line.contains(marker)) {
                pid = line.trim().split("\\s+")[0];
            }
        }
        assertNotNull(pid, "our connection in: " + out);
        Process ctl = new ProcessBuilder("rabbitmqctl", "close_connection", pid, "nucleon test: connection loss")
                .redirectErrorStream(true)
                .start();
        String ctlOut = new String(ctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ctl.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, ctl.exitValue(), "rabbitmqctl close_connection: " + ctlOut);
    }

    private RabbitMqBinding openInCode(RabbitMqBindingConfig c) throws Exception {
        c.url = URL;
        RabbitMqBinding b = new RabbitMqBinding("direct-" + id, c);
        b.open();
        toClose.add(b);
        return b;
    }

    @Test
    void aNackFailsThePublishWithAClearError() throws Exception {
        // a full queue that rejects new messages: the broker nacks them
        channel.queueDeclare(queue, false, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
        RabbitMqBinding b = openInCode(new RabbitMqBindingConfig());
        b.publishAndWait("", queue, null, "first".getBytes(StandardCharsets.UTF_8));
        RabbitMqPublishException e = assertThrows(
                RabbitMqPublishException.class,
                () -> b.publishAndWait("", queue, null, "second".getBytes(StandardCharsets.UTF_8)));
        assertEquals(RabbitMqPublishException.Reason.NACK, e.reason());
        assertEquals(
                "RabbitMQ rejected (nack) the message to exchange '(default)' with routing key '" + queue + "'",
                e.getMessage());
        ExecutionException async = assertThrows(
                ExecutionException.class,
                () -> b.publish("", queue, null, new byte[1])
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS));
        assertTrue(async.getCause() instanceof RabbitMqPublishException);
        assertEquals(
                Map.of("published", 1L, "failed", 2L),
                Map.of(
                        "published",
                        b.status().get("published"),
                        "failed",
                        b.status().get("failed")));
    }

    @Test
    void withMandatoryAnUnroutableMessageFailsInsteadOfVanishing() throws Exception {
        channel.exchangeDeclare(exchange, "direct", false, true, null);
        RabbitMqBindingConfig c = new RabbitMqBindingConfig();
        c.exchange = exchange;
        c.mandatory = true;
        RabbitMqBinding b = openInCode(c);
        RabbitMqPublishException e = assertThrows(
                RabbitMqPublishException.class, () -> b.publishAndWait(exchange, "nobody", null, new byte[1]));
        assertEquals(RabbitMqPublishException.Reason.UNROUTABLE, e.reason());
        assertTrue(
                e.getMessage()
                        .startsWith("no queue is bound to exchange '" + exchange
                                + "' with routing key 'nobody' (returned: 312 NO_ROUTE"),
                e.getMessage());
        channel.queueDeclare(queue, false, false, false, null);
        channel.queueBind(queue, exchange, "somebody");
        b.publish("somebody", "routed".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, drain(queue, 1).size());
    }

    @Test
    void aPublishToAMissingExchangeFailsAndTheThreadGetsANewChannel() throws Exception {
        channel.queueDeclare(queue, false, false, false, null);
        RabbitMqBinding b = openInCode(new RabbitMqBindingConfig());
        RabbitMqPublishException e = assertThrows(
                RabbitMqPublishException.class,
                () -> b.publishAndWait("no-such-exchange-" + id, "k", null, new byte[1]));
        assertEquals(RabbitMqPublishException.Reason.CONNECTION, e.reason());
        assertTrue(e.getMessage().contains("NOT_FOUND - no exchange 'no-such-exchange-" + id + "'"), e.getMessage());
        b.publishAndWait("", queue, null, "next".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, drain(queue, 1).size());
    }

    @Test
    void theExchangeIsDeclaredOnRequestOrMustExist() throws Exception {
        Exception missing = assertThrows(Exception.class, () -> start(publishing(), 1, Map.of("exchange", exchange)));
        assertTrue(
                missing.getMessage()
                        .contains("the exchange '" + exchange + "' does not exist on amqp://127.0.0.1:5672/%2f"
                                + " (set declare: true to create it)"),
                missing.getMessage());
        start(
                publishing(),
                1,
                Map.of("exchange", exchange, "declare", true, "exchangeType", "fanout", "durable", false));
        channel.exchangeDeclarePassive(exchange); // throws if it was not declared
    }

    @Test
    void connectionErrorsNeverShowThePassword() {
        Exception refused = assertThrows(
                Exception.class,
                () -> start(
                        publishing(), 1, Map.of("url", "amqp://guest:s3cr3t@127.0.0.1:1/%2f", "connectTimeout", "2s")));
        assertTrue(
                refused.getMessage()
                        .contains(
                                "data binding 'out' (rabbitmq) failed to open: rabbitmq binding 'out' cannot connect to amqp://127.0.0.1:1/%2f"),
                refused.getMessage());
        Exception denied = assertThrows(
                Exception.class, () -> start(publishing(), 1, Map.of("url", "amqp://guest:s3cr3t@127.0.0.1:5672/%2f")));
        for (Throwable t = denied; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("s3cr3t"), t.toString());
        }
        assertTrue(denied.getMessage().contains("cannot connect to amqp://127.0.0.1:5672/%2f"), denied.getMessage());
    }

    @Test
    void badAttributesAreNamedWithTheirPath() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .withoutControlServer()
                        .handler((ctx, ev) -> null)
                        .dataBinding(
                                "out",
                                "rabbitmq",
                                Map.of(
                                        "url",
                                        "http://x",
                                        "exchangeType",
                                        "round-robin",
                                        "declare",
                                        true,
                                        "confirmTimeout",
                                        "0ms"))
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        String m = e.getMessage();
        assertTrue(m.contains("spec.dataBindings.out.attributes.url: must be an amqp:// or amqps:// URI"), m);
        assertTrue(
                m.contains("spec.dataBindings.out.attributes.exchangeType: must be topic, direct, fanout or headers"),
                m);
        assertTrue(m.contains("spec.dataBindings.out.attributes.declare: declares the exchange: set exchange too"), m);
        assertTrue(m.contains("spec.dataBindings.out.attributes.confirmTimeout: must be at least 1ms"), m);
        FunctionConfigException unknown = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .withoutControlServer()
                        .handler((ctx, ev) -> null)
                        .dataBinding("out", "rabbitmq", Map.of("exchangeName", "x"))
                        .trigger("web", "http", t -> t.attribute("port", 0))
                        .build());
        assertTrue(
                unknown.getMessage()
                        .contains("spec.dataBindings.out.attributes.exchangeName: unknown attribute; allowed: "),
                unknown.getMessage());
    }
}
