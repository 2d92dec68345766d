package io.nucleon.trigger.mqtt;

import com.hivemq.client.internal.mqtt.message.publish.MqttStatefulPublish;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedListener;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedListener;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscription;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import io.nucleon.client.mqtt.MqttBroker;
import io.nucleon.client.mqtt.MqttClientSetup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * HiveMQ's client for MQTT 5 or 3.1.1 behind one small interface, so that the trigger is written
 * once: connect with a persistent session, subscribe, receive with manual acknowledgement, publish
 * with QoS 1 (completed on the PUBACK).
 */
abstract sealed class MqttLink {

    /** How to connect; every field already checked. */
    record Options(
            MqttBroker broker,
            int mqttVersion,
            String clientId,
            String username,
            String password,
            String caFile,
            boolean cleanStart,
            Duration sessionExpiry,
            Duration keepAlive,
            int receiveMaximum) {}

    /** A subscription as sent: the filter (with its {@code $share/} prefix when shared) and the QoS. */
    record Filter(String filter, int qos) {}

    static MqttLink create(
            Options o, MqttClientConnectedListener connected, MqttClientDisconnectedListener disconnected)
            throws IOException, GeneralSecurityException {
        MqttClientSetup setup = new MqttClientSetup(
                o.broker(), o.clientId(), o.caFile(), o.username(), o.password(), connected, disconnected);
        if (o.mqttVersion() == 3) {
            return new V3(setup.mqtt3().buildAsync(), o);
        }
        return new V5(setup.mqtt5().buildAsync(), o);
    }

    /**
     * Runs the receiver on the client's own Netty thread, where the message was decoded. Without an
     * executor HiveMQ hands every message to an RxJava computation thread first: one more thread hop
     * per message (and its wake-up), for a receiver that only dispatches and never blocks.
     */
    private static final java.util.concurrent.Executor DIRECT = Runnable::run;

    /** Registers the receiver of every subscribed message, acknowledged manually; call before {@link #connect}. */
    abstract void receive(Consumer<Received> receiver);

    /** Connects; with automatic reconnection the listeners given to {@link #create} follow the rest. */
    abstract CompletableFuture<?> connect();

    /** Subscribes; fails when the broker refuses one of the filters. */
    abstract CompletableFuture<?> subscribe(List<Filter> filters);

    /**
     * Publishes with QoS 1; completes on the broker's PUBACK, exceptionally when it is refused or the
     * connection drops first.
     *
     * @param properties MQTT 5 user properties (ignored on 3.1.1)
     */
    abstract CompletableFuture<?> publish(
            String topic, byte[] payload, String contentType, List<Map.Entry<String, String>> properties);

    /** Whether this link speaks MQTT 5. */
    abstract boolean v5();

    /** Disconnects (a persistent session stays with the broker). */
    abstract CompletableFuture<?> disconnect();

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static final class V5 extends MqttLink {
        private final Mqtt5AsyncClient client;
        private final Options options;

        V5(Mqtt5AsyncClient client, Options options) {
            this.client = client;
            this.options = options;
        }

        @Override
        void receive(Consumer<Received> receiver) {
            client.publishes(
                    MqttGlobalPublishFilter.ALL,
                    p -> {
                        MqttStatefulPublish packet = PublishPacket.of(p);
                        receiver.accept(new Received(
                                p.getTopic().toString(),
                                p.getPayloadAsBytes(),
                                p.getQos().getCode(),
                                p.isRetain(),
                                packet == null ? 0 : packet.getPacketIdentifier(),
                                packet != null && packet.isDup(),
                                p.getContentType().map(Object::toString).orElse(null),
                                p.getResponseTopic().map(Object::toString).orElse(null),
                                p.getCorrelationData().map(MqttLink::bytes).orElse(null),
                                properties(p),
                                p::acknowledge));
                    },
                    DIRECT,
                    true);
        }

        private static List<Map.Entry<String, String>> properties(Mqtt5Publish p) {
            List<? extends Mqtt5UserProperty> list = p.getUserProperties().asList();
            if (list.isEmpty()) {
                return List.of();
            }
            List<Map.Entry<String, String>> out = new ArrayList<>(list.size());
            for (Mqtt5UserProperty u : list) {
                out.add(Map.entry(u.getName().toString(), u.getValue().toString()));
            }
            return out;
        }

        @Override
        CompletableFuture<?> connect() {
            return client.connectWith()
                    .cleanStart(options.cleanStart())
                    .sessionExpiryInterval(options.sessionExpiry().toSeconds())
                    .keepAlive((int) options.keepAlive().toSeconds())
                    .restrictions()
                    .receiveMaximum(options.receiveMaximum())
                    .applyRestrictions()
                    .send();
        }

        @Override
        CompletableFuture<?> subscribe(List<Filter> filters) {
            List<Mqtt5Subscription> subs = new ArrayList<>();
            for (Filter f : filters) {
                subs.add(Mqtt5Subscription.builder()
                        .topicFilter(f.filter())
                        .qos(MqttQos.fromCode(f.qos()))
                        .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST)
                        .build());
            }
            return client.subscribe(
                    Mqtt5Subscribe.builder().addSubscriptions(subs).build());
        }

        @Override
        CompletableFuture<?> publish(
                String topic, byte[] payload, String contentType, List<Map.Entry<String, String>> properties) {
            Mqtt5PublishBuilder.Complete p = Mqtt5Publish.builder()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload);
            if (contentType != null) {
                p = p.contentType(contentType);
            }
            if (!properties.isEmpty()) {
                List<Mqtt5UserProperty> props = new ArrayList<>(properties.size());
                for (Map.Entry<String, String> e : properties) {
                    props.add(Mqtt5UserProperty.of(e.getKey(), e.getValue()));
                }
                p = p.userProperties(Mqtt5UserProperties.of(props));
            }
            return client.publish(p.build()).thenApply(r -> {
                if (r.getError().isPresent()) {
                    throw new java.util.concurrent.CompletionException(
                            r.getError().get());
                }
                return r;
            });
        }

        @Override
        boolean v5() {
            return true;
        }

        @Override
        CompletableFuture<?> disconnect() {
            return client.disconnect();
        }
    }

    static final class V3 extends MqttLink {
        private final Mqtt3AsyncClient client;
        private final Options options;

        V3(Mqtt3AsyncClient client, Options options) {
            this.client = client;
            this.options = options;
        }

        @Override
        void receive(Consumer<Received> receiver) {
            client.publishes(
                    MqttGlobalPublishFilter.ALL,
                    (Mqtt3Publish p) -> {
                        MqttStatefulPublish packet = PublishPacket.of(p);
                        receiver.accept(new Received(
                                p.getTopic().toString(),
                                p.getPayloadAsBytes(),
                                p.getQos().getCode(),
                                p.isRetain(),
                                packet == null ? 0 : packet.getPacketIdentifier(),
                                packet != null && packet.isDup(),
                                null,
                                null,
                                null,
                                List.of(),
                                p::acknowledge));
                    },
                    DIRECT,
                    true);
        }

        @Override
        CompletableFuture<?> connect() {
            return client.connectWith()
                    .cleanSession(options.cleanStart())
                    .keepAlive((int) options.keepAlive().toSeconds())
                    .send();
        }

        @Override
        CompletableFuture<?> subscribe(List<Filter> filters) {
            List<Mqtt3Subscription> subs = new ArrayList<>();
            for (Filter f : filters) {
                subs.add(Mqtt3Subscription.builder()
                        .topicFilter(f.filter())
                        .qos(MqttQos.fromCode(f.qos()))
                        .build());
            }
            return client.subscribe(
                    Mqtt3Subscribe.builder().addSubscriptions(subs).build());
        }

        @Override
        CompletableFuture<?> publish(
                String topic, byte[] payload, String contentType, List<Map.Entry<String, String>> properties) {
            return client.publish(Mqtt3Publish.builder()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload)
                    .build());
        }

        @Override
        boolean v5() {
            return false;
        }

        @Override
        CompletableFuture<?> disconnect() {
            return client.disconnect();
        }
    }
}
