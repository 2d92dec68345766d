package io.nucleon.binding.mqtt;

import io.nucleon.api.DataBinding;
import io.nucleon.client.mqtt.MqttBroker;
import io.nucleon.client.mqtt.MqttClientSetup;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingContext;
import io.nucleon.spi.BindingFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.UUID;

/** Registers the {@code mqtt} data binding kind; see {@link MqttBinding}. */
public final class MqttBindingFactory implements BindingFactory {
    /** The kind, as written in {@code spec.dataBindings.<name>.kind}. */
    public static final String KIND = "mqtt";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public DataBinding create(BindingContext context) {
        MqttBindingConfig c = context.attributes(MqttBindingConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        MqttBroker broker = null;
        try {
            broker = MqttBroker.parse(c.url);
        } catch (IllegalArgumentException e) {
            problems.add("url", e.getMessage());
        }
        if (c.mqttVersion != 3 && c.mqttVersion != 5) {
            problems.add("mqttVersion", "must be 5 (MQTT 5) or 3 (MQTT 3.1.1), got " + c.mqttVersion);
        }
        if (c.keepAlive == null || c.keepAlive.isNegative() || c.keepAlive.toSeconds() > 65535) {
            problems.add("keepAlive", "must be from 0s (no keep-alive) to 65535s");
        }
        atLeastOneMilli(problems, "connectTimeout", c.connectTimeout);
        atLeastOneMilli(problems, "publishTimeout", c.publishTimeout);
        atLeastOneMilli(problems, "connectRetryDelay", c.connectRetryDelay);
        if (c.maxConnectRetryDelay == null
                || c.connectRetryDelay != null && c.maxConnectRetryDelay.compareTo(c.connectRetryDelay) < 0) {
            problems.add("maxConnectRetryDelay", "must be at least connectRetryDelay");
        }
        String caFile = c.caFile == null ? "" : c.caFile;
        if (!caFile.isEmpty()) {
            if (broker != null && !broker.tls()) {
                problems.add("caFile", "applies to ssl://, mqtts:// and wss:// urls only");
            } else if (!Files.isReadable(Path.of(caFile))) {
                problems.add("caFile", "cannot be read: " + caFile);
            } else {
                try {
                    MqttClientSetup.trust(caFile); // a file without a certificate is a configuration error
                } catch (IOException | GeneralSecurityException e) {
                    problems.add("caFile", e.getMessage());
                }
            }
        }
        problems.throwIfAny();
        String clientId = c.clientId == null || c.clientId.isEmpty()
                ? "nucleon-" + context.functionName() + "-" + context.name() + "-"
                        + UUID.randomUUID().toString().substring(0, 8)
                : c.clientId;
        return new MqttBinding(context.name(), c, broker, clientId);
    }

    private static void atLeastOneMilli(AttributeProblems problems, String attribute, java.time.Duration d) {
        if (d == null || d.toMillis() < 1) {
            problems.add(attribute, "must be at least 1ms");
        }
    }
}
