package io.nucleon.trigger.rabbitmq;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.NuclioTranslation;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * How the {@code rabbitmq} trigger reads the attributes of Nuclio's {@code rabbit-mq} trigger
 * ({@code pkg/processor/trigger/rabbitmq} and {@code docs/reference/triggers/rabbitmq.md} in
 * nuclio/nuclio). The engine moves the trigger's {@code url} (and this translation reads
 * {@code username} and {@code password} there too) into the attributes.
 *
 * <p>Nuclio's defaults that differ from Nucleon's are applied when the file does not say: the queue
 * and exchange are not durable, and a message whose handler failed is not handed to the handler again
 * ({@code maxRetries: 0}) unless {@code requeueOnError} is true; Nucleon then dead-letters it (to
 * {@code <queue>.dlq}) where Nuclio drops it.
 */
final class NuclioRabbitMqAttributes {

    static final NuclioAttributes TRANSLATION = NuclioTranslation.builder("rabbit-mq", RabbitMqTriggerConfig.class)
            .rule("url", NuclioRabbitMqAttributes::url)
            .rule("username", NuclioRabbitMqAttributes::needsUrl)
            .rule("password", NuclioRabbitMqAttributes::needsUrl)
            .rule("exchangeName", (value, step) -> {
                JsonNode topics = step.written("topics");
                if (topics != null && topics.size() > 0) {
                    step.set("exchangeName", value);
                } else {
                    step.warn("ignored: without topics Nuclio neither declares this exchange nor binds the queue"
                            + " to it, and the queue is consumed as it is; give topics (routing keys) to bind it");
                }
            })
            .kept("queueName", "topics")
            .rule("prefetchCount", (value, step) -> {
                if (value.isIntegralNumber() && value.asLong() == 0) {
                    step.warn("ignored: 0 (no limit) is not supported, Nucleon bounds the messages in flight;"
                            + " the default 64 applies (give 1 to 65535)");
                } else {
                    step.set("prefetchCount", value);
                }
            })
            .renamed("reconnectInterval", "connectRetryDelay", NuclioTranslation::goDuration)
            .ignored(
                    "reconnectDuration",
                    "Nuclio stops reconnecting after this long; Nucleon keeps reconnecting (not ready meanwhile),"
                            + " its delay growing to maxConnectRetryDelay")
            .rule("durableQueue", NuclioRabbitMqAttributes::bool)
            .rule("durableExchange", NuclioRabbitMqAttributes::bool)
            .rule("onError", (value, step) -> {
                if (!value.asText().equals("ack") && !value.asText().equals("nack")) {
                    step.error("must be ack or nack, got " + value);
                }
            })
            .rule("requeueOnError", NuclioRabbitMqAttributes::bool)
            .finish(NuclioRabbitMqAttributes::reconnectAtAFixedInterval)
            .finish(NuclioRabbitMqAttributes::durability)
            .finish(NuclioRabbitMqAttributes::onError)
            .build();

    private NuclioRabbitMqAttributes() {}

    /** Nuclio's url, with Nuclio's username and password when the url has none (the url's win). */
    private static void url(JsonNode value, NuclioTranslation.Step step) {
        URI uri;
        try {
            uri = new URI(value.asText());
        } catch (URISyntaxException e) {
            step.error("is not a URI (such as amqp://user:password@host:5672): " + e.getReason());
            return;
        }
        JsonNode user = step.written("username");
        if (uri.getRawUserInfo() == null && user != null && uri.getRawAuthority() != null) {
            JsonNode password = step.written("password");
            String userInfo = encode(user.asText()) + (password == null ? "" : ":" + encode(password.asText()));
            String s = value.asText();
            int at = s.indexOf("://") + 3;
            step.set("url", s.substring(0, at) + userInfo + "@" + s.substring(at));
        } else {
            step.set("url", value);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void needsUrl(JsonNode value, NuclioTranslation.Step step) {
        if (step.written("url") == null) {
            step.error("needs url, the broker's address (amqp://host:port), as Nuclio does");
        }
    }

    private static void bool(JsonNode value, NuclioTranslation.Step step) {
        if (!value.isBoolean()) {
            step.error("must be true or false, got " + value);
        }
    }

    /** Nuclio waits reconnectInterval between all attempts: Nucleon's delay, not growing. */
    private static void reconnectAtAFixedInterval(NuclioTranslation.Step step) {
        JsonNode interval = step.written("reconnectInterval");
        if (interval != null && step.has("connectRetryDelay") && !step.has("maxConnectRetryDelay")) {
            try {
                step.set("maxConnectRetryDelay", NuclioTranslation.goDuration(interval));
            } catch (IllegalArgumentException e) {
                // reported at reconnectInterval already
            }
        }
    }

    private static void durability(NuclioTranslation.Step step) {
        boolean queue = isTrue(step.written("durableQueue"));
        boolean exchange = isTrue(step.written("durableExchange"));
        JsonNode topics = step.written("topics");
        boolean declaresExchange = step.has("exchangeName") && topics != null && topics.size() > 0;
        if (declaresExchange && queue != exchange) {
            step.error(
                    "durableExchange",
                    "not supported: Nucleon declares the queue and the exchange with one durable setting; give"
                            + " durableQueue and durableExchange the same value");
        } else if (!step.has("durable")) {
            step.set("durable", queue); // Nuclio's default: neither survives a broker restart
        }
    }

    private static void onError(NuclioTranslation.Step step) {
        boolean ack = "ack".equals(text(step.written("onError")));
        boolean requeue = isTrue(step.written("requeueOnError"));
        if (ack && requeue) {
            step.warn("requeueOnError", "ignored: Nuclio requeues only with onError nack");
        }
        if (step.has("maxRetries")) {
            return;
        }
        if (ack) {
            step.set("maxRetries", 0);
            step.warn(
                    "onError",
                    "a message whose handler failed is dead-lettered (to <queue>.dlq, or deadLetterExchange),"
                            + " where Nuclio acknowledges and drops it; it is not handed to the handler again");
        } else if (requeue) {
            step.warn(
                    "requeueOnError",
                    "a message whose handler failed is handed to the handler again up to maxRetries times (3),"
                            + " after a growing delay, then dead-lettered, where Nuclio requeues it without end");
        } else {
            step.set("maxRetries", 0);
        }
    }

    private static boolean isTrue(JsonNode v) {
        return v != null && v.isBoolean() && v.asBoolean();
    }

    private static String text(JsonNode v) {
        return v == null ? null : v.asText();
    }
}
