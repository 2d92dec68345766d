package io.nucleon.binding.mqtt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import io.nucleon.api.DataBinding;
import io.nucleon.client.mqtt.MqttBroker;
import io.nucleon.client.mqtt.MqttClientSetup;
import io.nucleon.client.mqtt.MqttConnectFailure;
import io.nucleon.spi.BindingArgs;
import io.nucleon.spi.BindingCallException;
import io.nucleon.spi.CallableBinding;
import io.nucleon.spi.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mqtt} data binding: publishes to an MQTT broker (3.1.1 or 5) with HiveMQ's client. A
 * publish returns at once; its stage completes when the broker acknowledged it (PUBACK for QoS 1,
 * PUBCOMP for QoS 2; at once once written for QoS 0), and fails when the broker refused it, or no
 * acknowledgement came within {@code publishTimeout}. Thread-safe: one connection serves every worker.
 *
 * <pre>{@code
 * MqttBinding out = ctx.binding("alerts", MqttBinding.class);
 * return out.publish("alerts/" + device, body).thenApply(ok -> "sent");
 * }</pre>
 *
 * <p>The connection is made by {@link #open()}, which fails at once on a refused certificate or refused
 * credentials and after {@code connectTimeout} otherwise; once connected, when it drops the client reconnects after
 * {@code connectRetryDelay} (doubling up to {@code maxConnectRetryDelay}) and the binding is not
 * ready meanwhile. A publish made while disconnected waits for the reconnection, within its
 * {@code publishTimeout}; one in flight when the connection dropped is sent again on reconnection
 * (the client's session), so the broker may receive it twice, never lose an acknowledged one.
 */
public final class MqttBinding implements DataBinding, CallableBinding {
    private static final Set<String> PUBLISH_ARGS = Set.of("topic", "qos", "retain", "contentType", "userProperties");

    private static final Logger LOG = LoggerFactory.getLogger(MqttBinding.class);

    private final String name;
    private final MqttBindingConfig config;
    private final MqttBroker broker;
    private final String clientId;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private Mqtt5AsyncClient client5;
    private Mqtt3AsyncClient client3;
    private volatile boolean connected;
    /** Connected once: from then on, every lost connection is retried. */
    private volatile boolean everConnected;
    /** Why the last attempt failed, while not connected; what {@link #open} says when it times out. */
    private volatile Throwable lastFailure;

    private volatile boolean closed;

    MqttBinding(String name, MqttBindingConfig config, MqttBroker broker, String clientId) {
        this.name = name;
        this.config = config;
        this.broker = broker;
        this.clientId = clientId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return MqttBindingFactory.KIND;
    }

    /**
     * Connects. Fails at once when the failure cannot fix itself (the TLS handshake refused the broker's
     * certificate, the broker refused the credentials), else after {@code connectTimeout} with the last
     * reason seen (the broker down, say); the message says why in plain words ({@link MqttConnectFailure}).
     * Once connected, a lost connection is retried whatever its reason.
     *
     * @throws IllegalStateException when the binding cannot connect, or {@code caFile} holds no certificate
     */
    @Override
    public void open() throws Exception {
        MqttClientSetup setup = new MqttClientSetup(
                broker,
                clientId,
                config.caFile,
                config.username,
                config.password,
                context -> {
                    connected = true;
                    everConnected = true;
                    lastFailure = null;
                    failedAttempts.set(0);
                },
                this::onDisconnected);
        CompletableFuture<?> connecting;
        try {
            if (config.mqttVersion == 3) {
                client3 = setup.mqtt3().buildAsync();
                connecting = client3.connectWith()
                        .keepAlive((int) config.keepAlive.toSeconds())
                        .send();
            } else {
                client5 = setup.mqtt5().buildAsync();
                connecting = client5.connectWith()
                        .keepAlive((int) config.keepAlive.toSeconds())
                        .sessionExpiryInterval(Math.max(60, config.publishTimeout.toSeconds() * 2))
                        .send();
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("data binding '" + name + "': caFile: " + e.getMessage(), e);
        }
        String cannot = "data binding '" + name + "' cannot connect to " + broker.safeUrl() + ": ";
        try {
            connecting.get(config.connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // a lasting failure: onDisconnected did not reconnect, so the connect itself failed
            close();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(cannot + MqttConnectFailure.describe(cause), cause);
        } catch (TimeoutException e) {
            Throwable last = lastFailure;
            close();
            throw new IllegalStateException(
                    cannot
                            + (last == null ? "no answer" : MqttConnectFailure.describe(last))
                            + " (not connected within " + Durations.format(config.connectTimeout) + ")",
                    last);
        } catch (InterruptedException e) {
            close();
            throw e;
        }
    }

    private void onDisconnected(MqttClientDisconnectedContext context) {
        connected = false;
        if (closed) {
            return;
        }
        Throwable cause = context.getCause();
        lastFailure = cause;
        if (!everConnected && MqttConnectFailure.isLasting(cause)) {
            return; // no reconnection: the connect fails with this cause, and open() with it at once
        }
        int attempt = failedAttempts.incrementAndGet();
        java.time.Duration wait = Durations.backoff(config.connectRetryDelay, config.maxConnectRetryDelay, attempt);
        LOG.atWarn()
                .addKeyValue("binding", name)
                .addKeyValue("broker", broker.safeUrl())
                .log("connection lost or refused (" + MqttConnectFailure.describe(cause) + "); next attempt in "
                        + Durations.format(wait));
        context.getReconnector().reconnect(true).delay(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Set<String> operations() {
        return Set.of("publish");
    }

    /**
     * {@code publish} for handlers of other runtimes: {@code topic} (required), {@code qos} (0, 1 or 2;
     * default 1), {@code retain}, {@code contentType} and {@code userProperties} (strings); the body is
     * the payload. Completes, with an empty result, as {@link #publish(String, byte[], int, boolean,
     * String, Map)} does.
     */
    @Override
    public CompletionStage<Reply> call(String operation, ObjectNode args, byte[] body) {
        // the caller checked that the operation is one of operations()
        BindingArgs a = BindingArgs.of(args, name, operation, PUBLISH_ARGS);
        String topic = a.requiredString("topic");
        Long qos = a.integer("qos");
        if (qos != null && (qos < 0 || qos > 2)) {
            throw new BindingCallException(
                    BindingCallException.Reason.BAD_ARGUMENTS,
                    "'publish' of mqtt binding '" + name + "': argument 'qos' must be 0, 1 or 2, got " + qos);
        }
        return publish(
                        topic,
                        body,
                        qos == null ? 1 : qos.intValue(),
                        a.bool("retain", false),
                        a.string("contentType"),
                        a.stringMap("userProperties"))
                .thenApply(v -> Reply.of(Map.of()));
    }

    /** Publishes {@code payload} to {@code topic} with QoS 1; completes on the broker's PUBACK. */
    public CompletionStage<Void> publish(String topic, byte[] payload) {
        return publish(topic, payload, 1, false, null, Map.of());
    }

    /** Publishes {@code text} (UTF-8) to {@code topic} with QoS 1; completes on the broker's PUBACK. */
    public CompletionStage<Void> publish(String topic, String text) {
        return publish(topic, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Publishes with every option.
     *
     * @param qos            0, 1 or 2
     * @param retain         whether the broker keeps it for later subscribers
     * @param contentType    MQTT 5's content type, or {@code null}
     * @param userProperties MQTT 5's user properties, in order (dropped on 3.1.1)
     * @return completes when the broker acknowledged it (QoS 1, 2) or it was written (QoS 0); fails with
     *     the broker's reason, a lost connection, or after {@code publishTimeout}
     */
    public CompletionStage<Void> publish(
            String topic,
            byte[] payload,
            int qos,
            boolean retain,
            String contentType,
            Map<String, String> userProperties) {
        if (qos < 0 || qos > 2) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("qos must be 0, 1 or 2, got " + qos));
        }
        CompletableFuture<?> sent;
        try {
            if (client5 != null) {
                Mqtt5PublishBuilder.Complete p = Mqtt5Publish.builder()
                        .topic(topic)
                        .qos(MqttQos.fromCode(qos))
                        .retain(retain)
                        .payload(payload);
                if (contentType != null) {
                    p = p.contentType(contentType);
                }
                if (!userProperties.isEmpty()) {
                    Mqtt5UserPropertiesBuilder props = Mqtt5UserProperties.builder();
                    for (Map.Entry<String, String> e : userProperties.entrySet()) {
                        props = props.add(e.getKey(), e.getValue());
                    }
                    p = p.userProperties(props.build());
                }
                sent = client5.publish(p.build()).thenAccept(r -> {
                    if (r.getError().isPresent()) {
                        throw new java.util.concurrent.CompletionException(
                                r.getError().get());
                    }
                });
            } else if (client3 != null) {
                sent = client3.publish(Mqtt3Publish.builder()
                        .topic(topic)
                        .qos(MqttQos.fromCode(qos))
                        .retain(retain)
                        .payload(payload)
                        .build());
            } else {
                return CompletableFuture.failedFuture(
                        new IllegalStateException("data binding '" + name + "' is not open"));
            }
        } catch (RuntimeException e) { // a malformed topic, for one
            failed.incrementAndGet();
            return CompletableFuture.failedFuture(e);
        }
        published.incrementAndGet();
        return sent.orTimeout(config.publishTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ok, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        Throwable cause =
                                error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                                        ? error.getCause()
                                        : error;
                        throw new java.util.concurrent.CompletionException(
                                cause instanceof java.util.concurrent.TimeoutException
                                        ? new java.util.concurrent.TimeoutException(
                                                "no acknowledgement from " + broker.safeUrl() + " within "
                                                        + Durations.format(config.publishTimeout))
                                        : cause);
                    }
                    acknowledged.incrementAndGet();
                    return null;
                });
    }

    /** Connected to the broker. */
    @Override
    public boolean isReady() {
        return connected;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", broker.safeUrl());
        m.put("clientId", clientId);
        m.put("connected", connected);
        m.put("published", published.get());
        m.put("acknowledged", acknowledged.get());
        m.put("failed", failed.get());
        return m;
    }

    /** Disconnects; publishes still waiting for their acknowledgement fail. */
    @Override
    public void close() {
        closed = true;
        CompletableFuture<Void> d = client5 != null
                ? client5.disconnect()
                : client3 != null ? client3.disconnect() : CompletableFuture.completedFuture(null);
        try {
            d.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("data binding '{}': disconnecting failed: {}", name, e.toString());
        }
        connected = false;
    }

    @Override
    public String toString() {
        return "mqtt binding '" + name + "' to " + broker.safeUrl();
    }
}
