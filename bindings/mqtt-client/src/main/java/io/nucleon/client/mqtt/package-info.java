/**
 * What the {@code mqtt} trigger and the {@code mqtt} data binding share about connecting to a broker with
 * HiveMQ's client: the broker's url ({@link io.nucleon.client.mqtt.MqttBroker}), a client builder set up
 * from the common attributes ({@link io.nucleon.client.mqtt.MqttClientSetup}), and a failed connection
 * told in plain words ({@link io.nucleon.client.mqtt.MqttConnectFailure}).
 *
 * <p>A library, not a plugin: it knows neither the engine nor the SPI, and each plugin still sends its
 * own CONNECT (session, keep-alive, flow control).
 */
package io.nucleon.client.mqtt;
