package io.nucleon.trigger.mqtt;

import com.hivemq.client.internal.mqtt.message.publish.MqttPublish;
import com.hivemq.client.internal.mqtt.message.publish.MqttStatefulPublish;
import com.hivemq.client.internal.mqtt.message.publish.mqtt3.Mqtt3PublishView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The packet identifier and DUP flag of a received PUBLISH, which HiveMQ's client API does not show.
 *
 * <p>HiveMQ 1.3 keeps them in the stateful PUBLISH the message was decoded from; a message received
 * with manual acknowledgement reaches it through its confirmable ({@code MqttPublish.confirmable} →
 * {@code MqttIncomingPublishConfirmable.publishWithFlows} → {@code MqttStatefulPublishWithFlows.publish}).
 * Those fields are private to the client, so they are read through handles resolved once, at class
 * load. If a HiveMQ version lays them out otherwise, the handles do not resolve and {@link #of} answers
 * {@code null}: the events then carry no packet id and no DUP flag (the trigger says so once, at start),
 * and nothing else changes. {@code MqttTriggerTest} checks that the version this module ships with
 * gives both.
 */
final class PublishPacket {
    private static final VarHandle CONFIRMABLE;
    private static final VarHandle PUBLISH_WITH_FLOWS;
    private static final VarHandle STATEFUL;
    private static final Class<?> CONFIRMABLE_TYPE;
    /** Why the handles did not resolve, or {@code null} when they did. */
    static final String UNAVAILABLE;

    static {
        VarHandle confirmable = null;
        VarHandle publishWithFlows = null;
        VarHandle stateful = null;
        Class<?> confirmableType = null;
        String unavailable = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            confirmable = MethodHandles.privateLookupIn(MqttPublish.class, lookup)
                    .findVarHandle(
                            MqttPublish.class,
                            "confirmable",
                            Class.forName("com.hivemq.client.internal.checkpoint.Confirmable"));
            confirmableType = Class.forName(
                    "com.hivemq.client.internal.mqtt.handler.publish.incoming.MqttIncomingPublishConfirmable");
            Class<?> withFlows = Class.forName(
                    "com.hivemq.client.internal.mqtt.handler.publish.incoming.MqttStatefulPublishWithFlows");
            publishWithFlows = MethodHandles.privateLookupIn(confirmableType, lookup)
                    .findVarHandle(confirmableType, "publishWithFlows", withFlows);
            stateful = MethodHandles.privateLookupIn(withFlows, lookup)
                    .findVarHandle(withFlows, "publish", MqttStatefulPublish.class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            unavailable = e.toString();
            confirmable = null;
        }
        CONFIRMABLE = confirmable;
        PUBLISH_WITH_FLOWS = publishWithFlows;
        STATEFUL = stateful;
        CONFIRMABLE_TYPE = confirmableType;
        UNAVAILABLE = unavailable;
    }

    private PublishPacket() {}

    /**
     * The stateful PUBLISH a message received with manual acknowledgement came in, or {@code null}
     * when it cannot be reached (QoS 0, or a client laid out otherwise).
     *
     * @param publish a {@code Mqtt5Publish} or {@code Mqtt3Publish} as the client handed it over
     */
    static MqttStatefulPublish of(Object publish) {
        if (CONFIRMABLE == null) {
            return null;
        }
        MqttPublish p =
                publish instanceof Mqtt3PublishView v ? v.getDelegate() : publish instanceof MqttPublish m ? m : null;
        if (p == null) {
            return null;
        }
        Object confirmable = CONFIRMABLE.get(p);
        if (confirmable == null || confirmable.getClass() != CONFIRMABLE_TYPE) {
            return null; // QoS 0: nothing to acknowledge, no packet id
        }
        Object withFlows = PUBLISH_WITH_FLOWS.get(confirmable);
        return withFlows == null ? null : (MqttStatefulPublish) STATEFUL.get(withFlows);
    }
}
