package io.nucleon.trigger.mqtt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code attributes} of an {@code mqtt} trigger, with their defaults. Bound from
 * {@code function.yaml}; unknown attributes are an error.
 */
public final class MqttTriggerConfig {
    /**
     * The broker: {@code tcp://} (or {@code mqtt://}), {@code ssl://} (or {@code mqtts://}), {@code ws://}
     * or {@code wss://}, with a port (default 1883, 8883 with TLS, 80 or 443 for WebSocket) and, for
     * WebSocket, a path. A user and password in it never reach logs or {@code /status}.
     */
    public String url = "tcp://127.0.0.1:1883";
    /** The protocol: {@code 5} (MQTT 5) or {@code 3} (MQTT 3.1.1). */
    public int mqttVersion = 5;
    /**
     * The client id; empty: {@code nucleon-<function>-<trigger>}, the same on every start, so that the
     * broker keeps the session (and the messages published meanwhile) while the processor is away.
     */
    public String clientId = "";
    /** What to subscribe to: a topic filter (wildcards {@code +} and {@code #} allowed) and a QoS each. */
    public List<Subscription> subscriptions = new ArrayList<>();
    /**
     * Shares every subscription in this group ({@code $share/<group>/<filter>}): the broker gives each
     * message to one member of the group, so processors with the same group split the work. Each
     * processor needs its own {@link #clientId} then. Empty: not shared.
     */
    public String sharedGroup = "";
    /**
     * {@code false}: resume the broker's session for this client id (its subscriptions and the
     * messages queued for it); {@code true}: start afresh, losing them.
     */
    public boolean cleanStart = false;
    /** How long the broker keeps the session after a disconnect (MQTT 5; a 3.1.1 session is kept until a clean start). */
    public Duration sessionExpiry = Duration.ofDays(1);
    /** The user name to connect with; empty: the url's, or none. */
    public String username = "";
    /** The password to connect with; empty: the url's, or none. Never logged. */
    public String password = "";
    /** PEM file of the certificates that sign the broker's; empty: the JVM's default trust store. TLS urls only. */
    public String caFile = "";
    /** The keep-alive interval the client pings within. */
    public Duration keepAlive = Duration.ofSeconds(30);
    /**
     * The in-flight window announced to the broker: QoS 1 and 2 messages it may send before the earlier
     * ones are acknowledged (MQTT 5's receive maximum, 1 to 65535; a 3.1.1 broker applies its own
     * limit). HiveMQ's client drops the connection when a broker sends more than this, and Mosquitto
     * 2.0 does once messages are queued for the client and an acknowledgement is held back (a retry,
     * a full pool): keep the default, no window of the client's, with Mosquitto 2.0; the broker's own
     * limits ({@code max_inflight_messages}, {@code max_queued_messages}) and the trigger's pool bound
     * the work then.
     */
    public int receiveMaximum = 65535;
    /** Attempts after the first before a failing message is dead-lettered; 0: dead-letter at once. */
    public int maxRetries = 3;
    /** Delay before the first retry; doubled for each further one, up to {@link #maxRetryDelay}. */
    public Duration retryDelay = Duration.ofSeconds(1);
    /** The longest delay between two attempts. */
    public Duration maxRetryDelay = Duration.ofMinutes(1);
    /** Topic failed messages are published to (QoS 1) after the last retry; empty: {@code nucleon/dead-letters/<function>/<trigger>}. */
    public String deadLetterTopic = "";
    /** Delay before the first reconnection attempt; doubled for each further one, up to {@link #maxConnectRetryDelay}. */
    public Duration connectRetryDelay = Duration.ofSeconds(1);
    /** The longest delay between two connection attempts. */
    public Duration maxConnectRetryDelay = Duration.ofSeconds(30);

    /** One subscription. */
    public static final class Subscription {
        /** The topic filter. */
        public String topic;
        /** The maximum QoS the broker delivers with: 0, 1 or 2. */
        public int qos = 1;

        /** For Jackson. */
        public Subscription() {}

        Subscription(String topic, int qos) {
            this.topic = topic;
            this.qos = qos;
        }
    }
}
