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
import io.nucleon.spi.Outcome;
import io.nucleon.spi.Trigger;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
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
 *    ▲                                                                  │
 *    │  success: ack ◀───────────────────────────────────────────────────┤
 *    │  rejected (no worker, stopping): nack + requeue ◀─────────────────┤
 *    └─ retry queue (TTL, dead-letters back) ◀── attempt ≤ maxRetries ◀──┤ handler error / timeout:
 *       dead-letter exchange / &lt;queue&gt;.dlq ◀── attempts exhausted ◀───┘ publish (confirmed), then ack
 * </pre>
 *
 * A message is acked only after it was handled, or after its retry or dead letter was confirmed
 * by the broker; if that publish fails it is given back (nack, requeue). The attempt count travels
 * in the {@value #ATTEMPT_HEADER} header, not guessed from redeliveries. The connection recovers
 * by itself (amqp-client's automatic recovery, with topology): messages unacked when it dropped
 * are redelivered by the broker, and the trigger is not ready while disconnected.
 */
final class RabbitMqTrigger implements Trigger {
    /** The attempt a message is on: absent (1) for a first delivery, 2 for the first retry … */
    static final String ATTEMPT_HEADER = "x-nucleon-attempt";
    /** Why the last attempt failed (the exception, or the timeout), on retries and dead letters. */
    static final String ERROR_HEADER = "x-nucleon-error";
    static final String ORIGINAL_EXCHANGE_HEADER = "x-nucleon-original-exchange";
    static final String ORIGINAL_ROUTING_KEY_HEADER = "x-nucleon-original-routing-key";
    static final String QUEUE_HEADER = "x-nucleon-queue";
    static final String FAILED_AT_HEADER = "x-nucleon-failed-at";

    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTrigger.class);

    private final String functionName;
    private final String name;
    private final RabbitMqTriggerConfig config;
    private final String queue;
    private final String retryQueue;
    private final String deadLetterRoutingKey;
    private final int consumers;
    private final String safeUrl;
    private final List<Channel> channels = new ArrayList<>();
    private final List<String> consumerTags = new ArrayList<>();
    private final Object publishLock = new Object();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong requeued = new AtomicLong();
    private Connection connection;
    private Channel publishChannel;
    private ExecutorService failures;
    private Dispatcher dispatcher;
    private volatile boolean accepting;
    private volatile boolean connected;
    /** Set by the broker's basic.return for the publish under way (it arrives before the confirm). */
    private volatile boolean unroutable;

    RabbitMqTrigger(String functionName, String name, RabbitMqTriggerConfig config, String queue, int consumers, String safeUrl) {
        this.functionName = functionName;
        this.name = name;
        this.config = config;
        this.queue = queue;
        this.retryQueue = queue + ".retry";
        this.deadLetterRoutingKey = config.deadLetterRoutingKey.isEmpty() ? queue + ".dlq" : config.deadLetterRoutingKey;
        this.consumers = consumers;
        this.safeUrl = safeUrl;
    }

    @Override
    public void start(Dispatcher dispatcher) throws Exception {
        this.dispatcher = dispatcher;
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(config.url);
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(1000);
        factory.setRequestedHeartbeat(15);
        try {
            connection = factory.newConnection("nucleon " + functionName + "/" + name);
        } catch (IOException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("trigger '" + name + "' cannot connect to " + safeUrl + ": " + e, e);
        }
        connection.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication()) {
                connected = false;
                LOG.atWarn().addKeyValue("trigger", name).addKeyValue("broker", safeUrl)
                        .log("connection to RabbitMQ lost, recovering: " + cause.getMessage());
            }
        });
        ((Recoverable) connection).addRecoveryListener(new RecoveryListener() {
            @Override
            public void handleRecovery(Recoverable recoverable) {
                connected = true;
                LOG.atInfo().addKeyValue("trigger", name).addKeyValue("broker", safeUrl).log("connection to RabbitMQ recovered");
            }

            @Override
            public void handleRecoveryStarted(Recoverable recoverable) {
                connected = false;
            }
        });
        try {
            publishChannel = connection.createChannel();
            setUpTopology();
            publishChannel.confirmSelect();
            publishChannel.addReturnListener(returned -> unroutable = true);
            failures = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "nucleon-rabbitmq-" + name + "-failures");
                t.setDaemon(true);
                return t;
            });
            connected = true;
            accepting = true;
            for (int i = 0; i < consumers; i++) {
                Channel ch = connection.createChannel();
                ch.basicQos(config.prefetchCount);
                String tag = "nucleon-" + functionName + "-" + name + "-" + i;
                ch.basicConsume(queue, false, tag, new QueueConsumer(ch));
                channels.add(ch);
                consumerTags.add(tag);
            }
        } catch (Exception e) {
            close();
            throw e;
        }
        LOG.atInfo().addKeyValue("trigger", name).addKeyValue("broker", safeUrl).addKeyValue("queue", queue)
                .addKeyValue("consumers", consumers).addKeyValue("prefetchCount", config.prefetchCount).log("rabbitmq trigger consuming");
    }

    /** Declares (or, with {@code declare: false}, checks) the exchange, queue, bindings, retry and dead-letter queues. */
    private void setUpTopology() throws IOException {
        boolean defaultDeadLetters = config.deadLetterExchange.isEmpty();
        // Declarations go through the publishing channel, which stays open: topology recovery replays
        // them on the channel that made them. Passive checks get a channel of their own, since a
        // failed check closes its channel.
        Channel ch = config.declare ? publishChannel : connection.createChannel();
        try {
            if (config.declare) {
                if (!config.exchangeName.isEmpty()) {
                    ch.exchangeDeclare(config.exchangeName, config.exchangeType, config.durable, false, null);
                }
                ch.queueDeclare(queue, config.durable, false, config.autoDelete, null);
                if (!config.exchangeName.isEmpty()) {
                    List<String> keys = config.topics.isEmpty() ? List.of("#") : config.topics;
                    for (String key : keys) {
                        ch.queueBind(queue, config.exchangeName, key);
                    }
                }
                if (config.maxRetries > 0) {
                    Map<String, Object> args = new HashMap<>();
                    args.put("x-dead-letter-exchange", "");
                    args.put("x-dead-letter-routing-key", queue);
                    ch.queueDeclare(retryQueue, config.durable, false, false, args);
                }
                if (defaultDeadLetters) {
                    ch.queueDeclare(deadLetterRoutingKey, config.durable, false, false, null);
                }
            } else {
                String what = "queue '" + queue + "'";
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
                    throw new IllegalStateException("trigger '" + name + "': the " + what + " does not exist on " + safeUrl
                            + " (declare: false only uses existing objects; set declare: true to create them)", e);
                }
            }
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

    /** One consumer: turns each delivery into an event and dispatches it. */
    private final class QueueConsumer extends DefaultConsumer {
        QueueConsumer(Channel channel) {
            super(channel);
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            Channel ch = getChannel();
            long tag = envelope.getDeliveryTag();
            if (!accepting) {
                nack(ch, tag);
                return;
            }
            delivered.incrementAndGet();
            RabbitMqEvent event = new RabbitMqEvent(name, envelope, properties, body, attempt(properties));
            dispatcher.dispatch(event, new Delivery(ch, tag));
        }
    }

    private static int attempt(AMQP.BasicProperties properties) {
        Map<String, Object> h = properties.getHeaders();
        Object v = h == null ? null : h.get(ATTEMPT_HEADER);
        if (v == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(RabbitMqEvent.text(v)));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Where one message came from, and what to do with it once its event has ended. */
    private final class Delivery implements Completion {
        private final Channel channel;
        private final long tag;

        Delivery(Channel channel, long tag) {
            this.channel = channel;
            this.tag = tag;
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            switch (outcome) {
                case SUCCESS -> {
                    if (ack(channel, tag)) {
                        acked.incrementAndGet();
                    }
                }
                case REJECTED -> nack(channel, tag); // the handler never saw it: not an attempt
                case HANDLER_ERROR, TIMEOUT -> {
                    String reason = outcome == Outcome.TIMEOUT ? "the handler ran past the event timeout"
                            : String.valueOf(error);
                    try {
                        failures.execute(() -> retryOrDeadLetter((RabbitMqEvent) event, reason));
                    } catch (RejectedExecutionException closing) {
                        nack(channel, tag);
                    }
                }
            }
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
                headers.put(ATTEMPT_HEADER, retry ? attempt + 1 : attempt);
                headers.put(ERROR_HEADER, reason);
                headers.putIfAbsent(ORIGINAL_EXCHANGE_HEADER, event.envelope().getExchange());
                headers.putIfAbsent(ORIGINAL_ROUTING_KEY_HEADER, event.envelope().getRoutingKey());
                headers.put(QUEUE_HEADER, queue);
                headers.put(FAILED_AT_HEADER, Instant.now().toString());
                AMQP.BasicProperties.Builder props = original.builder().headers(headers)
                        .deliveryMode(config.durable ? 2 : original.getDeliveryMode());
                if (retry) {
                    props.expiration(Long.toString(retryDelay(attempt).toMillis()));
                    publishConfirmed("", retryQueue, props.build(), event.body());
                } else {
                    props.expiration(null);
                    publishConfirmed(config.deadLetterExchange, deadLetterRoutingKey, props.build(), event.body());
                }
            } catch (Exception e) {
                LOG.atError().setCause(e).addKeyValue("trigger", name).addKeyValue("eventId", event.id())
                        .log("could not " + (retry ? "schedule a retry" : "dead-letter the message") + "; it goes back to the queue");
                nack(channel, tag);
                return;
            }
            if (ack(channel, tag)) {
                (retry ? retried : deadLettered).incrementAndGet();
            }
            LOG.atWarn().addKeyValue("trigger", name).addKeyValue("eventId", event.id()).addKeyValue("attempt", attempt)
                    .log(retry ? "message failed; retry " + attempt + " of " + config.maxRetries + " in " + retryDelay(attempt).toMillis() + " ms"
                            : "message failed " + attempt + " times; dead-lettered to '" + deadLetterRoutingKey + "'");
        }
    }

    Duration retryDelay(int attempt) {
        return io.nucleon.spi.Durations.backoff(config.retryDelay, config.maxRetryDelay, attempt);
    }

    private void publishConfirmed(String exchange, String routingKey, AMQP.BasicProperties props, byte[] body) throws Exception {
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
            LOG.debug("trigger '{}': ack of delivery {} not sent ({}); the broker will redeliver the message", name, tag, e.toString());
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
            LOG.debug("trigger '{}': nack of delivery {} not sent ({}); the broker will redeliver the message", name, tag, e.toString());
        }
    }

    @Override
    public boolean isReady() {
        return accepting && connected && connection != null && connection.isOpen();
    }

    @Override
    public void stopAccepting() {
        accepting = false;
        for (int i = 0; i < channels.size(); i++) {
            Channel ch = channels.get(i);
            try {
                synchronized (ch) {
                    if (ch.isOpen()) {
                        ch.basicCancel(consumerTags.get(i));
                    }
                }
            } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
                LOG.debug("trigger '{}': cancelling a consumer failed: {}", name, e.toString());
            }
        }
    }

    @Override
    public void close() {
        accepting = false;
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
        if (connection != null && connection.isOpen()) {
            try {
                connection.close(5000); // unacked messages go back to the queue
            } catch (IOException | com.rabbitmq.client.AlreadyClosedException e) {
                LOG.debug("trigger '{}': closing the connection failed: {}", name, e.toString());
            }
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", safeUrl);
        m.put("queue", queue);
        m.put("connected", connected);
        m.put("consumers", consumers);
        m.put("prefetchCount", config.prefetchCount);
        m.put("delivered", delivered.get());
        m.put("acked", acked.get());
        m.put("retried", retried.get());
        m.put("deadLettered", deadLettered.get());
        m.put("requeued", requeued.get());
        return m;
    }
}
