package io.nucleon.trigger.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.nucleon.spi.Durations;
import io.nucleon.spi.Json;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.NuclioTranslation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;

/**
 * How the {@code kafka} trigger reads the attributes of Nuclio's {@code kafka-cluster} trigger
 * ({@code pkg/processor/trigger/kafka/types.go} in nuclio/nuclio, a sarama consumer). Settings of
 * sarama that the Java client has under another name become {@code consumerProperties}; Nuclio's
 * durations (Go's form) become Nucleon's.
 *
 * <p>Nuclio's defaults that differ from Nucleon's are applied when the file does not say:
 * {@code initialOffset} is {@code latest}, and a record whose handler failed is not run again
 * ({@code maxRetries: 0}; Nuclio commits past it, Nucleon writes it to the dead-letter topic).
 */
final class NuclioKafkaAttributes {
    private static final String PROPS = "consumerProperties";
    private static final Map<String, String> STRATEGIES = Map.of(
            "range", RangeAssignor.class.getName(),
            "roundrobin", RoundRobinAssignor.class.getName(),
            "sticky", StickyAssignor.class.getName());

    static final NuclioAttributes TRANSLATION = NuclioTranslation.builder("kafka-cluster", KafkaTriggerConfig.class)
            .renamed("brokers", "brokers", NuclioKafkaAttributes::texts)
            .rule("url", (value, step) -> {
                if (step.written("brokers") != null) {
                    step.warn("ignored: brokers is given, and Nuclio then does not read url either");
                } else if (!value.isTextual()) {
                    step.error("must be host:port, got " + value);
                } else {
                    step.set("brokers", texts(value));
                }
            })
            .renamed("topics", "topics", NuclioKafkaAttributes::texts)
            .kept("consumerGroup")
            .renamed("initialOffset", "initialOffset", value -> {
                String v = value.asText().toLowerCase(Locale.ROOT);
                if (!v.equals("earliest") && !v.equals("latest")) {
                    throw new IllegalArgumentException("must be earliest or latest, got " + value);
                }
                return TextNode.valueOf(v);
            })
            .rule("balanceStrategy", (value, step) -> {
                String assignor = STRATEGIES.get(value.asText().toLowerCase(Locale.ROOT));
                if (assignor == null) {
                    step.error("must be range, roundrobin or sticky, got " + value);
                } else {
                    step.setEntry(PROPS, ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
                }
            })
            .rule("sasl", NuclioKafkaAttributes::sasl)
            .rule("tls", (value, step) -> {
                if (!value.isObject()) {
                    step.error("must be a mapping (enable, insecureSkipVerify), got " + value);
                    return;
                }
                if (isTrue(value.get("insecureSkipVerify"))) {
                    step.error(
                            "insecureSkipVerify",
                            "not supported: the Java client always verifies the broker's certificate; give the CA"
                                    + " that signed it in caCert (PEM) instead");
                }
                warnUnknown(value, step, List.of("enable", "insecureSkipVerify"));
                if (isTrue(value.get("enable")) && !enabled(step.written("sasl"))) {
                    step.setEntry(PROPS, "security.protocol", "SSL"); // with SASL, the sasl rule sets it
                }
            })
            .rule("caCert", (value, step) -> {
                step.setEntry(PROPS, "ssl.truststore.type", "PEM");
                step.setEntry(PROPS, "ssl.truststore.certificates", unflatten(value.asText()));
            })
            .rule("accessCertificate", (value, step) -> {
                if (step.written("accessKey") == null) {
                    step.error("needs accessKey, the certificate's private key (PEM)");
                    return;
                }
                step.setEntry(PROPS, "ssl.keystore.type", "PEM");
                step.setEntry(PROPS, "ssl.keystore.certificate.chain", unflatten(value.asText()));
            })
            .rule("accessKey", (value, step) -> {
                if (step.written("accessCertificate") == null) {
                    step.error("needs accessCertificate, the client certificate (PEM)");
                    return;
                }
                step.setEntry(PROPS, "ssl.keystore.key", unflatten(value.asText()));
            })
            .renamed("sessionTimeout", "sessionTimeout", NuclioTranslation::goDuration)
            .renamed("heartbeatInterval", "heartbeatInterval", NuclioTranslation::goDuration)
            .renamed("maxWaitHandlerDuringRebalance", "revokeTimeout", NuclioTranslation::goDuration)
            .rule("rebalanceTimeout", millis(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG))
            .rule("retryBackoff", millis(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG))
            .rule("maxWaitTime", millis(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG))
            .rule("fetchMin", bytes(ConsumerConfig.FETCH_MIN_BYTES_CONFIG))
            .rule("fetchDefault", bytes(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG))
            .rule("fetchMax", (value, step) -> {
                if (!(value.isIntegralNumber() && value.asLong() == 0)) { // 0: no limit of Nuclio's own
                    bytes(ConsumerConfig.FETCH_MAX_BYTES_CONFIG).apply(value, step);
                }
            })
            .renamed("channelBufferSize", "maxBufferedPerPartition", value -> {
                if (!value.canConvertToInt() || value.asInt() < 1) {
                    throw new IllegalArgumentException("must be a whole number of at least 1, got " + value);
                }
                return value;
            })
            .renamed("workerAllocationMode", "workerAllocationMode", value -> {
                String v = value.asText();
                if (!v.equals("pool") && !v.equals("static")) {
                    throw new IllegalArgumentException("must be pool or static, got " + value);
                }
                // both of Nuclio's modes keep a partition's records in order, one at a time: Nucleon's static
                return TextNode.valueOf(KafkaTrigger.STATIC);
            })
            .ignored(
                    "maxProcessingTime",
                    "how long sarama waits to hand a record on before it pauses the partition; Nucleon pauses a"
                            + " partition that has maxBufferedPerPartition records waiting")
            .ignored("rebalanceRetryMax", "sarama's attempts to join the group; the Java client retries by itself")
            .ignored("rebalanceRetryBackoff", "sarama's pause between attempts to join the group")
            .ignored(
                    "workerTerminationWaitTime",
                    "how long Nuclio waits for a worker it restarts after maxWaitHandlerDuringRebalance; Nucleon"
                            + " restarts no worker at a rebalance (revokeTimeout bounds the wait)")
            .ignored(
                    "ackWindowSize",
                    "Nuclio commits this many offsets behind the last handled record; Nucleon commits exactly"
                            + " the records that finished")
            .ignored("logLevel", "sarama's log level; the Java client logs through SLF4J")
            .ignored("version", "the protocol version sarama speaks; the Java client negotiates it with the broker")
            .finish(NuclioKafkaAttributes::nuclioDefaults)
            .build();

    private NuclioKafkaAttributes() {}

    private static void nuclioDefaults(NuclioTranslation.Step step) {
        if (!step.has("initialOffset")) {
            step.set("initialOffset", "latest"); // sarama's OffsetNewest, Nuclio's default
        }
        if (!step.has("maxRetries")) {
            step.set("maxRetries", 0);
        }
    }

    private static void sasl(JsonNode sasl, NuclioTranslation.Step step) {
        if (!sasl.isObject()) {
            step.error("must be a mapping (enable, user, password, mechanism, handshake), got " + sasl);
            return;
        }
        warnUnknown(sasl, step, List.of("enable", "handshake", "user", "password", "mechanism", "oauth"));
        if (!isTrue(sasl.get("enable"))) {
            if (sasl.size() > 0) {
                step.warn("ignored: sasl.enable is not true, so Nuclio does not authenticate either");
            }
            return;
        }
        if (sasl.has("handshake") && !isTrue(sasl.get("handshake"))) {
            step.error(
                    "handshake",
                    "not supported: the Java client always sends the SASL handshake (Kafka 0.10 and later"
                            + " expect it); remove handshake: false");
        }
        String mechanism = sasl.path("mechanism").asText("").toUpperCase(Locale.ROOT);
        String module = switch (mechanism) {
            case "", "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
            case "SCRAM-SHA-256", "SCRAM-SHA-512" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
            default -> null;
        };
        if (module == null) {
            step.error(
                    "mechanism",
                    "not supported from Nuclio's attributes: " + mechanism + " (PLAIN, SCRAM-SHA-256 and"
                            + " SCRAM-SHA-512 are); configure it with the Java client's own settings in"
                            + " consumerProperties (sasl.mechanism, sasl.jaas.config …)");
            return;
        }
        if (sasl.has("oauth")) {
            step.warn("oauth", "ignored: used only with mechanism OAUTHBEARER");
        }
        step.setEntry(PROPS, "security.protocol", enabled(step.written("tls")) ? "SASL_SSL" : "SASL_PLAINTEXT");
        step.setEntry(PROPS, "sasl.mechanism", mechanism.isEmpty() ? "PLAIN" : mechanism);
        step.setEntry(
                PROPS,
                "sasl.jaas.config",
                module + " required username=\"" + jaasQuoted(sasl.path("user").asText("")) + "\" password=\""
                        + jaasQuoted(sasl.path("password").asText("")) + "\";");
    }

    private static String jaasQuoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * Nuclio lets a PEM be written on one line (in an annotation): with {@code @} for each line break,
     * or with spaces, which are then line breaks except inside the {@code BEGIN}/{@code END} lines.
     */
    static String unflatten(String pem) {
        if (pem.contains("\n")) {
            return pem;
        }
        if (pem.contains("@")) {
            return pem.replace('@', '\n');
        }
        String[] markers = {"BEGIN CERTIFICATE", "END CERTIFICATE", "BEGIN PRIVATE KEY", "END PRIVATE KEY"};
        String s = pem;
        for (String m : markers) {
            s = s.replace(m, m.replace(' ', '\u0000'));
        }
        return s.replace(' ', '\n').replace('\u0000', ' ');
    }

    private static NuclioTranslation.Rule millis(String property) {
        return (value, step) -> {
            try {
                Duration d = Durations.parse(NuclioTranslation.goDuration(value).asText());
                step.setEntry(PROPS, property, Long.toString(d.toMillis()));
            } catch (IllegalArgumentException e) {
                step.error(e.getMessage());
            }
        };
    }

    private static NuclioTranslation.Rule bytes(String property) {
        return (value, step) -> {
            if (!value.canConvertToInt() || value.asInt() < 1) {
                step.error("must be a whole number of bytes, at least 1, got " + value);
            } else {
                step.setEntry(PROPS, property, Integer.toString(value.asInt()));
            }
        };
    }

    /** A list of text, or one text with commas, as a list. */
    private static JsonNode texts(JsonNode value) {
        List<String> out = new ArrayList<>();
        if (value.isTextual()) {
            for (String s : value.asText().split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        } else if (value.isArray()) {
            for (JsonNode v : value) {
                if (!v.isTextual()) {
                    throw new IllegalArgumentException("must be a list of text, got " + value);
                }
                out.add(v.asText());
            }
        } else {
            throw new IllegalArgumentException("must be a list of text, got " + value);
        }
        return Json.mapper().valueToTree(out);
    }

    private static boolean enabled(JsonNode block) {
        return block != null && block.isObject() && isTrue(block.get("enable"));
    }

    private static boolean isTrue(JsonNode v) {
        return v != null
                && (v.isBoolean() ? v.asBoolean() : v.isTextual() && v.asText().equals("true"));
    }

    private static void warnUnknown(JsonNode block, NuclioTranslation.Step step, List<String> known) {
        block.properties().forEach(p -> {
            String n = p.getKey();
            if (!known.contains(n)) {
                step.warn(n, "ignored: Nuclio's kafka-cluster trigger has no such field (it has " + known + ")");
            }
        });
    }
}
