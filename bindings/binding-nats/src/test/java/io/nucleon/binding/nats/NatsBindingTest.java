package io.nucleon.binding.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.checks.brokers.NatsServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The nats binding through a real processor (http trigger), against a nats-server of its own. */
class NatsBindingTest {
    private static NatsServer server;

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String stream = "B" + id;
    private final String subject = "out-" + id;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Processor> processors = new ArrayList<>();
    private Connection admin;

    @BeforeAll
    static void startServer() throws Exception {
        server = new NatsServer().start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void connect() throws Exception {
        admin = Nats.connect(server.url());
        JetStreamManagement jsm = admin.jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder()
                .name(stream)
                .subjects(subject + ".js.>")
                .storageType(StorageType.File)
                .duplicateWindow(Duration.ofMinutes(2))
                .build());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Processor p : processors) {
            p.stop(Duration.ofSeconds(5));
        }
        admin.jetStreamManagement().deleteStream(stream);
        admin.close();
    }

    private Processor start(Handler handler, int workers) throws Exception {
        Processor p = Processor.builder()
                .name("nats-out-" + id)
                .withoutControlServer()
                .handler(handler)
                .eventTimeout(Duration.ofSeconds(20))
                .drainTimeout(Duration.ofSeconds(5))
                .dataBinding("out", "nats", Map.of("url", server.url()))
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(workers)
                                .attribute("host", "127.0.0.1")
                                .attribute("port", 0))
                .build()
                .start();
        processors.add(p);
        return p;
    }

    @SuppressWarnings("unchecked")
    private static int port(Processor p) {
        return (Integer)
                ((List<Map<String, Object>>) p.status().get("triggers")).get(0).get("port");
    }

    private CompletableFuture<HttpResponse<String>> post(Processor p, String path, String msgId, String body) {
        return http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(p) + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("x-msg-id", msgId)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** /core publishes on core NATS; /js publishes to JetStream and answers with the stored sequence. */
    private Handler publishing() {
        return (ctx, e) -> {
            NatsBinding out = ctx.binding("out", NatsBinding.class);
            if (e.path().equals("/core")) {
                out.publish(subject + ".core", Map.of("x-worker", Integer.toString(ctx.workerId())), e.body());
                return "sent";
            }
            return out.publishJetStream(subject + ".js.x", e.header("x-msg-id"), Map.of("x-a", "b"), e.body())
                    .thenApply(stored -> (stored.duplicate() ? "duplicate " : "stored ") + stored.sequence());
        };
    }

    @Test
    void jetStreamPublishesCompleteOnTheServersAckAndAMessageIdIsStoredOnce() throws Exception {
        Processor p = start(publishing(), 8);
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            pending.add(post(p, "/js", "id-" + i, "m" + i));
        }
        Set<String> answers = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> f : pending) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().startsWith("stored "), r.body());
            answers.add(r.body());
        }
        assertEquals(300, answers.size(), "each stored at its own sequence");
        // the same ids again: the server recognises them, stores nothing new
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = post(p, "/js", "id-" + i, "again").get();
            assertTrue(r.body().startsWith("duplicate "), r.body());
        }
        assertEquals(
                300,
                admin.jetStreamManagement()
                        .getStreamInfo(stream)
                        .getStreamState()
                        .getMsgCount());
        assertEquals(
                "b",
                admin.jetStreamManagement().getMessage(stream, 1).getHeaders().getFirst("x-a"));
    }

    @Test
    void corePublishesReachASubscriber() throws Exception {
        Subscription sub = admin.subscribe(subject + ".core");
        admin.flush(Duration.ofSeconds(5));
        Processor p = start(publishing(), 4);
        for (int i = 0; i < 50; i++) {
            assertEquals("sent", post(p, "/core", "c" + i, "c" + i).get().body());
        }
        Set<String> got = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Message m = sub.nextMessage(Duration.ofSeconds(5));
            got.add(new String(m.getData(), StandardCharsets.UTF_8));
            assertTrue(m.getHeaders().containsKey("x-worker"));
        }
        assertEquals(50, got.size());
    }

    @Test
    void aSubjectNoStreamStoresFailsThePublishNamingTheSubject() throws Exception {
        NatsBindingConfig c = new NatsBindingConfig();
        c.url = server.url();
        c.ackTimeout = Duration.ofSeconds(2);
        NatsBinding b = new NatsBinding("direct", c);
        b.open();
        try {
            assertTrue(b.isReady());
            ExecutionException e = assertThrows(
                    ExecutionException.class,
                    () -> b.publishJetStream("nowhere-" + id, "x".getBytes(StandardCharsets.UTF_8))
                            .toCompletableFuture()
                            .get());
            assertInstanceOf(NatsPublishException.class, e.getCause());
            assertTrue(
                    e.getCause().getMessage().contains("nowhere-" + id),
                    e.getCause().getMessage());
        } finally {
            b.close();
        }
        assertFalse(b.isReady());
    }

    @Test
    void wrongAttributesAreReportedTogether() {
        NatsBindingConfig c = new NatsBindingConfig();
        c.url = "http://x:1";
        c.ackTimeout = Duration.ZERO;
        FunctionConfigException e = assertThrows(FunctionConfigException.class, () -> new NatsBinding("bad", c));
        assertTrue(e.getMessage().contains("dataBindings.bad.attributes.url"), e.getMessage());
        assertTrue(e.getMessage().contains("dataBindings.bad.attributes.ackTimeout"), e.getMessage());
    }
}
