package io.nucleon.trigger.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.FailureHeaders;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.Trigger;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code rabbitmq} trigger: {@code numWorkers} competing consumers on one queue, each on its
 * own channel with {@code prefetchCount} unacknowledged messages at most.
 *
 * <pre>
 *  queue ──deliver──▶ consumer (channel i) ──dispatch──▶ workers ──outcome──▶ Delivery
 *    ▲                     ▲                                            │
 *    │                     └── held (unacked), re-dispatched when an event ends ◀── rejected, while accepting
 *    │  success: ack ◀───────────────────────────────────────────────────┤
 *    │  rejected while stopping: nack + requeue ◀────────────────────────┤
 *    └─ retry queue (TTL, dead-letters back) ◀── attempt ≤ maxRetries ◀──┤ handler error / timeout:
 *       dead-letter exchange / &lt;queue&gt;.dlq ◀── attempts exhausted ◀───┘ publish (confirmed), then ack
 * </pre>
 *
 * A message is acked only after it was handled, or after its retry or dead letter was confirmed
 * by the broker; if that publish fails it is given back (nack, requeue). The attempts made travel
 * in the {@value #ATTEMPTS_HEADER} header (the same as every message trigger's), not guessed from
 * redeliveries. A message the pool
 * rejects (no room) is kept unacked and dispatched again when one of the trigger's events ends, or
 * after a short backoff ({@link #REJECTED_RETRY_DELAY} doubling to {@link #MAX_REJECTED_RETRY_DELAY})
 * if none does, so the channel's prefetch throttles the broker instead of a nack making it
 * redeliver at once; it is not an attempt.
 *
 * <p>Connecting: {@link #start} returns at once and a thread of the trigger connects, retrying with
 * exponential backoff ({@code connectRetryDelay} doubling up to {@code maxConnectRetryDelay}); the
 * trigger is not ready meanwhile and {@link #notReadyReason()} says why. Once connected it declares
 * (or checks) its topology and starts its consumers; a topology error counts as a failed attempt
 * (not ready with the reason, retried), since the missing queue may yet be created by its owner.
 * With {@code failFast: true}, {@link #start} makes the first attempt itself and throws if it
 * fails. After the first connection, amqp-client's automatic recovery takes over (with topology):
 * messages unacked when the connection dropped are redelivered by the broker, and the trigger is
 * not ready while disconnected.
 *
 * <p>Threads, and what each may wait for:
 * <ul>
 *   <li>amqp-client's consumer threads run {@code handleDelivery}: a non-blocking dispatch, or a nack
 *       when stopping. They never wait for a worker;</li>
 *   <li>completions (workers, the watchdog, or the consumer thread itself for a rejection) ack, nack,
 *       or hand the message to another thread of the trigger; an ack or nack is one socket write;</li>
 *   <li>the redelivery thread re-dispatches held messages (one per ended event, and one per
 *       rejection's backoff); it never blocks;</li>
 *   <li>the failures thread publishes retries and dead letters and waits up to
 *       {@code publishTimeout} for each confirm;</li>
 *   <li>the connect thread waits for connection attempts (TCP connect up to
 *       {@value #CONNECT_TIMEOUT_MS} ms, then the AMQP handshake) and for the backoff between them; it
 *       ends once connected, and {@link #close} aborts it at once.</li>
 * </ul>
 */
final class RabbitMqTrigger implements Trigger {
    /** Attempts made so far, on retries and dead letters: absent on a first delivery, 1 on the first retry … */
    static final String ATTEMPTS_HEADER = FailureHeaders.ATTEMPTS;
    /**
     * What builds before this one wrote instead: the attempt a message is on (2 for the first retry).
     * Still read, so that retries already waiting in a retry queue keep their count across an upgrade.
     */
    static final String LEGACY_ATTEMPT_HEADER = "x-nucleon-attempt";
    /** Why the last attempt failed (the exception, or the timeout), on retries and dead letters. */
    static final String ERROR_HEADER = FailureHeaders.ERROR;

    static final String ORIGINAL_EXCHANGE_HEADER = "x-nucleon-original-exchange";
    static final String ORIGINAL_ROUTING_KEY_HEADER = "x-nucleon-original-routing-key";
    static final String QUEUE_HEADER = "x-nucleon-queue";
    static final String FAILED_AT_HEADER = FailureHeaders.FAILED_AT;
    /** The TCP connect timeout of an attempt (amqp-client's default is 60 s). */
    static final int CONNECT_TIMEOUT_MS = 10_000;
    /** The first backoff before a rejected message is dispatched again; doubled per rejection of the message. */
    static final Duration REJECTED_RETRY_DELAY = Duration.ofMillis(50);
    /** The longest backoff between two dispatches of a rejected message. */
    static final Duration MAX_REJECTED_RETRY_DELAY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTrigger.class);

    private final String functionName;
    private final String name;
    private final RabbitMqTriggerConfig config;
    private final String queue;
    private final String retryQueue;
    private final String deadLetterRoutingKey;
    private final int consumers;
    private final String safeUrl;
    private final List<String> secrets;
    private final Object publishLock = new Object();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong requeued = new AtomicLong();
    private final AtomicLong redispatched = new AtomicLong();
    /** Connection losses so far; a held message from an earlier connection is the broker's to redeliver. */
    private final AtomicLong connectionLosses = new AtomicLong();
    /** Messages the pool rejected, unacked, waiting to be dispatched again; in the order they were rejected. */
    private final Queue<Held> held = new ConcurrentLinkedQueue<>();
    /** Guards {@link #closed}, {@link #session} and the connect thread's waits. */
    private final Object lifecycle = new Object();

    private volatile Session session;
    private ExecutorService failures;
    private ScheduledExecutorService redeliveries;
    private Thread connector;
    private Dispatcher dispatcher;
    private volatile boolean accepting;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile long disconnectedSince;
    /** What the connect thread is doing or waiting for; {@code null} once connected. */
    private volatile ConnectState connectState;
    /** The socket of the attempt under way, closed by {@link #close} to abort it. */
    private volatile Socket attemptSocket;
    /** The connection of the attempt under way, before it is a session; aborted by {@link #close}. */
    private volatile Connection attemptConnection;
    /** Set by the broker's basic.return for the publish under way (it arrives before the confirm). */
    private volatile boolean unroutable;

    RabbitMqTrigger(
            String functionName,
            String name,
            RabbitMqTriggerConfig config,
            String queue,
            int consumers,
            String safeUrl) {
        this.functionName = functionName;
        this.name = name;
        this.config = config;
        this.queue = queue;
        this.retryQueue = queue + ".retry";
        this.deadLetterRoutingKey =
                config.deadLetterRoutingKey.isEmpty() ? queue + ".dlq" : config.deadLetterRoutingKey;
        this.consumers = consumers;
        this.safeUrl = safeUrl;
        this.secrets = secretsOf(config.url);
    }

    /**
     * The connection, its publishing channel and its consumers, as one attempt made them. Kept for
     * the trigger's life (amqp-client recovers the connection in place), unless starting its
     * consumers failed, when the next attempt makes a new one.
     */
    private static final class Session {
        final Connection connection;
        final Channel publishChannel;
        /** Consumer tag → its channel; a tag leaves the map when it is cancelled, so it is cancelled once. */
        final Map<String, Channel> consuming = new ConcurrentHashMap<>();

        Session(Connection connection, Channel publishChannel) {
            this.connection = connection;
            this.publishChannel = publishChannel;
        }
    }

    /** A rejected message and where it came from. */
    private record Held(Event event, Delivery delivery) {}

    /** The connect thread's progress, replaced as a whole. */
    private record ConnectState(int attempt, long firstAttemptNanos, String failure, long nextAttemptNanos) {}

    @Override
    public void start(Dispatcher dispatcher) throws Exception {
        this.dispatcher = dispatcher;
        failures =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), daemon("failures"));
        redeliveries = new ScheduledThreadPoolExecutor(1, daemon("redeliveries"));
        accepting = true;
        if (config.failFast) {
            connectState = new ConnectState(1, System.nanoTime(), null, 0);
            try {
                connectAndConsume();
            } catch (Exception e) {
                close();
                throw new IllegalStateException(
                        "trigger '" + name + "' cannot start: " + describe(e)
                                + " (failFast: true; with failFast: false the trigger starts anyway and keeps trying)",
                        e);
            }
            return;
        }
        connectState = new ConnectState(0, System.nanoTime(), null, 0);
        connector = daemon("connect").newThread(this::connectUntilConsuming);
        connector.start();
    }

    private java.util.concurrent.ThreadFactory daemon(String role) {
        return r -> {
            Thread t = new Thread(r, "nucleon-rabbitmq-" + name + "-" + role);
            t.setDaemon(true);
            return t;
        };
    }

    /** The connect thread: attempts with exponential backoff until one succeeds, or the trigger stops. */
    private void connectUntilConsuming() {
        long first = System.nanoTime();
        for (int attempt = 1; accepting && !closed; attempt++) {
            connectState = new ConnectState(attempt, first, previousFailure(), 0);
            try {
                connectAndConsume();
                return;
            } catch (Exception e) {
                if (closed || !accepting) {
                    return;
                }
                Duration wait = io.nucleon.spi.Durations.backoff(
                        config.connectRetryDelay, config.maxConnectRetryDelay, attempt);
                String why = describe(e);
                connectState = new ConnectState(attempt, first, why, System.nanoTime() + wait.toNanos());
                var log = e instanceof TopologyException ? LOG.atError() : LOG.atWarn();
                log.addKeyValue("trigger", name)
                        .addKeyValue("broker", safeUrl)
                        .addKeyValue("attempt", attempt)
                        .log(why + "; next attempt in " + io.nucleon.spi.Durations.format(wait));
                if (!pause(wait)) {
                    return;
                }
            }
        }
    }

    private String previousFailure() {
        ConnectState s = connectState;
        return s == null ? null : s.failure();
    }

    /** Waits for the backoff; false when the trigger stopped meanwhile. */
    private boolean pause(Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        synchronized (lifecycle) {
            while (!closed && accepting) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lifecycle, left);
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /** One attempt: connect, set up the topology, start the consumers. On failure, nothing of it stays open. */
    private void connectAndConsume() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(config.url);
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(1000);
        factory.setRequestedHeartbeat(15);
        factory.setConnectionTimeout(CONNECT_TIMEOUT_MS);
        com.rabbitmq.client.SocketConfigurator tcp = factory.getSocketConfigurator();
        factory.setSocketConfigurator(socket -> {
            attemptSocket = socket; // the latest socket: close() closes it to abort a connect under way
            if (closed) {
                throw new IOException("the trigger was closed");
            }
            tcp.configure(socket);
        });
        Connection c;
        try {
            c = factory.newConnection("nucleon " + functionName + "/" + name);
        } catch (IOException | java.util.concurrent.TimeoutException e) {
            throw new IOException("cannot connect to " + safeUrl + ": " + message(e), e);
        }
        attemptConnection = c;
        Session s;
        try {
            if (closed) {
                throw new IOException("the trigger was closed while connecting");
            }
            c.addShutdownListener(cause -> {
                if (!cause.isInitiatedByApplication()) {
                    connectionLosses.incrementAndGet();
                    disconnectedSince = System.nanoTime();
                    connected = false;
                    LOG.atWarn()
                            .addKeyValue("trigger", name)
                            .addKeyValue("broker", safeUrl)
                            .log("connection to RabbitMQ lost, recovering: "
                                    + scrub(String.valueOf(cause.getMessage())));
                }
            });
            ((Recoverable) c).addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable recoverable) {
                    connected = true;
                    LOG.atInfo()
                            .addKeyValue("trigger", name)
                            .addKeyValue("broker", safeUrl)
                            .log("connection to RabbitMQ recovered");
                }

                @Override
                public void handleRecoveryStarted(Recoverable recoverable) {
                    connected = false;
                }
            });
            Channel publishChannel = c.createChannel();
            setUpTopology(c, publishChannel);
            publishChannel.confirmSelect();
            publishChannel.addReturnListener(returned -> unroutable = true);
            s = new Session(c, publishChannel);
            synchronized (lifecycle) {
                if (closed) {
                    throw new IOException("the trigger was closed while connecting");
                }
                session = s;
            }
        } catch (Exception e) {
            attemptConnection = null;
            abort(c);
            throw e;
        }
        attemptConnection = null;
        try {
            for (int i = 0; i < consumers && accepting; i++) {
                Channel ch = c.createChannel();
                ch.basicQos(config.prefetchCount);
                String tag = "nucleon-" + functionName + "-" + name + "-" + i;
                ch.basicConsume(queue, false, tag, new QueueConsumer(ch, s));
                s.consuming.put(tag, ch);
            }
        } catch (IOException | RuntimeException e) {
            // start over on a fresh connection; what the consumers started got is unacked, so requeued
            synchronized (lifecycle) {
                if (session == s) {
                    session = null;
                }
            }
            abort(c);
            throw new IOException(
                    "starting the consumers of queue '" + queue + "' on " + safeUrl + " failed: " + message(e), e);
        }
        if (!accepting) {
            cancelConsumers(s); // stopAccepting ran while the consumers started: it may have missed some
        }
        connected = true;
        connectState = null;
        LOG.atInfo()
                .addKeyValue("trigger", name)
                .addKeyValue("broker", safeUrl)
                .addKeyValue("queue", queue)
                .addKeyValue("consumers", consumers)
                .addKeyValue("prefetchCount", config.prefetchCount)
                .log("rabbitmq trigger consuming");
    }

    /** A topology check or declaration that failed: the broker is reachable but the set-up is wrong. */
    static final class TopologyException extends IOException {
        TopologyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void abort(Connection c) {
        try {
            c.abort(1000);
        } catch (RuntimeException ignored) {
            // aborting a connection that is already gone
        }
    }

    /** An exception as an operator reads it, without credentials. */
    private String describe(Exception e) {
        if (e instanceof TopologyException
                || e instanceof IOException
                        && e.getMessage() != null
                        && (e.getMessage().startsWith("cannot connect")
                                || e.getMessage().startsWith("starting the consumers"))) {
            return scrub(e.getMessage());
        }
        return scrub("cannot set up on " + safeUrl + ": " + message(e));
    }

    /** The most telling message of an exception and its causes. */
    private static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
            if (t.getCause() == null || t.getCause() == t) {
                break;
            }
        }
        return e.getClass().getSimpleName();
    }

    /** The password of an AMQP URI (raw and decoded), to keep out of what the trigger writes. */
    private static List<String> secretsOf(String url) {
        List<String> out = new ArrayList<>();
        try {
            URI uri = new URI(url);
            String raw = uri.getRawUserInfo();
            if (raw != null && raw.indexOf(':') >= 0) {
                String rawPassword = raw.substring(raw.indexOf(':') + 1);
                String password = uri.getUserInfo().substring(uri.getUserInfo().indexOf(':') + 1);
                for (String p : List.of(rawPassword, password)) {
                    if (p.length() >= 3 && !out.contains(p)) {
                        out.add(p);
                    }
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // the factory has validated the URI; nothing to keep out then
        }
        return out;
    }

    private String scrub(String text) {
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, "***");
        }
        return out;
    }

    /**
     * Declares (or, with {@code declare: false}, checks) the exchange, queue, bindings, retry and
     * dead-letter queues.
     *
     * @throws TopologyException naming what is missing or could not be declared
     */
    private void setUpTopology(Connection connection, Channel publishChannel) throws IOException {
        boolean defaultDeadLetters = config.deadLetterExchange.isEmpty();
        // Declarations go through the publishing channel, which stays open: topology recovery replays
        // them on the channel that made them. Passive checks get a channel of their own, since a
        // failed check closes its channel.
        Channel ch = config.declare ? publishChannel : connection.createChannel();
        String what = "queue '" + queue + "'";
        try {
            if (config.declare) {
                if (!config.exchangeName.isEmpty()) {
                    what = "exchange '" + config.exchangeName + "'";
                    ch.exchangeDeclare(config.exchangeName, config.exchangeType, config.durable, false, null);
                }
                what = "queue '" + queue + "'";
                ch.queueDeclare(queue, config.durable, false, config.autoDelete, null);
                if (!config.exchangeName.isEmpty()) {
                    List<String> keys = config.topics.isEmpty() ? List.of("#") : config.topics;
                    for (String key : keys) {
                        what = "binding of queue '" + queue + "' to exchange '" + config.exchangeName + "' with '" + key
                                + "'";
                        ch.queueBind(queue, config.exchangeName, key);
                    }
                }
                if (config.maxRetries > 0) {
                    Map<String, Object> args = new HashMap<>();
                    args.put("x-dead-letter-exchange", "");
                    args.put("x-dead-letter-routing-key", queue);
                    what = "retry queue '" + retryQueue + "'";
                    ch.queueDeclare(retryQueue, config.durable, false, false, args);
                }
                if (defaultDeadLetters) {
                    what = "dead-letter queue '" + deadLetterRoutingKey + "'";
                    ch.queueDeclare(deadLetterRoutingKey, config.durable, false, false, null);
                }
            } else {
                try {
                    if (!config.exchangeName.isEmpty()) {
                        what = "exchange '" + config.exchangeName + "'";
                        ch.exchangeDeclarePassive(config.exchangeName);
                    }
                    what = "queue '" + queue + "'";
                    ch.queueDeclarePassive(queue);
                    if (config.maxRetries > 0) {
                        what = "retry queue '" + retryQueue + "'";
                        ch.queueDeclarePassive(retryQueue);
                    }
                    if (defaultDeadLetters) {
                        what = "dead-letter queue '" + deadLetterRoutingKey + "'";
                        ch.queueDeclarePassive(deadLetterRoutingKey);
                    }
                } catch (IOException e) {
                    throw new TopologyException(
                            "the " + what + " does not exist on " + safeUrl
                                    + " (declare: false only uses existing objects; set declare: true to create them)",
                            e);
                }
            }
        } catch (TopologyException e) {
            throw e;
        } catch (IOException e) {
            throw new TopologyException("declaring the " + what + " on " + safeUrl + " failed: " + message(e), e);
        } finally {
            if (ch != publishChannel && ch.isOpen()) {
                try {
                    ch.close();
                } catch (Exception ignored) {
                    // closing a setup channel that the broker may already have closed
                }
            }
        }
    }

    /** One consumer: turns each delivery into an event and dispatches it. Runs on amqp-client's consumer threads. */
    private final class QueueConsumer extends DefaultConsumer {
        private final Session session;

        QueueConsumer(Channel channel, Session session) {
            super(channel);
            this.session = session;
        }

        @Override
        public void handleDelivery(
                String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            Channel ch = getChannel();
            long tag = envelope.getDeliveryTag();
            if (!accepting) {
                nack(ch, tag);
                return;
            }
            delivered.incrementAndGet();
            RabbitMqEvent event = new RabbitMqEvent(name, envelope, properties, body, attempt(properties));
            dispatcher.dispatch(event, new Delivery(session, ch, tag, connectionLosses.get(), 0));
        }
    }

    /** The attempt a message is on: 1 for a first delivery, attempts made so far + 1 for a retry. */
    private static int attempt(AMQP.BasicProperties properties) {
        Map<String, Object> h = properties.getHeaders();
        if (h == null) {
            return 1;
        }
        try {
            Object made = h.get(ATTEMPTS_HEADER);
            if (made != null) {
                return Math.max(1, Integer.parseInt(RabbitMqEvent.text(made)) + 1);
            }
            Object on = h.get(LEGACY_ATTEMPT_HEADER);
            return on == null ? 1 : Math.max(1, Integer.parseInt(RabbitMqEvent.text(on)));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * Where one message came from, and what to do with it once its event has ended. Called on
     * whichever thread ended the event (possibly the consumer thread that dispatched it); never blocks.
     * Takes the outcome only: a handler's result is never turned into a response (nor serialised).
     */
    private final class Delivery implements Completion {
        private final Session session;
        private final Channel channel;
        private final long tag;
        /** {@link #connectionLosses} when the message was delivered: its tag is only good on that connection. */
        private final long connection;
        /** How often the pool has rejected this message so far. */
        private final int rejections;

        Delivery(Session session, Channel channel, long tag, long connection, int rejections) {
            this.session = session;
            this.channel = channel;
            this.tag = tag;
            this.connection = connection;
            this.rejections = rejections;
        }

        @Override
        public boolean wantsResponse() {
            return false;
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            switch (outcome) {
                case SUCCESS -> {
                    if (ack(channel, tag)) {
                        acked.incrementAndGet();
                    }
                    redispatchHeldSoon();
                }
                case REJECTED -> hold(event); // the handler never saw it: not an attempt
                case HANDLER_ERROR, TIMEOUT -> {
                    redispatchHeldSoon();
                    String reason = outcome == Outcome.TIMEOUT
                            ? "the handler ran past the event timeout"
                            : String.valueOf(error);
                    try {
                        failures.execute(() -> retryOrDeadLetter((RabbitMqEvent) event, reason));
                    } catch (RejectedExecutionException closing) {
                        nack(channel, tag);
                    }
                }
            }
        }

        /**
         * Keeps a rejected message unacked, at the back of the held messages, so the prefetch holds
         * the broker back; gives it back (nack, requeue) only when the trigger is stopping. A held
         * message is dispatched again when one of the trigger's events ends (a worker's room just
         * freed), or after a backoff if none ends meanwhile.
         */
        private void hold(Event event) {
            if (!accepting) {
                nack(channel, tag);
                return;
            }
            held.add(new Held(event, this));
            Duration delay =
                    io.nucleon.spi.Durations.backoff(REJECTED_RETRY_DELAY, MAX_REJECTED_RETRY_DELAY, rejections + 1);
            try {
                redeliveries.schedule(RabbitMqTrigger.this::redispatchHeld, delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                redispatchHeld(); // closing: hands it back
            }
        }

        /** Whether the message's delivery tag is still good: its channel is open, on the connection it came from. */
        boolean current() {
            return connection == connectionLosses.get() && channel.isOpen();
        }

        Delivery again() {
            return new Delivery(session, channel, tag, connection, rejections + 1);
        }

        private void retryOrDeadLetter(RabbitMqEvent event, String reason) {
            int attempt = event.attempt();
            boolean retry = attempt <= config.maxRetries;
            try {
                AMQP.BasicProperties original = event.properties();
                Map<String, Object> headers = new LinkedHashMap<>();
                if (original.getHeaders() != null) {
                    headers.putAll(original.getHeaders());
                }
                headers.remove(LEGACY_ATTEMPT_HEADER);
                headers.put(ATTEMPTS_HEADER, attempt);
                headers.put(ERROR_HEADER, reason);
                headers.putIfAbsent(ORIGINAL_EXCHANGE_HEADER, event.envelope().getExchange());
                headers.putIfAbsent(
                        ORIGINAL_ROUTING_KEY_HEADER, event.envelope().getRoutingKey());
                headers.put(QUEUE_HEADER, queue);
                headers.put(FAILED_AT_HEADER, Instant.now().toString());
                AMQP.BasicProperties.Builder props = original.builder()
                        .headers(headers)
                        .deliveryMode(
                                config.durable
                                        ? Integer.valueOf(2)
                                        : original.getDeliveryMode()); // may be unset: no unboxing
                if (retry) {
                    props.expiration(Long.toString(retryDelay(attempt).toMillis()));
                    publishConfirmed(session.publishChannel, "", retryQueue, props.build(), event.body());
                } else {
                    props.expiration(null);
                    publishConfirmed(
                            session.publishChannel,
                            config.deadLetterExchange,
                            deadLetterRoutingKey,
                            props.build(),
                            event.body());
                }
            } catch (Exception e) {
                LOG.atError()
                        .setCause(e)
                        .addKeyValue("trigger", name)
                        .addKeyValue("eventId", event.id())
                        .log("could not " + (retry ? "schedule a retry" : "dead-letter the message")
                                + "; it goes back to the queue");
                nack(channel, tag);
                return;
            }
            if (ack(channel, tag)) {
                (retry ? retried : deadLettered).incrementAndGet();
            }
            LOG.atWarn()
                    .addKeyValue("trigger", name)
                    .addKeyValue("eventId", event.id())
                    .addKeyValue("attempt", attempt)
                    .log(
                            retry
                                    ? "message failed; retry " + attempt + " of " + config.maxRetries + " in "
                                            + retryDelay(attempt).toMillis() + " ms"
                                    : "message failed " + attempt + " times; dead-lettered to '" + deadLetterRoutingKey
                                            + "'");
        }
    }

    /**
     * An event ended, so the pool has room: the redelivery thread dispatches the first held message
     * again. Not dispatched here, on the thread that ended the event (a worker): the pool it would
     * dispatch into is its own. Costs nothing while no message is held.
     */
    private void redispatchHeldSoon() {
        if (held.isEmpty()) {
            return;
        }
        try {
            redeliveries.execute(this::redispatchHeld);
        } catch (RejectedExecutionException closing) {
            redispatchHeld(); // closing: gives them back
        }
    }

    /**
     * Dispatches the first held message again, or, when stopping, gives every held message back.
     * Called once per ended event and once per rejection's backoff, so held messages are retried at
     * the pace room frees, never in a loop. Any thread; never blocks.
     */
    private void redispatchHeld() {
        Held h;
        while ((h = held.poll()) != null) {
            if (!h.delivery().current()) {
                continue; // its connection dropped since: the broker requeued it and delivers it again
            }
            if (!accepting) {
                nack(h.delivery().channel, h.delivery().tag);
                continue;
            }
            redispatched.incrementAndGet();
            dispatcher.dispatch(h.event(), h.delivery().again());
            return;
        }
    }

    Duration retryDelay(int attempt) {
        return io.nucleon.spi.Durations.backoff(config.retryDelay, config.maxRetryDelay, attempt);
    }

    private void publishConfirmed(
            Channel publishChannel, String exchange, String routingKey, AMQP.BasicProperties props, byte[] body)
            throws Exception {
        synchronized (publishLock) {
            unroutable = false;
            publishChannel.basicPublish(exchange, routingKey, true, props, body);
            publishChannel.waitForConfirmsOrDie(config.publishTimeout.toMillis());
            if (unroutable) {
                throw new IOException("no queue is bound to exchange '" + (exchange.isEmpty() ? "(default)" : exchange)
                        + "' with routing key '" + routingKey + "'");
            }
        }
    }

    /** Acks; returns whether the ack was sent (a closed channel means the broker redelivers it instead). */
    private boolean ack(Channel ch, long tag) {
        try {
            synchronized (ch) {
                ch.basicAck(tag, false);
            }
            return true;
        } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
            LOG.debug(
                    "trigger '{}': ack of delivery {} not sent ({}); the broker will redeliver the message",
                    name,
                    tag,
                    e.toString());
            return false;
        }
    }

    private void nack(Channel ch, long tag) {
        try {
            synchronized (ch) {
                ch.basicNack(tag, false, true);
            }
            requeued.incrementAndGet();
        } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
            LOG.debug(
                    "trigger '{}': nack of delivery {} not sent ({}); the broker will redeliver the message",
                    name,
                    tag,
                    e.toString());
        }
    }

    /** Connected, topology set up, consumers started, and accepting; never blocks. */
    @Override
    public boolean isReady() {
        Session s = session;
        return accepting && connected && s != null && s.connection.isOpen();
    }

    /** What the trigger waits for; reads only volatile state, so it never blocks. */
    @Override
    public String notReadyReason() {
        if (closed || !accepting) {
            return "stopping: no new messages are taken";
        }
        ConnectState c = connectState;
        Session s = session;
        if (c != null) {
            long now = System.nanoTime();
            String since = " (attempt " + c.attempt() + ", trying for "
                    + TimeUnit.NANOSECONDS.toSeconds(now - c.firstAttemptNanos()) + " s)";
            if (c.failure() == null) {
                return c.attempt() == 0 ? "connecting to " + safeUrl : "connecting to " + safeUrl + since;
            }
            long left = c.nextAttemptNanos() - now;
            if (left <= 0) {
                return c.failure() + "; attempting again now" + since;
            }
            long seconds = (left + 999_999_999L) / 1_000_000_000L;
            return c.failure() + "; next attempt in " + seconds + " s" + since;
        }
        if (s != null && (!connected || !s.connection.isOpen())) {
            return "connection to " + safeUrl + " lost "
                    + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - disconnectedSince)
                    + " s ago; reconnecting every 1 s";
        }
        return s == null ? "connecting to " + safeUrl : null;
    }

    @Override
    public void stopAccepting() {
        accepting = false;
        synchronized (lifecycle) {
            lifecycle.notifyAll(); // the connect thread stops waiting for its next attempt
        }
        Session s = session;
        if (s != null) {
            cancelConsumers(s);
        }
        redispatchHeld(); // not accepting: every held message goes back to the queue now
    }

    /** Cancels each consumer of the session once, whoever calls first. */
    private void cancelConsumers(Session s) {
        for (String tag : List.copyOf(s.consuming.keySet())) {
            Channel ch = s.consuming.remove(tag);
            if (ch == null) {
                continue;
            }
            try {
                synchronized (ch) {
                    if (ch.isOpen()) {
                        ch.basicCancel(tag);
                    }
                }
            } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
                LOG.debug("trigger '{}': cancelling a consumer failed: {}", name, e.toString());
            }
        }
    }

    /**
     * Stops the connect thread (aborting an attempt under way) and waits for it, then closes the
     * connection; messages still unacked go back to the queue.
     */
    @Override
    public void close() {
        accepting = false;
        synchronized (lifecycle) {
            closed = true;
            lifecycle.notifyAll();
        }
        Thread t = connector;
        if (t != null && t.isAlive()) {
            closeQuietly(attemptSocket); // a TCP connect or handshake under way fails at once
            Connection pending = attemptConnection;
            if (pending != null) {
                abort(pending);
            }
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("trigger '{}': the connect thread did not end within 5 s", name);
            }
        }
        if (redeliveries != null) {
            redeliveries.shutdownNow(); // held messages stay unacked: closing the connection requeues them
            try {
                redeliveries.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failures != null) {
            failures.shutdown();
            try {
                if (!failures.awaitTermination(config.publishTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                    failures.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Session s = session;
        if (s != null && s.connection.isOpen()) {
            try {
                s.connection.close(5000); // unacked messages go back to the queue
            } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
                LOG.debug("trigger '{}': closing the connection failed: {}", name, e.toString());
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // it was closing anyway
            }
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", safeUrl);
        m.put("queue", queue);
        m.put("connected", connected);
        ConnectState c = connectState;
        if (c != null) {
            m.put("connectAttempts", c.attempt());
        }
        m.put("consumers", consumers);
        m.put("prefetchCount", config.prefetchCount);
        m.put("delivered", delivered.get());
        m.put("acked", acked.get());
        m.put("retried", retried.get());
        m.put("deadLettered", deadLettered.get());
        m.put("requeued", requeued.get());
        m.put("held", held.size());
        m.put("redispatched", redispatched.get());
        return m;
    }
}
