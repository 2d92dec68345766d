package io.nucleon.binding.mqtt;

import java.time.Duration;

/**
 * The {@code attributes} of an {@code mqtt} data binding, with their defaults. Bound from
 * {@code spec.dataBindings.<name>.attributes}; unknown attributes are an error.
 */
public final class MqttBindingConfig {
    /**
     * The broker: {@code tcp://} (or {@code mqtt://}), {@code ssl://} (or {@code mqtts://}), {@code ws://}
     * or {@code wss://}; a user and password in it never reach logs, errors or {@code /status}.
     */
    public String url = "tcp://127.0.0.1:1883";
    /** The protocol: {@code 5} (MQTT 5) or {@code 3} (MQTT 3.1.1; user properties and content type are then dropped). */
    public int mqttVersion = 5;
    /**
     * The client id; empty: {@code nucleon-<function>-<binding>-<random>}, different for each processor,
     * since a broker disconnects a client when another connects with its id.
     */
    public String clientId = "";
    /** The user name to connect with; empty: the url's, or none. */
    public String username = "";
    /** The password to connect with; empty: the url's, or none. Never logged. */
    public String password = "";
    /** PEM file of the certificates that sign the broker's; empty: the JVM's default trust store. TLS urls only. */
    public String caFile = "";
    /** The keep-alive interval the client pings within. */
    public Duration keepAlive = Duration.ofSeconds(30);
    /** How long {@code open} waits for the first connection. */
    public Duration connectTimeout = Duration.ofSeconds(10);
    /** How long a publish may wait for the broker's PUBACK (including a reconnection) before its stage fails. */
    public Duration publishTimeout = Duration.ofSeconds(10);
    /** Delay before the first reconnection attempt; doubled for each further one, up to {@link #maxConnectRetryDelay}. */
    public Duration connectRetryDelay = Duration.ofSeconds(1);
    /** The longest delay between two connection attempts. */
    public Duration maxConnectRetryDelay = Duration.ofSeconds(30);
}
