package io.nucleon.trigger.mqtt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.client.mqtt.MqttConnectFailure;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Durations;
import io.nucleon.spi.FailureHeaders;
import io.nucleon.spi.Json;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mqtt} trigger: one MQTT client with a persistent session, its subscriptions handed to
 * the trigger's workers, each QoS 1 or 2 message acknowledged only once its handler succeeded or it
 * was dead-lettered.
 *
 * <pre>
 *  broker ──PUBLISH──▶ client (manual ack) ──dispatch──▶ workers ──outcome──▶ Delivery
 *    ▲                                        ▲                                  │
 *    │                                        ├─ rejected (pool full): again after a short backoff ◀─┤
 *    │                                        └─ attempt ≤ maxRetries: again after retryDelay… ◀──────┤
 *    │  success: PUBACK ◀──────────────────────────────────────────────────────────────────────────────┤
 *    └─ dead-letter topic (QoS 1), then PUBACK ◀── attempts exhausted ◀────────────────────────────────┘
 * </pre>
 *
 * Retries are kept in the processor: MQTT has no negative acknowledgement, and a broker sends an
 * unacknowledged message again only on the next connection. A message waiting for a retry stays
 * unacknowledged, so it holds a place of the in-flight window ({@code receiveMaximum}) and a crash
 * meanwhile loses nothing: the broker sends it again when the session resumes (its attempts start
 * again from 1). When the connection drops, every message not yet acknowledged belongs to the broker
 * again: a late outcome of one is ignored (the broker redelivers it), so a message may be handled
 * twice, never lost.
 *
 * <p>Connecting: {@link #start} returns at once; HiveMQ's client connects in the background. After a
 * failed attempt or a lost connection the trigger reconnects after {@code connectRetryDelay}, doubled
 * for each further attempt up to {@code maxConnectRetryDelay}; it is not ready meanwhile. The
 * subscriptions are sent after the first connection; the broker keeps them in the session, and the
 * client sends them again when a reconnection finds the session gone.
 *
 * <p>Threads: HiveMQ's client thread receives messages and dispatches them (never blocking); workers
 * complete them (an acknowledgement, or handing the message to the scheduler); the scheduler thread
 * dispatches retries and rejected messages again, and publishes dead letters without waiting for
 * their PUBACK (the acknowledgement of the original follows it).
 */
final class MqttTrigger implements Trigger {
    /** The topic the message was published to, on a dead letter. */
    static final String TOPIC_HEADER = "x-nucleon-topic";
    /** The first backoff before a rejected message is dispatched again; doubled per rejection. */
    static final Duration REJECTED_RETRY_DELAY = Duration.ofMillis(20);
    /** The longest backoff between two dispatches of a rejected message. */
    static final Duration MAX_REJECTED_RETRY_DELAY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(MqttTrigger.class);

    private final String name;
    private final MqttTriggerConfig config;
    private final MqttLink.Options options;
    private final List<MqttLink.Filter> filters;
    private final String deadLetterTopic;
    /** This run's start id, the first part of every event id (see {@link MqttEvent}). */
    private final String idPrefix = String.format(
            "%08x-", java.util.concurrent.ThreadLocalRandom.current().nextInt());

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    /** Connection attempts failed in a row; the backoff grows with it. */
    private final java.util.concurrent.atomic.AtomicInteger failedAttempts =
            new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Bumped on every connection and every disconnection: a message belongs to the connection it came
     * on, and its acknowledgement is sent only while that connection lasts (a packet id of an earlier
     * connection may name another message on the next).
     */
    private final AtomicLong connection = new AtomicLong();

    private MqttLink link;
    private Dispatcher dispatcher;
    private ScheduledExecutorService scheduler;
    private volatile boolean accepting;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile boolean subscribed;
    private volatile String lastFailure;
    private volatile long disconnectedSince = System.nanoTime();

    MqttTrigger(
            String name,
            MqttTriggerConfig config,
            MqttLink.Options options,
            List<MqttLink.Filter> filters,
            String deadLetterTopic) {
        this.name = name;
        this.config = config;
        this.options = options;
        this.filters = filters;
        this.deadLetterTopic = deadLetterTopic;
    }

    @Override
    public void start(Dispatcher dispatcher) throws Exception {
        this.dispatcher = dispatcher;
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nucleon-mqtt-" + name + "-scheduler");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        scheduler = s;
        if (PublishPacket.UNAVAILABLE != null) {
            LOG.atInfo()
                    .addKeyValue("trigger", name)
                    .log("events carry no packet id and no DUP flag: this HiveMQ client does not give them ("
                            + PublishPacket.UNAVAILABLE + ")");
        }
        link = MqttLink.create(options, this::onConnected, this::onDisconnected);
        link.receive(this::onMessage);
        accepting = true;
        link.connect(); // its failure reaches onDisconnected, which schedules the next attempt
    }

    private void onConnected(MqttClientConnectedContext context) {
        connection.incrementAndGet();
        lastFailure = null;
        failedAttempts.set(0);
        if (!subscribed) {
            link.subscribe(filters).whenComplete((ack, error) -> {
                if (error != null) {
                    lastFailure = "the broker refused the subscriptions " + filterList() + ": " + error;
                    LOG.atError().addKeyValue("trigger", name).log(lastFailure);
                } else {
                    subscribed = true;
                    connected = true;
                    LOG.atInfo()
                            .addKeyValue("trigger", name)
                            .addKeyValue("broker", options.broker().safeUrl())
                            .log("subscribed to " + filterList());
                }
            });
        } else {
            connected = true;
            LOG.atInfo()
                    .addKeyValue("trigger", name)
                    .addKeyValue("broker", options.broker().safeUrl())
                    .log("reconnected");
        }
    }

    private String filterList() {
        List<String> l = new ArrayList<>();
        for (MqttLink.Filter f : filters) {
            l.add(f.filter() + " (QoS " + f.qos() + ")");
        }
        return String.join(", ", l);
    }

    private void onDisconnected(MqttClientDisconnectedContext context) {
        connection.incrementAndGet(); // what came on the lost connection is the broker's to send again
        boolean was = connected;
        connected = false;
        if (was) {
            disconnectedSince = System.nanoTime();
        }
        if (closed) {
            return; // no reconnection
        }
        Throwable cause = context.getCause();
        int attempt = failedAttempts.incrementAndGet();
        Duration wait = Durations.backoff(config.connectRetryDelay, config.maxConnectRetryDelay, attempt);
        lastFailure = (was ? "connection to " : "cannot connect to ")
                + options.broker().safeUrl() + ": " + MqttConnectFailure.describe(cause);
        reconnects.incrementAndGet();
        LOG.atWarn()
                .addKeyValue("trigger", name)
                .addKeyValue("broker", options.broker().safeUrl())
                .addKeyValue("attempt", attempt)
                .log(lastFailure + "; next attempt in " + Durations.format(wait));
        context.getReconnector().reconnect(true).delay(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** On HiveMQ's client thread: dispatches, never blocks. */
    private void onMessage(Received message) {
        if (!accepting) {
            dropped.incrementAndGet(); // not acknowledged: the broker sends it again on the next session
            return;
        }
        long n = received.incrementAndGet();
        dispatcher.dispatch(new MqttEvent(name, message, idPrefix, n), new Delivery(connection.get(), 0));
    }

    /** How one dispatch of a message ends. */
    private final class Delivery implements Completion {
        private final long connectionAtReceipt;
        private final int rejections;

        Delivery(long connectionAtReceipt, int rejections) {
            this.connectionAtReceipt = connectionAtReceipt;
            this.rejections = rejections;
        }

        @Override
        public boolean wantsResponse() {
            return false;
        }

        @Override
        public void complete(Event e, Outcome outcome, Response response, Throwable error) {
            MqttEvent event = (MqttEvent) e;
            switch (outcome) {
                case SUCCESS -> acknowledge(event, acked);
                case REJECTED -> {
                    rejected.incrementAndGet();
                    Duration delay = Durations.backoff(REJECTED_RETRY_DELAY, MAX_REJECTED_RETRY_DELAY, rejections + 1);
                    later(delay, () -> dispatch(event, rejections + 1));
                }
                case HANDLER_ERROR, TIMEOUT -> {
                    String reason = outcome == Outcome.TIMEOUT
                            ? "the handler ran past the event timeout"
                            : String.valueOf(error);
                    if (event.attempt() <= config.maxRetries) {
                        retried.incrementAndGet();
                        Duration delay = retryDelay(event.attempt());
                        LOG.atWarn()
                                .addKeyValue("trigger", name)
                                .addKeyValue("eventId", event.id())
                                .addKeyValue("attempt", event.attempt())
                                .log("message on " + event.topic() + " failed (" + reason + "); retry "
                                        + event.attempt() + " of " + config.maxRetries + " in "
                                        + Durations.format(delay));
                        later(delay, () -> dispatch(event.nextAttempt(), 0));
                    } else {
                        later(Duration.ZERO, () -> deadLetter(event, reason, 1));
                    }
                }
            }
        }

        /** Whether the message still belongs to the connection it came on (its acknowledgement means something). */
        boolean current() {
            return connection.get() == connectionAtReceipt;
        }

        private void dispatch(MqttEvent event, int rejections) {
            if (!current()) {
                release(event);
                return;
            }
            if (!accepting) {
                dropped.incrementAndGet(); // not acknowledged: the broker sends it again on the next session
                return;
            }
            dispatcher.dispatch(event, new Delivery(connectionAtReceipt, rejections));
        }

        private void acknowledge(MqttEvent event, AtomicLong counter) {
            if (!current()) {
                release(event);
                return;
            }
            event.message().ack().run();
            counter.incrementAndGet();
        }

        /**
         * Lets go of a message whose connection dropped: the broker sends it again on the new one. HiveMQ's
         * client sends the acknowledgement of a message only on the connection it came on, so
         * acknowledging it here sends nothing; it only frees its place in the client's queue, where
         * acknowledgements leave in the order the messages came and an abandoned message would hold
         * back all those behind it.
         */
        private void release(MqttEvent event) {
            dropped.incrementAndGet();
            event.message().ack().run();
        }

        private void deadLetter(MqttEvent event, String reason, int publishAttempt) {
            if (!current()) {
                release(event);
                return;
            }
            if (closed) {
                dropped.incrementAndGet();
                return;
            }
            Received m = event.message();
            byte[] payload;
            List<Map.Entry<String, String>> props;
            String now = Instant.now().toString();
            if (link.v5()) {
                payload = m.payload();
                props = new ArrayList<>(m.userProperties());
                props.add(Map.entry(FailureHeaders.ATTEMPTS, Integer.toString(event.attempt())));
                props.add(Map.entry(FailureHeaders.ERROR, reason));
                props.add(Map.entry(FailureHeaders.FAILED_AT, now));
                props.add(Map.entry(TOPIC_HEADER, m.topic()));
            } else {
                ObjectNode envelope = Json.mapper().createObjectNode();
                envelope.put("topic", m.topic());
                envelope.put("qos", m.qos());
                envelope.put("attempts", event.attempt());
                envelope.put("error", reason);
                envelope.put("failedAt", now);
                envelope.put("payload", m.payload()); // base64
                payload = envelope.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                props = List.of();
            }
            link.publish(deadLetterTopic, payload, m.contentType(), props).whenComplete((ok, error) -> {
                if (error == null) {
                    LOG.atWarn()
                            .addKeyValue("trigger", name)
                            .addKeyValue("eventId", event.id())
                            .addKeyValue("attempt", event.attempt())
                            .log("message on " + m.topic() + " failed " + event.attempt() + " times (" + reason
                                    + "); dead-lettered to '" + deadLetterTopic + "'");
                    acknowledge(event, deadLettered);
                } else {
                    Duration delay = retryDelay(publishAttempt);
                    LOG.atError()
                            .addKeyValue("trigger", name)
                            .addKeyValue("eventId", event.id())
                            .log("could not dead-letter the message to '" + deadLetterTopic + "' (" + error
                                    + "); trying again in " + Durations.format(delay));
                    later(delay, () -> deadLetter(event, reason, publishAttempt + 1));
                }
            });
        }
    }

    private void later(Duration delay, Runnable task) {
        try {
            scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            dropped.incrementAndGet(); // closing: not acknowledged, the broker sends it again
        }
    }

    Duration retryDelay(int attempt) {
        return Durations.backoff(config.retryDelay, config.maxRetryDelay, attempt);
    }

    /** Connected, subscribed and accepting. */
    @Override
    public boolean isReady() {
        return accepting && connected;
    }

    @Override
    public String notReadyReason() {
        if (closed || !accepting) {
            return "stopping: no new messages are taken";
        }
        if (connected) {
            return null;
        }
        String failure = lastFailure;
        String since = " (" + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - disconnectedSince) + " s)";
        return failure == null ? "connecting to " + options.broker().safeUrl() + since : failure + since;
    }

    @Override
    public void stopAccepting() {
        accepting = false;
    }

    /**
     * Disconnects; the session stays with the broker (unless it expires), with every message not yet
     * acknowledged, for the next start.
     */
    @Override
    public void close() {
        accepting = false;
        closed = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        connected = false;
        if (link != null) {
            try {
                link.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("trigger '{}': disconnecting failed: {}", name, e.toString());
            }
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", options.broker().safeUrl());
        m.put("clientId", options.clientId());
        m.put("mqttVersion", options.mqttVersion());
        m.put("subscriptions", filterList());
        m.put("connected", connected);
        m.put("received", received.get());
        m.put("acked", acked.get());
        m.put("retried", retried.get());
        m.put("deadLettered", deadLettered.get());
        m.put("rejected", rejected.get());
        m.put("dropped", dropped.get());
        m.put("disconnects", reconnects.get());
        return m;
    }
}
