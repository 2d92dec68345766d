package io.nucleon.trigger.mqtt;

import io.nucleon.client.mqtt.MqttBroker;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Registers the {@code mqtt} trigger kind. */
public class MqttTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "mqtt";

    /** MQTT's limit on a client id that every broker must accept is 23 characters; brokers accept more in practice. */
    private static final int MAX_CLIENT_ID = 65535;

    @Override
    public String kind() {
        return KIND;
    }

    /** Nuclio's attributes for this kind: see {@link NuclioMqttAttributes}. */
    @Override
    public NuclioAttributes nuclioAttributes() {
        return NuclioMqttAttributes.TRANSLATION;
    }

    @Override
    public Trigger create(TriggerContext context) {
        MqttTriggerConfig c = context.attributes(MqttTriggerConfig.class);
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
        String clientId = c.clientId == null || c.clientId.isEmpty()
                ? defaultClientId(context.functionName(), context.name())
                : c.clientId;
        if (clientId.length() > MAX_CLIENT_ID) {
            problems.add("clientId", "must be at most 65535 characters");
        }
        if (c.subscriptions == null || c.subscriptions.isEmpty()) {
            problems.add(
                    "subscriptions",
                    "must list at least one subscription (topic and qos), such as"
                            + " [{topic: sensors/+/temperature, qos: 1}]");
        }
        String group = c.sharedGroup == null ? "" : c.sharedGroup;
        if (!group.isEmpty() && (group.contains("/") || group.contains("+") || group.contains("#"))) {
            problems.add("sharedGroup", "must not contain '/', '+' or '#', got \"" + group + "\"");
        }
        List<MqttLink.Filter> filters = new ArrayList<>();
        if (c.subscriptions != null) {
            for (int i = 0; i < c.subscriptions.size(); i++) {
                MqttTriggerConfig.Subscription s = c.subscriptions.get(i);
                String at = "subscriptions[" + i + "]";
                if (s == null || s.topic == null || s.topic.isEmpty()) {
                    problems.add(at + ".topic", "is required: a topic filter such as sensors/+/temperature");
                    continue;
                }
                String filterProblem = filterProblem(s.topic);
                if (filterProblem != null) {
                    problems.add(at + ".topic", filterProblem);
                }
                if (s.qos < 0 || s.qos > 2) {
                    problems.add(at + ".qos", "must be 0, 1 or 2, got " + s.qos);
                }
                boolean alreadyShared = s.topic.startsWith("$share/");
                filters.add(new MqttLink.Filter(
                        group.isEmpty() || alreadyShared ? s.topic : "$share/" + group + "/" + s.topic, s.qos));
            }
        }
        if (c.receiveMaximum < 1 || c.receiveMaximum > 65535) {
            problems.add("receiveMaximum", "must be from 1 to 65535, got " + c.receiveMaximum);
        }
        if (c.keepAlive == null || c.keepAlive.isNegative() || c.keepAlive.toSeconds() > 65535) {
            problems.add("keepAlive", "must be from 0s (no keep-alive) to 65535s");
        }
        if (c.sessionExpiry == null || c.sessionExpiry.isNegative() || c.sessionExpiry.toSeconds() > 0xFFFFFFFFL) {
            problems.add("sessionExpiry", "must be from 0s to 4294967295s (about 136 years)");
        }
        if (c.maxRetries < 0 || c.maxRetries > 1000) {
            problems.add("maxRetries", "must be from 0 to 1000, got " + c.maxRetries);
        }
        checkDelays(problems, c.retryDelay, c.maxRetryDelay, "retryDelay", "maxRetryDelay");
        checkDelays(problems, c.connectRetryDelay, c.maxConnectRetryDelay, "connectRetryDelay", "maxConnectRetryDelay");
        String deadLetterTopic = c.deadLetterTopic == null || c.deadLetterTopic.isEmpty()
                ? "nucleon/dead-letters/" + context.functionName() + "/" + context.name()
                : c.deadLetterTopic;
        if (deadLetterTopic.contains("+") || deadLetterTopic.contains("#")) {
            problems.add("deadLetterTopic", "must be a topic name, without the wildcards + and #");
        }
        String caFile = c.caFile == null ? "" : c.caFile;
        if (!caFile.isEmpty()) {
            if (broker != null && !broker.tls()) {
                problems.add("caFile", "applies to ssl://, mqtts:// and wss:// urls only");
            } else if (!Files.isReadable(Path.of(caFile))) {
                problems.add("caFile", "cannot be read: " + caFile);
            }
        }
        problems.throwIfAny();
        MqttLink.Options options = new MqttLink.Options(
                broker,
                c.mqttVersion,
                clientId,
                c.username == null ? "" : c.username,
                c.password == null ? "" : c.password,
                caFile,
                c.cleanStart,
                c.sessionExpiry,
                c.keepAlive,
                c.receiveMaximum);
        return new MqttTrigger(context.name(), c, options, List.copyOf(filters), deadLetterTopic);
    }

    /** {@code nucleon-<function>-<trigger>}: the same on every start, so the broker keeps the session. */
    static String defaultClientId(String function, String trigger) {
        return "nucleon-" + function + "-" + trigger;
    }

    private static void checkDelays(
            AttributeProblems problems, Duration first, Duration max, String firstName, String maxName) {
        if (first == null || first.toMillis() < 1) {
            problems.add(firstName, "must be at least 1ms");
        } else if (max == null || max.compareTo(first) < 0) {
            problems.add(maxName, "must be at least " + firstName);
        }
    }

    /** What is wrong with a topic filter, or {@code null}. */
    static String filterProblem(String filter) {
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                return "'#' must be a whole level and the last one, as in sensors/#; got \"" + filter + "\"";
            }
            if (level.contains("+") && !level.equals("+")) {
                return "'+' must be a whole level, as in sensors/+/temperature; got \"" + filter + "\"";
            }
        }
        if (filter.startsWith("$share/") && levels.length < 3) {
            return "a shared subscription is $share/<group>/<filter>; got \"" + filter + "\"";
        }
        return null;
    }
}
