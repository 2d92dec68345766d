package io.nucleon.trigger.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.NatsServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The broker killed and restarted mid-stream: readiness goes false then true, and no message is lost. */
class NatsBrokerRestartTest {
    private NatsServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = new NatsServer().start();
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    @Test
    void theBrokerRestartedMidStreamLosesNothing() throws Exception {
        int total = 5000;
        Set<String> handled = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        Processor p = Processor.builder()
                .name("restart")
                .withoutControlServer()
                .handler((ctx, e) -> {
                    calls.incrementAndGet();
                    if (handled.size() >= 100) {
                        gate.await(); // holds the stream up until the broker is down: it dies mid-stream
                    }
                    handled.add(e.id());
                    return null;
                })
                .eventTimeout(Duration.ofSeconds(2))
                .trigger(
                        "orders",
                        "nats",
                        t -> t.numWorkers(2)
                                .attribute("url", server.url())
                                .attribute("stream", "RESTART")
                                .attribute("subjects", List.of("restart.>"))
                                .attribute("ackWait", "3s")
                                .attribute("maxAckPending", 32)
                                .attribute("connectRetryDelay", "100ms"))
                .build()
                .start();
        try {
            Awaitility.await("ready").atMost(Duration.ofSeconds(30)).until(p::isReady);
            Connection c = Nats.connect(server.url());
            try {
                JetStream js = c.jetStream();
                for (int i = 0; i < total; i++) {
                    js.publish(
                            "restart.m",
                            null,
                            ("m" + i).getBytes(StandardCharsets.UTF_8),
                            PublishOptions.builder().messageId("m" + i).build());
                }
            } finally {
                c.close();
            }
            Awaitility.await("some handled").atMost(Duration.ofSeconds(30)).until(() -> handled.size() >= 100);
            server.kill();
            Awaitility.await("not ready while the broker is down")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> !p.isReady());
            assertTrue(handled.size() < total / 2, "killed mid-stream: " + handled.size());
            gate.countDown(); // what was in flight ends while the broker is away: its acks are lost
            server.start();
            Awaitility.await("ready again").atMost(Duration.ofSeconds(60)).until(p::isReady);
            Awaitility.await("every message handled")
                    .atMost(Duration.ofSeconds(120))
                    .until(() -> handled.size() == total);
        } finally {
            p.stop(Duration.ofSeconds(5));
        }
        assertEquals(total, handled.size());
    }
}
