package io.nucleon.trigger.rabbitmq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.nucleon.api.Processor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A broker that is not reachable at start: the processor starts anyway, is not ready with the
 * reason, and consumes once the broker appears. The machine's RabbitMQ stays up for the other
 * tests; it "appears" through a {@link TcpForwarder} that starts listening only when told.
 */
class RabbitMqTriggerStartTest {
    private static final InetSocketAddress RABBITMQ = new InetSocketAddress("127.0.0.1", 5672);

    private final String queue = "nucleon-start-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Processor> processors = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private Connection admin;
    private Channel channel;
    private TcpForwarder forwarder;

    @BeforeEach
    void connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri("amqp://guest:guest@127.0.0.1:5672/%2f");
        admin = f.newConnection("nucleon-test-admin");
        channel = admin.createChannel();
        forwarder = new TcpForwarder(TcpForwarder.freePort(), RABBITMQ);
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterEach
    void cleanUp() throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        forwarder.close();
        Channel ch = admin.createChannel();
        for (String q : List.of(queue, queue + ".retry", queue + ".dlq")) {
            ch.queueDelete(q);
        }
        admin.close();
    }

    private String url() {
        return "amqp://guest:guest@127.0.0.1:" + forwarder.port() + "/%2f";
    }

    private String safeUrl() {
        return "amqp://127.0.0.1:" + forwarder.port() + "/%2f";
    }

    private Processor start(Set<String> handled, Consumer<Processor.TriggerBuilder> attributes) throws Exception {
        Processor p = Processor.builder()
                .name("rabbit-start")
                .withoutControlServer()
                .handler((ctx, e) -> {
                    handled.add(e.id());
                    return null;
                })
                .trigger("orders", "rabbitmq", t -> {
                    t.numWorkers(2)
                            .attribute("url", url())
                            .attribute("queueName", queue)
                            .attribute("connectRetryDelay", "100ms")
                            .attribute("maxConnectRetryDelay", "500ms");
                    attributes.accept(t);
                })
                .build()
                .start();
        processors.add(p);
        return p;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> trigger(Processor p) {
        return ((List<Map<String, Object>>) p.status().get("triggers")).get(0);
    }

    private static String reason(Processor p) {
        return String.valueOf(trigger(p).get("notReadyReason"));
    }

    @Test
    void aBrokerThatAppearsAfterStartMakesTheTriggerReadyAndNothingIsLost() throws Exception {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Processor p = start(handled, t -> {});
        await("the reason for not being ready")
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> reason(p)
                                .matches(
                                        "cannot connect to " + java.util.regex.Pattern.quote(safeUrl())
                                                + ": Connection refused; next attempt in \\d+ s \\(attempt [2-9]\\d*, trying for \\d+ s\\)"));
        assertFalse(p.isReady());
        assertEquals(false, trigger(p).get("connected"));

        forwarder.start();
        await("ready once connected").atMost(Duration.ofSeconds(30)).until(p::isReady);
        int total = 500;
        channel.confirmSelect();
        for (int i = 0; i < total; i++) { // to the real broker directly, not through the forwarder
            channel.basicPublish(
                    "",
                    queue,
                    new AMQP.BasicProperties.Builder()
                            .messageId("late-" + i)
                            .deliveryMode(2)
                            .build(),
                    ("msg " + i).getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(10_000);
        await("every message handled").atMost(Duration.ofSeconds(60)).until(() -> handled.size() == total);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < total; i++) {
            expected.add("late-" + i);
        }
        assertEquals(expected, handled);

        processors.remove(p);
        p.stop(Duration.ofSeconds(5));
        assertEquals(0, channel.queueDeclarePassive(queue).getMessageCount(), "every message acked");
        String written = p.status() + " " + logText();
        assertTrue(
                logText().contains("cannot connect to " + safeUrl() + ": Connection refused; next attempt in"),
                logText());
        assertFalse(written.contains("guest"), "no credentials in status or logs: " + written);
    }

    @Test
    void failFastMakesStartThrowWhenTheBrokerIsUnreachable() {
        Exception e = assertThrows(
                Exception.class, () -> start(ConcurrentHashMap.newKeySet(), t -> t.attribute("failFast", true)));
        assertEquals(
                "trigger 'orders' cannot start: cannot connect to " + safeUrl() + ": Connection refused"
                        + " (failFast: true; with failFast: false the trigger starts anyway and keeps trying)",
                e.getMessage());
        assertFalse(e.getMessage().contains("guest"));
    }

    @Test
    void stoppingWhileRetryingReturnsPromptlyAndLeavesNoThread() throws Exception {
        Processor p = start(
                ConcurrentHashMap.newKeySet(),
                t -> t.attribute("connectRetryDelay", "20s").attribute("maxConnectRetryDelay", "20s"));
        await("the first attempt failed")
                .atMost(Duration.ofSeconds(30))
                .until(() -> reason(p).contains("next attempt in"));
        processors.remove(p);
        long startNanos = System.nanoTime();
        p.stop(Duration.ofSeconds(5));
        long tookMillis = (System.nanoTime() - startNanos) / 1_000_000;
        // promptly: generous for a busy machine, yet half the 20 s the connect thread would otherwise sleep
        assertTrue(tookMillis < 10_000, "stop waited " + tookMillis + " ms for a connect thread backing off for 20 s");
        assertTrue(
                Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("nucleon-rabbitmq-orders-")),
                "no thread of the trigger is left");
    }

    @Test
    void aMissingQueueWithDeclareFalseIsReportedAndPickedUpOnceItExists() throws Exception {
        forwarder.start();
        Set<String> handled = ConcurrentHashMap.newKeySet();
        Processor p = start(handled, t -> t.attribute("declare", false).attribute("maxRetries", 0));
        await("the reason")
                .atMost(Duration.ofSeconds(30))
                .until(() -> reason(p)
                        .startsWith("the queue '" + queue
                                + "' does not exist on " + safeUrl()
                                + " (declare: false only uses existing objects; set declare: true to create them)"
                                + "; next attempt in"));
        assertFalse(p.isReady());

        channel.queueDeclare(queue + ".dlq", true, false, false, null);
        channel.queueDeclare(queue, true, false, false, null);
        await("ready once the queues exist").atMost(Duration.ofSeconds(30)).until(p::isReady);
        channel.basicPublish(
                "", queue, new AMQP.BasicProperties.Builder().messageId("m-1").build(), new byte[0]);
        await("the message handled").atMost(Duration.ofSeconds(30)).until(() -> handled.contains("m-1"));
    }

    private String logText() {
        StringBuilder sb = new StringBuilder();
        for (ILoggingEvent e : logs.list) {
            sb.append(e.getFormattedMessage())
                    .append(' ')
                    .append(e.getKeyValuePairs())
                    .append('\n');
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                sb.append(t.getMessage()).append('\n');
            }
        }
        return sb.toString();
    }
}
