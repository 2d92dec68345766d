package io.nucleon.trigger.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code attributes} of a {@code kafka} trigger, with their defaults. Bound from
 * {@code function.yaml}; unknown attributes are an error.
 */
public final class KafkaTriggerConfig {
    /** Bootstrap servers, e.g. {@code ["kafka-0:9092", "kafka-1:9092"]}. Required. */
    public List<String> brokers = new ArrayList<>();
    /** Topics to consume. Give these or {@link #topicPattern}. */
    public List<String> topics = new ArrayList<>();
    /** A regular expression of topics to consume instead of a list, e.g. {@code orders\..*}. */
    public String topicPattern = "";
    /** The consumer group; empty: the function's name. */
    public String consumerGroup = "";
    /** Where a group with no committed offset starts: {@code earliest} or {@code latest}. */
    public String initialOffset = "earliest";
    /** {@code static}: a partition's records run one at a time, in order; {@code pool}: they may run in parallel. */
    public String workerAllocationMode = KafkaTrigger.STATIC;
    /** Records fetched per poll. */
    public int maxPollRecords = 500;
    /** The consumer's session timeout. */
    public Duration sessionTimeout = Duration.ofSeconds(10);
    /** The consumer's heartbeat interval. */
    public Duration heartbeatInterval = Duration.ofSeconds(3);
    /** How often finished offsets are committed (asynchronously); they are also committed on revoke and stop. */
    public Duration commitInterval = Duration.ofSeconds(1);
    /** Records a partition may have fetched and unfinished before it is paused; 0: 20 times {@code maxPollRecords}. */
    public int maxBufferedPerPartition = 0;
    /** Attempts after the first before a failing record goes to the dead-letter topic. */
    public int maxRetries = 3;
    /**
     * The most records a worker hands a handler that takes batches (Python) at once: those already
     * waiting for a worker, never waiting for more. 1 (the default): no batches.
     */
    public int batchSize = 1;
    /** Delay before the first retry; doubled for each further one, up to {@link #maxRetryDelay}. */
    public Duration retryDelay = Duration.ofMillis(100);
    /** The longest delay between two attempts. */
    public Duration maxRetryDelay = Duration.ofSeconds(30);
    /** Where records go after the last retry; empty: {@code <topic>.dlq}. */
    public String deadLetterTopic = "";
    /** How long a revoked partition's in-flight records may take to finish before its offsets are committed. */
    public Duration revokeTimeout = Duration.ofSeconds(10);
    /**
     * Passed to the consumer as they are (SASL, TLS, fetch sizes …); the trigger's own settings win.
     * {@code fetch.max.wait.ms} defaults to 50 here rather than Kafka's 500 (see {@code KafkaTrigger.FETCH_MAX_WAIT_MS}).
     */
    public Map<String, String> consumerProperties = new LinkedHashMap<>();
    /** Passed to the dead-letter producer as they are. */
    public Map<String, String> producerProperties = new LinkedHashMap<>();
}
