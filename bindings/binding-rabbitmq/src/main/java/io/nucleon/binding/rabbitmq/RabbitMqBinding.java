package io.nucleon.binding.rabbitmq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.binding.rabbitmq.RabbitMqPublishException.Reason;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingArgs;
import io.nucleon.spi.CallableBinding;
import io.nucleon.spi.Durations;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code rabbitmq} data binding: publishes to RabbitMQ with publisher confirms over one
 * connection that recovers by itself. Thread-safe: an AMQP channel is not, so each thread that
 * publishes gets a channel of its own (created on its first publish, closed when the thread has
 * died or at {@link #close()}).
 *
 * <pre>{@code
 * RabbitMqBinding out = ctx.binding("events", RabbitMqBinding.class);
 * return out.publish("orders", "orders.created", Map.of("tenant", "acme"), event.body())
 *         .thenApply(confirmed -> "queued");      // the worker is free while the broker confirms
 * }</pre>
 *
 * <p>Each {@code publish} returns a stage completing when the broker confirms the message, or
 * failing with a {@link RabbitMqPublishException} on a nack, an unroutable message (with
 * {@code mandatory}), no confirm within {@code confirmTimeout}, or a channel or connection that closed
 * first. Stages complete on a thread of the binding, never on the connection's I/O thread, so it is
 * safe to publish again from a stage. While the connection is down the binding is not ready and
 * publishes fail at once; they work again once it has recovered.
 *
 * <p>Meters (tagged {@code function} and {@code binding}): {@code nucleon.binding.rabbitmq.published}
 * (confirmed) and {@code nucleon.binding.rabbitmq.failed}.
 */
public final class RabbitMqBinding implements DataBinding, CallableBinding {
    private static final Set<String> PUBLISH_ARGS = Set.of("exchange", "routingKey", "headers");

    /** The header that matches a returned (unroutable) message to its publish, with {@code mandatory}. */
    public static final String SEQ_HEADER = "x-nucleon-publish-seq";

    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqBinding.class);
    private static final Set<String> EXCHANGE_TYPES = Set.of("topic", "direct", "fanout", "headers");

    private final String functionName;
    private final String name;
    private final RabbitMqBindingConfig config;
    private final String safeUrl;
    private final Counter published;
    private final Counter failed;
    private final Map<Thread, Publisher> publishers = new ConcurrentHashMap<>();
    private volatile Connection connection;
    private Channel setupChannel;
    private ScheduledThreadPoolExecutor confirms;
    private volatile boolean connected;
    private volatile boolean closed;

    /**
     * A binding made in code, for {@code Processor.builder().dataBinding(binding)}; its meters go to a
     * registry of its own.
     *
     * @throws FunctionConfigException when an attribute is wrong
     */
    public RabbitMqBinding(String name, RabbitMqBindingConfig config) {
        this("", name, validated(name, config), new SimpleMeterRegistry());
    }

    RabbitMqBinding(String functionName, String name, RabbitMqBindingConfig config, MeterRegistry registry) {
        this.functionName = functionName;
        this.name = name;
        this.config = config;
        this.safeUrl = safeUrl(config.url);
        this.published = Counter.builder("nucleon.binding.rabbitmq.published")
                .description("Messages the rabbitmq binding published and the broker confirmed")
                .tags("function", functionName, "binding", name)
                .register(registry);
        this.failed = Counter.builder("nucleon.binding.rabbitmq.failed")
                .description("Publishes of the rabbitmq binding that failed")
                .tags("function", functionName, "binding", name)
                .register(registry);
    }

    private static RabbitMqBindingConfig validated(String name, RabbitMqBindingConfig config) {
        AttributeProblems problems = AttributeProblems.at("dataBindings." + name + ".attributes.");
        check(config, problems);
        problems.throwIfAny();
        return config;
    }

    /** Adds to {@code problems} what is wrong with {@code c}. */
    static void check(RabbitMqBindingConfig c, AttributeProblems problems) {
        try {
            URI uri = new URI(c.url);
            if (!"amqp".equals(uri.getScheme()) && !"amqps".equals(uri.getScheme()) || uri.getHost() == null) {
                problems.add("url", "must be an amqp:// or amqps:// URI with a host");
            }
        } catch (URISyntaxException | NullPointerException e) {
            // the message of URISyntaxException quotes the URI, password included: not repeated
            problems.add("url", "is not a URI (such as amqp://user:password@host:5672/vhost)");
        }
        if (c.exchange == null) {
            c.exchange = "";
        }
        if (!EXCHANGE_TYPES.contains(c.exchangeType)) {
            problems.add("exchangeType", "must be topic, direct, fanout or headers, got \"" + c.exchangeType + "\"");
        }
        if (c.declare && c.exchange.isEmpty()) {
            problems.add("declare", "declares the exchange: set exchange too (the default exchange always exists)");
        }
        if (c.confirmTimeout == null || c.confirmTimeout.toMillis() < 1) {
            problems.add("confirmTimeout", "must be at least 1ms");
        }
        if (c.connectTimeout == null
                || c.connectTimeout.toMillis() < 1
                || c.connectTimeout.toMillis() > Integer.MAX_VALUE) {
            problems.add("connectTimeout", "must be from 1ms to 24d");
        }
        if (c.recoveryInterval == null || c.recoveryInterval.toMillis() < 1) {
            problems.add("recoveryInterval", "must be at least 1ms");
        }
        if (c.heartbeat == null || c.heartbeat.isNegative() || c.heartbeat.toSeconds() > 65535) {
            problems.add("heartbeat", "must be from 0s to 65535s");
        }
    }

    /** The URI without its user and password, for logs, errors and status. */
    static String safeUrl(String url) {
        try {
            URI uri = new URI(url);
            String host = uri.getHost() == null ? "" : uri.getHost();
            String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            return uri.getScheme() + "://" + host + port + path;
        } catch (URISyntaxException | NullPointerException e) {
            return "(invalid url)";
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return RabbitMqBindingFactory.KIND;
    }

    /** Connects (and declares the exchange with {@code declare: true}, or checks that it exists). */
    @Override
    public void open() throws Exception {
        if (closed) {
            throw new IllegalStateException("rabbitmq binding '" + name + "' is closed");
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(config.url);
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(config.recoveryInterval.toMillis());
        factory.setRequestedHeartbeat((int) config.heartbeat.toSeconds());
        factory.setConnectionTimeout((int) config.connectTimeout.toMillis());
        try {
            connection = factory.newConnection(connectionName());
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException(
                    "rabbitmq binding '" + name + "' cannot connect to " + safeUrl + ": " + e, e);
        }
        connection.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication()) {
                connected = false;
                LOG.atWarn()
                        .addKeyValue("binding", name)
                        .addKeyValue("broker", safeUrl)
                        .log("connection to RabbitMQ lost, recovering: " + cause.getMessage());
            }
        });
        ((Recoverable) connection).addRecoveryListener(new RecoveryListener() {
            @Override
            public void handleRecovery(Recoverable recoverable) {
                connected = true;
                LOG.atInfo()
                        .addKeyValue("binding", name)
                        .addKeyValue("broker", safeUrl)
                        .log("connection to RabbitMQ recovered");
            }

            @Override
            public void handleRecoveryStarted(Recoverable recoverable) {
                connected = false;
            }
        });
        confirms = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nucleon-rabbitmq-" + name + "-confirms");
            t.setDaemon(true);
            return t;
        });
        confirms.setRemoveOnCancelPolicy(true);
        try {
            if (!config.exchange.isEmpty()) {
                // a declaration stays on its channel, which topology recovery replays after a reconnect
                setupChannel = connection.createChannel();
                if (config.declare) {
                    setupChannel.exchangeDeclare(config.exchange, config.exchangeType, config.durable);
                } else {
                    try {
                        setupChannel.exchangeDeclarePassive(config.exchange);
                    } catch (IOException e) {
                        throw new IllegalStateException(
                                "rabbitmq binding '" + name + "': the exchange '" + config.exchange
                                        + "' does not exist on " + safeUrl + " (set declare: true to create it)",
                                e);
                    }
                }
            }
        } catch (Exception e) {
            close();
            throw e;
        }
        connected = true;
        LOG.atInfo()
                .addKeyValue("binding", name)
                .addKeyValue("broker", safeUrl)
                .addKeyValue("exchange", config.exchange.isEmpty() ? "(default)" : config.exchange)
                .log("rabbitmq binding open");
    }

    /** The connection's name, as the broker (and {@code rabbitmqctl list_connections}) shows it. */
    public String connectionName() {
        return "nucleon " + (functionName.isEmpty() ? "" : functionName + "/") + name + " (binding)";
    }

    @Override
    public Set<String> operations() {
        return Set.of("publish");
    }

    /**
     * {@code publish} for handlers of other runtimes: {@code exchange} (default: the binding's),
     * {@code routingKey} (default {@code ""}) and {@code headers} (strings); the body is the message.
     * Completes, with an empty result, when the broker confirmed the message.
     */
    @Override
    public CompletionStage<Reply> call(String operation, ObjectNode args, byte[] body) {
        // the caller checked that the operation is one of operations()
        BindingArgs a = BindingArgs.of(args, name, operation, PUBLISH_ARGS);
        String routingKey = a.string("routingKey");
        Map<String, Object> headers = new LinkedHashMap<>(a.stringMap("headers"));
        return publish(a.string("exchange"), routingKey == null ? "" : routingKey, headers, body)
                .thenApply(v -> Reply.of(Map.of()));
    }

    /** Publishes {@code body} to the configured {@code exchange} with {@code routingKey}. */
    public CompletionStage<Void> publish(String routingKey, byte[] body) {
        return publish(config.exchange, routingKey, null, body);
    }

    /**
     * Publishes {@code body} with {@code headers} (may be {@code null}) and the binding's delivery mode.
     * {@code exchange} {@code null} is the binding's {@code exchange}; {@code ""} is the default exchange.
     *
     * @return a stage completing when the broker confirms the message, or failing with a
     *         {@link RabbitMqPublishException}
     */
    public CompletionStage<Void> publish(String exchange, String routingKey, Map<String, Object> headers, byte[] body) {
        AMQP.BasicProperties.Builder props = new AMQP.BasicProperties.Builder().deliveryMode(config.persistent ? 2 : 1);
        if (headers != null && !headers.isEmpty()) {
            props.headers(headers);
        }
        return publishWith(exchange, routingKey, props.build(), body);
    }

    /** Publishes with properties made in full (content type, message id, expiration, priority …). */
    public CompletionStage<Void> publishWith(
            String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (closed || connection == null) {
            return fail(
                    f,
                    new RabbitMqPublishException(
                            Reason.CLOSED,
                            "rabbitmq binding '" + name + "' is " + (closed ? "closed" : "not open yet"),
                            null));
        }
        if (!connected) {
            return fail(
                    f,
                    new RabbitMqPublishException(
                            Reason.CONNECTION,
                            "rabbitmq binding '" + name + "': the connection to " + safeUrl
                                    + " is down (recovering); nothing was published",
                            null));
        }
        Publisher p;
        try {
            p = publisher();
        } catch (IOException | AlreadyClosedException e) {
            return fail(
                    f,
                    new RabbitMqPublishException(
                            Reason.CONNECTION,
                            "rabbitmq binding '" + name + "' cannot open a channel on " + safeUrl + ": "
                                    + e.getMessage() + "; nothing was published",
                            e));
        }
        p.publish(f, exchange == null ? config.exchange : exchange, routingKey, properties, body);
        return f;
    }

    /**
     * Publishes and waits for the broker's confirm: for callers that must not go on before the message is safe.
     *
     * @throws RabbitMqPublishException when the publish fails (nack, unroutable, timeout, connection)
     */
    public void publishAndWait(String exchange, String routingKey, Map<String, Object> headers, byte[] body)
            throws RabbitMqPublishException, InterruptedException {
        try {
            publish(exchange, routingKey, headers, body).toCompletableFuture().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RabbitMqPublishException pe) {
                throw pe;
            }
            throw new RabbitMqPublishException(Reason.CONNECTION, String.valueOf(e.getCause()), e.getCause());
        }
    }

    private CompletableFuture<Void> fail(CompletableFuture<Void> f, RabbitMqPublishException e) {
        failed.increment();
        f.completeExceptionally(e);
        return f;
    }

    /** The calling thread's publisher, made on its first publish. */
    private Publisher publisher() throws IOException {
        Thread me = Thread.currentThread();
        Publisher p = publishers.get(me);
        if (p != null) {
            return p;
        }
        // a worker replaced after a timeout leaves its channel behind: close those of dead threads
        publishers.entrySet().removeIf(e -> {
            if (!e.getKey().isAlive()) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        Channel ch = connection.createChannel();
        if (ch == null) {
            throw new IOException("the connection has no channel left (channel_max)");
        }
        p = new Publisher(ch);
        publishers.put(me, p);
        return p;
    }

    private final class Pending {
        final CompletableFuture<Void> future;
        final String exchange;
        final String routingKey;
        volatile String returned;
        ScheduledFuture<?> timeout;

        Pending(CompletableFuture<Void> future, String exchange, String routingKey) {
            this.future = future;
            this.exchange = exchange;
            this.routingKey = routingKey;
        }

        String where() {
            return "exchange '" + (exchange.isEmpty() ? "(default)" : exchange) + "' with routing key '" + routingKey
                    + "'";
        }
    }

    /** One thread's channel, in confirm mode, and its publishes waiting for a confirm. */
    private final class Publisher {
        final Channel channel;
        final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
        final java.util.concurrent.atomic.AtomicBoolean dead = new java.util.concurrent.atomic.AtomicBoolean();

        Publisher(Channel channel) throws IOException {
            this.channel = channel;
            channel.confirmSelect();
            channel.addConfirmListener(
                    (seq, multiple) -> confirmed(seq, multiple, true),
                    (seq, multiple) -> confirmed(seq, multiple, false));
            channel.addReturnListener(r -> {
                Object seq = r.getProperties().getHeaders() == null
                        ? null
                        : r.getProperties().getHeaders().get(SEQ_HEADER);
                Pending p = seq instanceof Number n ? pending.get(n.longValue()) : null;
                if (p != null) {
                    p.returned = r.getReplyCode() + " " + r.getReplyText();
                }
            });
            channel.addShutdownListener(this::closed);
        }

        void publish(
                CompletableFuture<Void> f,
                String exchange,
                String routingKey,
                AMQP.BasicProperties props,
                byte[] body) {
            long seq = channel.getNextPublishSeqNo();
            Pending p = new Pending(f, exchange, routingKey);
            if (config.mandatory) {
                Map<String, Object> h =
                        props.getHeaders() == null ? new HashMap<>() : new HashMap<>(props.getHeaders());
                h.put(SEQ_HEADER, seq);
                props = props.builder().headers(h).build();
            }
            pending.put(seq, p);
            try {
                channel.basicPublish(exchange, routingKey, config.mandatory, props, body);
            } catch (IOException
                    | RuntimeException e) { // a closed channel, or an argument the client refuses (null routing key …)
                pending.remove(seq);
                finish(
                        p,
                        new RabbitMqPublishException(
                                Reason.CONNECTION,
                                "could not publish to " + p.where() + " on " + safeUrl + ": " + e.getMessage(),
                                e));
                return;
            }
            p.timeout = confirms.schedule(
                    () -> {
                        if (pending.remove(seq, p)) {
                            finish(
                                    p,
                                    new RabbitMqPublishException(
                                            Reason.TIMEOUT,
                                            "RabbitMQ did not confirm the message to " + p.where() + " within "
                                                    + Durations.format(config.confirmTimeout)
                                                    + "; it may or may not have been delivered",
                                            null));
                        }
                    },
                    config.confirmTimeout.toNanos(),
                    TimeUnit.NANOSECONDS);
        }

        /** On the connection's thread: hand the confirmed publishes over to the binding's own thread. */
        private void confirmed(long seq, boolean multiple, boolean ack) {
            List<Pending> done = new ArrayList<>();
            if (multiple) {
                ConcurrentNavigableMap<Long, Pending> head = pending.headMap(seq, true);
                done.addAll(head.values());
                head.clear();
            } else {
                Pending p = pending.remove(seq);
                if (p != null) {
                    done.add(p);
                }
            }
            if (!done.isEmpty()) {
                confirms.execute(() -> {
                    for (Pending p : done) {
                        if (!ack) {
                            finish(
                                    p,
                                    new RabbitMqPublishException(
                                            Reason.NACK, "RabbitMQ rejected (nack) the message to " + p.where(), null));
                        } else if (p.returned != null) {
                            finish(
                                    p,
                                    new RabbitMqPublishException(
                                            Reason.UNROUTABLE,
                                            "no queue is bound to " + p.where() + " (returned: " + p.returned + ")",
                                            null));
                        } else {
                            finish(p, null);
                        }
                    }
                });
            }
        }

        /** The channel closed (connection lost, a channel error, or close): what waits for a confirm fails. */
        private void closed(ShutdownSignalException cause) {
            publishers.values().remove(this);
            if (!pending.isEmpty()) {
                List<Pending> done = new ArrayList<>(pending.values());
                pending.clear();
                String why = cause.isInitiatedByApplication() ? "the binding closed" : cause.getMessage();
                Runnable failAll = () -> done.forEach(p -> finish(
                        p,
                        new RabbitMqPublishException(
                                Reason.CONNECTION,
                                "the channel closed before RabbitMQ confirmed the message to " + p.where() + " (" + why
                                        + "); it may or may not have been delivered",
                                cause)));
                try {
                    confirms.execute(failAll);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    failAll.run();
                }
            }
            if (!cause.isInitiatedByApplication() && dead.compareAndSet(false, true)) {
                // dropped rather than recovered (a channel error is never recovered, and the seq numbers of a
                // recovered one start again): the thread gets a fresh channel on its next publish. Aborting
                // also takes it off the connection's recovery list; not from this listener, which abort calls again.
                try {
                    confirms.execute(() -> {
                        try {
                            channel.abort();
                        } catch (IOException | RuntimeException ignored) {
                            // closed already
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    // the binding is closing the connection anyway
                }
            }
        }

        void close() {
            try {
                channel.close();
            } catch (IOException | TimeoutException | ShutdownSignalException ignored) {
                // closed already, or the connection is down
            }
        }
    }

    private void finish(Pending p, RabbitMqPublishException error) {
        if (p.timeout != null) {
            p.timeout.cancel(false);
        }
        if (error == null) {
            published.increment();
            p.future.complete(null);
        } else {
            failed.increment();
            p.future.completeExceptionally(error);
        }
    }

    /** Whether the connection is up (false while it recovers). */
    @Override
    public boolean isReady() {
        Connection c = connection;
        return !closed && connected && c != null && c.isOpen();
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", safeUrl);
        m.put("exchange", config.exchange);
        m.put("connected", connected);
        m.put("channels", publishers.size());
        m.put(
                "awaitingConfirm",
                publishers.values().stream().mapToInt(p -> p.pending.size()).sum());
        m.put("published", (long) published.count());
        m.put("failed", (long) failed.count());
        return m;
    }

    /**
     * Waits up to {@code confirmTimeout} for the confirms still due, then closes the connection;
     * publishes still unconfirmed fail.
     */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + config.confirmTimeout.toNanos();
        while (System.nanoTime() < deadline && publishers.values().stream().anyMatch(p -> !p.pending.isEmpty())) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Connection c = connection;
        if (c != null) {
            try {
                c.close(5000);
            } catch (IOException | AlreadyClosedException e) {
                LOG.debug("rabbitmq binding '{}': closing the connection failed: {}", name, e.toString());
            }
        }
        publishers.clear();
        if (confirms != null) {
            confirms.shutdown();
            try {
                confirms.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        connected = false;
        LOG.atInfo()
                .addKeyValue("binding", name)
                .addKeyValue("published", (long) published.count())
                .addKeyValue("failed", (long) failed.count())
                .log("rabbitmq binding closed");
    }

    @Override
    public String toString() {
        return "RabbitMqBinding[" + name + " -> " + safeUrl + "]";
    }
}
