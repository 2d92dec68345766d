package io.nucleon.binding.nats;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingArgs;
import io.nucleon.spi.BindingCallException;
import io.nucleon.spi.CallableBinding;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code nats} data binding: one connection to NATS, shared by every worker (thread-safe), that
 * reconnects by itself.
 *
 * <pre>{@code
 * NatsBinding out = ctx.binding("events", NatsBinding.class);
 * out.publish("telemetry.raw", event.body());                        // core NATS: at most once
 * return out.publishJetStream("readings.dev-7", event.id(), Map.of(), body)
 *         .thenApply(stored -> "stored as " + stored.sequence());   // completed on the server's ack
 * }</pre>
 *
 * <p>{@link #publish} is core NATS: buffered and sent, never acknowledged; a message no one is
 * subscribed to is gone. {@link #publishJetStream} completes when the stream stored the message, or
 * fails with a {@link NatsPublishException} (no stream for the subject, no ack within
 * {@code ackTimeout}, the connection gone). Given a message id (the {@code Nats-Msg-Id} header),
 * the server stores a message once within the stream's duplicate window however often it is sent:
 * a handler that retries a publish, or whose event is delivered again, does not store it twice.
 * Stages complete on a thread of the binding, never on the client's I/O threads.
 *
 * <p>Meters (tagged {@code function} and {@code binding}): {@code nucleon.binding.nats.published}
 * (core messages sent and JetStream messages stored) and {@code nucleon.binding.nats.failed}.
 */
@SuppressWarnings("try") // close() may be interrupted while it flushes
public final class NatsBinding implements DataBinding, CallableBinding {
    private static final Set<String> PUBLISH_ARGS = Set.of("subject", "headers", "jetStream", "messageId");

    private static final Logger LOG = LoggerFactory.getLogger(NatsBinding.class);

    /** What the server said when it stored a JetStream message. */
    public record Stored(String stream, long sequence, boolean duplicate) {}

    private final String functionName;
    private final String name;
    private final NatsBindingConfig config;
    private final List<String> servers = new ArrayList<>();
    private final String safeServers;
    private final Counter published;
    private final Counter failed;
    private volatile Connection connection;
    private volatile JetStream jetStream;
    private volatile boolean connected;
    private ExecutorService completions;

    /**
     * A binding made in code, for {@code Processor.builder().dataBinding(binding)}; its meters go to a
     * registry of its own.
     *
     * @param name   the binding's name
     * @param config its attributes
     * @throws FunctionConfigException when an attribute is wrong
     */
    public NatsBinding(String name, NatsBindingConfig config) {
        this("", name, validated(name, config), new SimpleMeterRegistry());
    }

    NatsBinding(String functionName, String name, NatsBindingConfig config, MeterRegistry registry) {
        this.functionName = functionName;
        this.name = name;
        this.config = config;
        List<String> safe = new ArrayList<>();
        for (String one : config.url.split(",")) {
            String s = withScheme(one.trim());
            servers.add(s);
            URI uri = URI.create(s);
            safe.add(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
        }
        this.safeServers = String.join(",", safe);
        this.published = Counter.builder("nucleon.binding.nats.published")
                .description("Messages the nats binding sent (core) or the server stored (JetStream)")
                .tags("function", functionName, "binding", name)
                .register(registry);
        this.failed = Counter.builder("nucleon.binding.nats.failed")
                .description("Publishes of the nats binding that failed")
                .tags("function", functionName, "binding", name)
                .register(registry);
    }

    private static NatsBindingConfig validated(String name, NatsBindingConfig config) {
        AttributeProblems problems = AttributeProblems.at("dataBindings." + name + ".attributes.");
        check(config, problems);
        problems.throwIfAny();
        return config;
    }

    /** Adds to {@code problems} what is wrong with {@code c}. */
    static void check(NatsBindingConfig c, AttributeProblems problems) {
        if (c.url == null || c.url.isBlank()) {
            problems.add("url", "is required: the server, such as nats://127.0.0.1:4222");
        } else {
            for (String one : c.url.split(",")) {
                try {
                    URI uri = new URI(withScheme(one.trim()));
                    if (!List.of("nats", "tls", "ws", "wss").contains(uri.getScheme()) || uri.getHost() == null) {
                        problems.add("url", "must be nats://host:port (or tls://, ws://, wss://)");
                    }
                } catch (URISyntaxException e) {
                    problems.add("url", "is not a server address (such as nats://127.0.0.1:4222)");
                }
            }
        }
        if (c.ackTimeout == null || c.ackTimeout.toMillis() < 1) {
            problems.add("ackTimeout", "must be at least 1ms");
        }
        if (c.connectTimeout == null || c.connectTimeout.toMillis() < 1) {
            problems.add("connectTimeout", "must be at least 1ms");
        }
        if (c.reconnectWait == null || c.reconnectWait.toMillis() < 1) {
            problems.add("reconnectWait", "must be at least 1ms");
        }
    }

    private static String withScheme(String url) {
        return url.contains("://") ? url : "nats://" + url;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return NatsBindingFactory.KIND;
    }

    /** Connects; fails (and so fails the processor's start) when no server answers within {@code connectTimeout}. */
    @Override
    public void open() throws Exception {
        completions = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nucleon-nats-binding-" + name);
            t.setDaemon(true);
            return t;
        });
        Options.Builder b = new Options.Builder()
                .servers(servers.toArray(new String[0]))
                .connectionName("nucleon " + functionName + "/" + name)
                .connectionTimeout(config.connectTimeout)
                .maxReconnects(-1)
                .reconnectWait(config.reconnectWait)
                .connectionListener(this::connectionEvent);
        if (!config.username.isEmpty()) {
            b.userInfo(config.username, config.password);
        }
        if (!config.token.isEmpty()) {
            b.token(config.token.toCharArray());
        }
        try {
            connection = Nats.connect(b.build());
        } catch (java.io.IOException e) {
            throw new java.io.IOException(
                    "data binding '" + name + "' cannot connect to " + safeServers + ": " + e.getMessage(), e);
        }
        jetStream = connection.jetStream(
                JetStreamOptions.builder().requestTimeout(config.ackTimeout).build());
        connected = true;
    }

    private void connectionEvent(Connection c, ConnectionListener.Events event) {
        switch (event) {
            case CONNECTED, RECONNECTED, RESUBSCRIBED -> connected = true;
            case DISCONNECTED, CLOSED -> {
                if (connected && event == ConnectionListener.Events.DISCONNECTED) {
                    LOG.atWarn().addKeyValue("binding", name).log("connection to NATS lost, reconnecting");
                }
                connected = false;
            }
            default -> {
                // discovered servers, lame duck mode: the client deals with them
            }
        }
    }

    /**
     * Publishes on core NATS (at most once): the message is buffered and sent; while the connection
     * is down the client keeps it in its reconnect buffer.
     *
     * @param subject the subject, without wildcards
     * @param body    the payload
     */
    public void publish(String subject, byte[] body) {
        publish(subject, Map.of(), body);
    }

    /**
     * Publishes on core NATS (at most once), with headers.
     *
     * @param subject the subject, without wildcards
     * @param headers NATS headers (may be empty)
     * @param body    the payload
     */
    public void publish(String subject, Map<String, String> headers, byte[] body) {
        try {
            connection().publish(subject, headers(headers, null), body);
            published.increment();
        } catch (RuntimeException e) {
            failed.increment();
            throw e;
        }
    }

    @Override
    public Set<String> operations() {
        return Set.of("publish");
    }

    /**
     * {@code publish} for handlers of other runtimes: {@code subject} (required) and {@code headers}
     * (strings); the body is the payload. Core NATS by default (the result is empty once the message is
     * buffered); with {@code jetStream: true} (and an optional {@code messageId}) it completes once a
     * stream stored it, with {@code {"stream", "sequence", "duplicate"}}.
     */
    @Override
    public CompletionStage<Reply> call(String operation, ObjectNode args, byte[] body) {
        // the caller checked that the operation is one of operations()
        BindingArgs a = BindingArgs.of(args, name, operation, PUBLISH_ARGS);
        String subject = a.requiredString("subject");
        Map<String, String> headers = a.stringMap("headers");
        if (a.bool("jetStream", false)) {
            return publishJetStream(subject, a.string("messageId"), headers, body)
                    .thenApply(s -> {
                        Map<String, Object> r = new LinkedHashMap<>();
                        r.put("stream", s.stream());
                        r.put("sequence", s.sequence());
                        r.put("duplicate", s.duplicate());
                        return Reply.of(r);
                    });
        }
        if (a.string("messageId") != null) {
            throw new BindingCallException(
                    BindingCallException.Reason.BAD_ARGUMENTS,
                    "'publish' of nats binding '" + name + "': 'messageId' needs jetStream: true");
        }
        publish(subject, headers, body);
        return CompletableFuture.completedFuture(Reply.of(Map.of()));
    }

    /**
     * Publishes to JetStream; the stage completes once a stream stored the message.
     *
     * @param subject the subject, captured by a stream
     * @param body    the payload
     * @return what the server stored, or a {@link NatsPublishException}
     */
    public CompletionStage<Stored> publishJetStream(String subject, byte[] body) {
        return publishJetStream(subject, null, Map.of(), body);
    }

    /**
     * Publishes to JetStream with a message id for de-duplication; the stage completes once a
     * stream stored the message (or found it already stored: {@link Stored#duplicate()}).
     *
     * @param subject   the subject, captured by a stream
     * @param messageId the {@code Nats-Msg-Id}; {@code null}: none (no de-duplication)
     * @param headers   NATS headers (may be empty)
     * @param body      the payload
     * @return what the server stored, or a {@link NatsPublishException}
     */
    public CompletionStage<Stored> publishJetStream(
            String subject, String messageId, Map<String, String> headers, byte[] body) {
        CompletableFuture<io.nats.client.api.PublishAck> ack;
        try {
            PublishOptions.Builder options = PublishOptions.builder().streamTimeout(config.ackTimeout);
            if (messageId != null) {
                options.messageId(messageId);
            }
            JetStream js = jetStream;
            if (js == null) {
                throw new IllegalStateException("data binding '" + name + "' is not open");
            }
            ack = js.publishAsync(subject, headers(headers, null), body, options.build());
        } catch (RuntimeException e) {
            failed.increment();
            return CompletableFuture.failedFuture(
                    new NatsPublishException("publish to '" + subject + "' failed: " + e.getMessage(), e));
        }
        return ack.orTimeout(config.ackTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync(
                        (a, error) -> {
                            if (error != null) {
                                failed.increment();
                                throw new CompletionException(failure(subject, error));
                            }
                            published.increment();
                            return new Stored(a.getStream(), a.getSeqno(), a.isDuplicate());
                        },
                        completions);
    }

    /**
     * Publishes to JetStream and waits for the server's ack.
     *
     * @param subject   the subject, captured by a stream
     * @param messageId the {@code Nats-Msg-Id}; {@code null}: none
     * @param headers   NATS headers (may be empty)
     * @param body      the payload
     * @return what the server stored
     * @throws NatsPublishException when it was not stored
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public Stored publishJetStreamAndWait(String subject, String messageId, Map<String, String> headers, byte[] body)
            throws InterruptedException {
        try {
            return publishJetStream(subject, messageId, headers, body)
                    .toCompletableFuture()
                    .get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof NatsPublishException p) {
                throw p;
            }
            throw new NatsPublishException("publish to '" + subject + "' failed: " + e.getCause(), e.getCause());
        }
    }

    private NatsPublishException failure(String subject, Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String why;
        if (t instanceof TimeoutException) {
            why = "no ack from the server within " + config.ackTimeout.toMillis() + " ms";
        } else if (t instanceof JetStreamApiException j) {
            why = j.getErrorDescription() + " (code " + j.getApiErrorCode() + ")";
        } else {
            why = String.valueOf(t.getMessage());
            if (why.contains("503") || why.toLowerCase(java.util.Locale.ROOT).contains("no responders")) {
                why = "no stream stores subject '" + subject + "' (" + why + ")";
            }
        }
        return new NatsPublishException("JetStream publish to '" + subject + "' failed: " + why, t);
    }

    private static Headers headers(Map<String, String> given, String extra) {
        if ((given == null || given.isEmpty()) && extra == null) {
            return null;
        }
        Headers h = new Headers();
        if (given != null) {
            given.forEach(h::put);
        }
        return h;
    }

    private Connection connection() {
        Connection c = connection;
        if (c == null) {
            throw new IllegalStateException("data binding '" + name + "' is not open");
        }
        return c;
    }

    /**
     * Sends what the client has buffered and waits for the server to have read it.
     *
     * @param timeout how long to wait
     * @throws TimeoutException     when the server did not answer in time
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public void flush(Duration timeout) throws TimeoutException, InterruptedException {
        connection().flush(timeout);
    }

    @Override
    public boolean isReady() {
        return connected;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("servers", safeServers);
        m.put("connected", connected);
        m.put("published", (long) published.count());
        m.put("failed", (long) failed.count());
        return m;
    }

    /** Sends what is buffered (up to 5 s), then closes the connection. */
    @Override
    public void close() throws InterruptedException {
        Connection c = connection;
        if (c != null) {
            try {
                c.flush(Duration.ofSeconds(5));
            } catch (TimeoutException | RuntimeException e) {
                LOG.debug("binding '{}': flush before close failed: {}", name, e.toString());
            }
            c.close();
        }
        if (completions != null) {
            completions.shutdown();
        }
    }

    @Override
    public String toString() {
        return "NatsBinding[" + name + " " + safeServers + "]";
    }
}
