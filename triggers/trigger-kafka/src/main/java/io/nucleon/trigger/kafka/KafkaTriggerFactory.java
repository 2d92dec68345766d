package io.nucleon.trigger.kafka;

import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.Durations;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/** Registers the {@code kafka} trigger kind (also {@code kafka-cluster}, Nuclio's name, through a subclass). */
public class KafkaTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "kafka";

    @Override
    public String kind() {
        return KIND;
    }

    /**
     * A rebalance runs on the poll thread, inside {@code poll}: it waits up to {@code revokeTimeout} for
     * a revoked partition's running records, then for the commit and a partition-count lookup. Past
     * {@code max.poll.interval.ms} without a return to {@code poll}, the consumer leaves its group.
     */
    private static void checkRevokeTimeoutFitsThePollInterval(
            TriggerContext context, KafkaTriggerConfig c, AttributeProblems problems) {
        long maxPollInterval;
        try {
            maxPollInterval = KafkaTrigger.maxPollIntervalMillis(c.consumerProperties);
        } catch (NumberFormatException e) {
            problems.add(
                    "consumerProperties." + ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                    "must be a whole number of milliseconds, got \""
                            + c.consumerProperties.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG) + "\"");
            return;
        }
        if (maxPollInterval < 1) {
            problems.add(
                    "consumerProperties." + ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                    "must be at least 1, got " + maxPollInterval);
            return;
        }
        long sideWaits = 2 * KafkaTrigger.sideWaitMillis(maxPollInterval);
        long longest = maxPollInterval - sideWaits - 1;
        if (c.revokeTimeout.toMillis() > longest) {
            String source = c.consumerProperties.containsKey(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG)
                    ? "consumerProperties"
                    : "Kafka's default";
            problems.add(
                    "revokeTimeout",
                    "is " + Durations.format(c.revokeTimeout)
                            + ", too long for max.poll.interval.ms " + maxPollInterval + " ms (" + source
                            + "): a rebalance holds the poll thread"
                            + " for up to revokeTimeout plus " + sideWaits
                            + " ms (commit and partition lookup), and a consumer that does not"
                            + " poll within max.poll.interval.ms is put out of its group; "
                            + (longest >= 0 ? "use at most " + longest + "ms" : "raise max.poll.interval.ms")
                            + (longest >= 0 ? " or raise max.poll.interval.ms" : ""));
        }
    }

    /** Nuclio's attributes for this kind: see {@link NuclioKafkaAttributes}. */
    @Override
    public NuclioAttributes nuclioAttributes() {
        return NuclioKafkaAttributes.TRANSLATION;
    }

    @Override
    public Trigger create(TriggerContext context) {
        KafkaTriggerConfig c = context.attributes(KafkaTriggerConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        if (c.brokers == null || c.brokers.isEmpty()) {
            problems.add("brokers", "is required: a list of host:port bootstrap servers");
        }
        boolean hasTopics = c.topics != null && !c.topics.isEmpty();
        boolean hasPattern = c.topicPattern != null && !c.topicPattern.isEmpty();
        if (hasTopics == hasPattern) {
            problems.add(
                    hasTopics ? "topicPattern" : "topics",
                    "give exactly one of topics (a list) and topicPattern (a regular expression)");
        }
        if (hasPattern) {
            try {
                Pattern.compile(c.topicPattern);
            } catch (PatternSyntaxException e) {
                problems.add("topicPattern", "is not a regular expression: " + e.getDescription());
            }
        }
        if (!"earliest".equals(c.initialOffset) && !"latest".equals(c.initialOffset)) {
            problems.add("initialOffset", "must be earliest or latest, got \"" + c.initialOffset + "\"");
        }
        if (!KafkaTrigger.STATIC.equals(c.workerAllocationMode) && !KafkaTrigger.POOL.equals(c.workerAllocationMode)) {
            problems.add("workerAllocationMode", "must be static or pool, got \"" + c.workerAllocationMode + "\"");
        }
        if (c.maxPollRecords < 1) {
            problems.add("maxPollRecords", "must be at least 1, got " + c.maxPollRecords);
        }
        if (c.batchSize < 1 || c.batchSize > 10_000) {
            problems.add("batchSize", "must be from 1 (no batches) to 10000, got " + c.batchSize);
        }
        if (c.maxRetries < 0 || c.maxRetries > 1000) {
            problems.add("maxRetries", "must be from 0 to 1000, got " + c.maxRetries);
        }
        if (c.maxBufferedPerPartition < 0) {
            problems.add("maxBufferedPerPartition", "must be 0 (automatic) or more");
        }
        if (c.retryDelay == null || c.retryDelay.toMillis() < 1) {
            problems.add("retryDelay", "must be at least 1ms");
        } else if (c.maxRetryDelay == null || c.maxRetryDelay.compareTo(c.retryDelay) < 0) {
            problems.add("maxRetryDelay", "must be at least retryDelay");
        }
        if (c.commitInterval == null || c.commitInterval.toMillis() < 1) {
            problems.add("commitInterval", "must be at least 1ms");
        }
        if (c.sessionTimeout == null
                || c.heartbeatInterval == null
                || c.heartbeatInterval.compareTo(c.sessionTimeout) >= 0) {
            problems.add("heartbeatInterval", "must be shorter than sessionTimeout");
        }
        if (c.revokeTimeout == null || c.revokeTimeout.isNegative()) {
            problems.add("revokeTimeout", "must not be negative");
        } else if (c.consumerProperties != null) {
            checkRevokeTimeoutFitsThePollInterval(context, c, problems);
        }
        problems.throwIfAny();
        if (c.topics == null) {
            c.topics = List.of();
        }
        return new KafkaTrigger(
                context.functionName(),
                context.name(),
                c,
                context.numWorkers(),
                context.counter("nucleon.kafka.retries", "Kafka records handed to the handler again after a failure"),
                context.counter("nucleon.kafka.dead.letters", "Kafka records written to the dead-letter topic"));
    }
}
