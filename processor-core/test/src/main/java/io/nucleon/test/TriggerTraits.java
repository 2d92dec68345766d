package io.nucleon.test;

import io.nucleon.spi.TriggerContext;
import io.nucleon.trigger.cron.EventTemplate;
import io.nucleon.trigger.kafka.KafkaTriggerConfig;
import io.nucleon.trigger.rabbitmq.RabbitMqTriggerConfig;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the kit needs of a trigger's configuration to make its events as the trigger would and to read
 * its decisions: bound with the trigger's own configuration class (its defaults and validation), so
 * they are one source of truth. Each {@code read} touches one trigger module, and runs only for a
 * function that has a trigger of that kind.
 */
interface TriggerTraits {

    /** An http trigger: nothing of its configuration shapes its events. */
    record Http() implements TriggerTraits {}

    /** A kafka trigger: what it consumes and how it retries. */
    record Kafka(List<String> topics, Pattern topicPattern, RetryRule retries) implements TriggerTraits {
        static Kafka read(TriggerContext context) {
            KafkaTriggerConfig c = context.attributes(KafkaTriggerConfig.class);
            Pattern pattern =
                    c.topicPattern == null || c.topicPattern.isEmpty() ? null : Pattern.compile(c.topicPattern);
            return new Kafka(
                    List.copyOf(c.topics), pattern, new RetryRule(c.maxRetries, c.retryDelay, c.maxRetryDelay));
        }

        boolean consumes(String topic) {
            return topicPattern != null ? topicPattern.matcher(topic).matches() : topics.contains(topic);
        }

        String describe() {
            return topicPattern != null ? "the topics matching " + topicPattern.pattern() : "the topics " + topics;
        }
    }

    /** A rabbitmq trigger: where its queue's messages come from and how it retries. */
    record RabbitMq(String exchange, String queue, List<String> topics, RetryRule retries) implements TriggerTraits {
        static RabbitMq read(TriggerContext context) {
            RabbitMqTriggerConfig c = context.attributes(RabbitMqTriggerConfig.class);
            String queue = c.queueName.isEmpty() ? context.functionName() + "." + context.name() : c.queueName;
            return new RabbitMq(
                    c.exchangeName,
                    queue,
                    List.copyOf(c.topics),
                    new RetryRule(c.maxRetries, c.retryDelay, c.maxRetryDelay));
        }

        /** The routing key a message gets when the test names none, or {@code null} when there is no obvious one. */
        String defaultRoutingKey() {
            if (exchange.isEmpty()) {
                return queue; // published to the queue directly, through the default exchange
            }
            if (topics.size() == 1
                    && !topics.get(0).contains("*")
                    && !topics.get(0).contains("#")) {
                return topics.get(0);
            }
            return null;
        }
    }

    /** A cron or kickstart trigger: the event every tick carries (its {@code event} attribute). */
    record Timer(byte[] body, Map<String, String> headers, String path, String contentType) implements TriggerTraits {
        static Timer read(TriggerContext context, boolean cron) {
            EventTemplate t = cron
                    ? context.attributes(io.nucleon.trigger.cron.CronTriggerConfig.class).event
                    : context.attributes(io.nucleon.trigger.cron.KickstartTriggerConfig.class).event;
            return new Timer(
                    t.body.getBytes(StandardCharsets.UTF_8),
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(t.headers)),
                    t.path,
                    t.contentType);
        }
    }
}
