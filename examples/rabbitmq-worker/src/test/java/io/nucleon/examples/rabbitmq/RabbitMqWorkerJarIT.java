package io.nucleon.examples.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged rabbitmq-worker jar as a real process against the real RabbitMQ on
 * 127.0.0.1:5672 (guest/guest), with the packaged function.yaml but a queue and an exchange of its
 * own, so that runs never collide.
 */
class RabbitMqWorkerJarIT {
    private static final Path JAR = Path.of(System.getProperty("rabbitmq-worker.jar", "target/rabbitmq-worker.jar"));
    private static final String URL = "amqp://guest:guest@127.0.0.1:5672/%2f";
    private static final int GOOD_ORDERS = 200;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();
    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String queue = "rabbitmq-worker-it-" + id + ".orders";
    private final String exchange = "orders-it-" + id;
    private Connection admin;
    private Channel channel;

    @TempDir
    Path dir;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        admin = f.newConnection("rabbitmq-worker-it");
        channel = admin.createChannel();
    }

    @AfterEach
    void cleanUp() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
        Channel ch = admin.createChannel();
        for (String q : List.of(queue, queue + ".retry", queue + ".dlq")) {
            ch.queueDelete(q);
        }
        ch.exchangeDelete(exchange);
        admin.close();
    }

    @Test
    void handlesEveryGoodOrderDeadLettersTheBadOnesAndExitsZeroOnSigterm() throws Exception {
        int control = freePort();
        Process p = start(writeYaml().toString(), "--control-port", Integer.toString(control));
        awaitReady(control, p);

        channel.confirmSelect();
        for (int i = 0; i < GOOD_ORDERS; i++) {
            publish("order-" + i, "{\"orderId\": \"o-" + i + "\", \"amount\": " + (i + 0.5) + "}");
        }
        publish("negative", "{\"orderId\": \"o-bad\", \"amount\": -3.5}");
        publish("not-json", "this is not an order");
        channel.waitForConfirmsOrDie(10_000);

        await("every good order handled and both bad ones dead-lettered", 20, () ->
                events(control, "success") == GOOD_ORDERS && messagesIn(queue + ".dlq") == 2, p);
        assertEquals(2 * 3, events(control, "error"), "each bad order: the first attempt and maxRetries (2) retries");

        Map<String, GetResponse> dead = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            GetResponse r = channel.basicGet(queue + ".dlq", true);
            assertNotNull(r);
            dead.put(r.getProps().getMessageId(), r);
        }
        GetResponse negative = dead.get("negative");
        assertEquals("{\"orderId\": \"o-bad\", \"amount\": -3.5}", body(negative), "the dead letter is the message as sent");
        assertEquals("java.lang.IllegalArgumentException: invalid order o-bad: amount must not be negative, got -3.5",
                header(negative, "x-nucleon-error"));
        assertEquals("3", header(negative, "x-nucleon-attempts"));
        assertEquals(exchange, header(negative, "x-nucleon-original-exchange"));
        assertEquals("orders.created", header(negative, "x-nucleon-original-routing-key"));
        GetResponse notJson = dead.get("not-json");
        assertEquals("this is not an order", body(notJson));
        assertTrue(header(notJson, "x-nucleon-error").startsWith(
                "java.lang.IllegalArgumentException: invalid order message not-json: the body is not JSON"), header(notJson, "x-nucleon-error"));
        assertEquals(0, messagesIn(queue), "every message was acked");
        assertEquals(0, messagesIn(queue + ".retry"), "no retry is pending");

        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the processor exits after SIGTERM");
        assertEquals(0, p.exitValue(), log());
        String log = log();
        for (int i = 0; i < GOOD_ORDERS; i++) {
            assertTrue(log.contains("orderId=o-" + i + " amount=" + (i + 0.5) + " "), "logged: order o-" + i);
        }
        assertEquals(GOOD_ORDERS, log.lines().filter(l -> l.contains(" - order processed ")).count(), log);
        assertTrue(log.contains("invalid order o-bad: amount must not be negative"), log);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** The function.yaml packaged in the jar, with this run's queue and exchange. */
    private Path writeYaml() throws IOException {
        String packaged;
        try (JarFile jar = new JarFile(JAR.toFile()); InputStream in = jar.getInputStream(jar.getEntry("function.yaml"))) {
            packaged = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String yaml = replace(packaged, "exchangeName: orders\n", "exchangeName: " + exchange + "\n");
        yaml = replace(yaml, "queueName: rabbitmq-worker.orders\n", "queueName: " + queue + "\n");
        Path file = dir.resolve("function.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String replace(String text, String what, String with) {
        assertTrue(text.contains(what), "the packaged function.yaml has '" + what.strip() + "':\n" + text);
        return text.replace(what, with);
    }

    private void publish(String messageId, String body) throws IOException {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().messageId(messageId)
                .contentType("application/json").deliveryMode(2).build();
        channel.basicPublish(exchange, "orders.created", true, props, body.getBytes(StandardCharsets.UTF_8));
    }

    private long messagesIn(String q) throws IOException {
        return channel.queueDeclarePassive(q).getMessageCount();
    }

    private static String body(GetResponse r) {
        return new String(r.getBody(), StandardCharsets.UTF_8);
    }

    private static String header(GetResponse r, String name) {
        Object v = r.getProps().getHeaders().get(name);
        return v == null ? null : v.toString(); // AMQP strings arrive as LongString
    }

    /** The sum of {@code nucleon_events_total} of the orders trigger for one outcome. */
    private long events(int control, String outcome) throws Exception {
        double sum = 0;
        for (String line : get("http://127.0.0.1:" + control + "/metrics").body().split("\n")) {
            if (line.startsWith("nucleon_events_total{") && line.contains("trigger=\"orders\"")
                    && line.contains("outcome=\"" + outcome + "\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) sum;
    }

    private Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("process-" + processes.size() + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private void awaitReady(int control, Process p) throws Exception {
        await("/ready", 30, () -> {
            try {
                return get("http://127.0.0.1:" + control + "/ready").statusCode() == 200;
            } catch (IOException notYet) {
                return false; // not listening yet
            }
        }, p);
    }

    private interface Check {
        boolean done() throws Exception;
    }

    private void await(String what, long seconds, Check check, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.done()) {
            assertTrue(p.isAlive(), () -> "the processor died: " + log());
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "; log:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    private String log() {
        try (var files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".log"))::iterator) {
                sb.append(Files.readString(f));
            }
            return sb.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
