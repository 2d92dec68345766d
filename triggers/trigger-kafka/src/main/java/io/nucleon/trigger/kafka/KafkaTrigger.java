package io.nucleon.trigger.kafka;

import io.micrometer.core.instrument.Counter;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Durations;
import io.nucleon.spi.FailureHeaders;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kafka} trigger: one consumer in a group, polled by a thread of its own, handing
 * records to the trigger's workers through a {@link PartitionLane} per assigned partition.
 *
 * <pre>
 *  poll thread: poll ─▶ lane.add ─▶ pump ─dispatch─▶ workers ─outcome─▶ completion (worker thread)
 *               pause/resume by lane.buffered()            success: lane.finished ─▶ pump the next record (through
 *                                                            the completion's next: the same worker takes it)
 *               commitAsync(lowest unfinished) per interval  error/timeout: retry later (backoff) or
 *               commitSync on revoke and stop                   dead-letter topic (acked send) ─▶ finished
 * </pre>
 *
 * <p>Readiness follows the group membership: the trigger is ready once the consumer has joined its
 * group and received an assignment (an empty one counts: a group can have more members than
 * partitions), and not ready while it waits for a first or a new assignment, or after the poll loop
 * failed, or while it has sent no heartbeat for longer than its session timeout and has no broker
 * connection open (the group has put it out by then, though the consumer learns it only once it
 * reaches a broker again);
 * {@link #notReadyReason()} says which, since when, and whether any broker connection is open.
 *
 * <p>Threads, and what each may wait for (the module's README has the same list):
 * <ul>
 *   <li>the poll thread never waits for a worker or for room in the pool (a full pool answers
 *       {@link Outcome#REJECTED}, and the record is handed out again later by the timer thread). It
 *       waits in {@code poll} (at most {@value #POLL_TIMEOUT_MS} ms) and, inside a rebalance, for a
 *       revoked partition's running records ({@code revokeTimeout}), its commit and a partition-count
 *       lookup (each at most {@link #sideWaitMillis}); the factory checks that these stay below
 *       {@code max.poll.interval.ms}, past which the consumer is put out of its group;</li>
 *   <li>the timer thread only schedules and dispatches; it never blocks;</li>
 *   <li>the dead-letter thread may wait in {@code producer.send} up to the producer's
 *       {@code max.block.ms} (10 s unless {@code producerProperties} say otherwise) while the
 *       dead-letter topic's metadata is unknown or the producer's buffer is full;</li>
 *   <li>completions (on workers, the watchdog, or the dispatching thread) never block.</li>
 * </ul>
 *
 * <ul>
 *   <li>{@code static} mode hands out one record of a partition at a time, so a partition's records
 *       run in order (retries included); {@code pool} mode hands out several, and commits still
 *       follow the partition's order.</li>
 *   <li>An offset is committed only when its record and every earlier one of the partition have
 *       finished. A record that is not finished (the processor stopped, the partition was revoked
 *       or lost) is never committed past, so whoever owns the partition next reads it again.</li>
 *   <li>The poll loop never waits for handlers: a partition with too many records fetched and
 *       unfinished is paused, and resumed when it has drained; the consumer keeps polling.</li>
 * </ul>
 */
final class KafkaTrigger implements Trigger {
    static final String STATIC = "static";
    static final String POOL = "pool";
    static final String ERROR_HEADER = FailureHeaders.ERROR;
    static final String ATTEMPTS_HEADER = FailureHeaders.ATTEMPTS;
    static final String TOPIC_HEADER = "x-nucleon-original-topic";
    static final String PARTITION_HEADER = "x-nucleon-original-partition";
    static final String OFFSET_HEADER = "x-nucleon-original-offset";
    static final String FAILED_AT_HEADER = FailureHeaders.FAILED_AT;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTrigger.class);
    static final long POLL_TIMEOUT_MS = 100;
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(POLL_TIMEOUT_MS);
    /** Kafka's own default of {@code max.poll.interval.ms}. */
    static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;
    /** The longest a commit on revoke, or a partition-count lookup on assign, may hold the poll thread. */
    private static final long MAX_SIDE_WAIT_MS = 5_000;
    /** The final commit when the trigger closes (the poll thread is leaving the group anyway). */
    private static final Duration CLOSING_COMMIT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The consumer's {@code fetch.max.wait.ms} unless {@code consumerProperties} set it (Kafka's own
     * default is 500). The consumer keeps one fetch in flight per broker, and a paused partition is
     * left out of it; when every partition it does ask for is caught up, the broker holds that fetch
     * this long, and a partition resumed meanwhile waits for it before its own data is fetched. With
     * 500 ms, a partition still holding a backlog while the others were idle stalled for half a
     * second at every resume (benchmarks/README.md, KafkaThroughput).
     */
    static final String FETCH_MAX_WAIT_MS = "50";

    private static final long REJECTED_RETRY_MILLIS = 50;

    private final String functionName;
    private final String name;
    private final KafkaTriggerConfig config;
    private final String group;
    private final int maxInFlightPerPartition;
    private final int maxInFlightTotal;
    private final int maxBuffered;
    private final Counter retriesCounter;
    private final Counter deadLettersCounter;
    private final Map<TopicPartition, PartitionLane> lanes = new ConcurrentHashMap<>();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    /**
     * Records handed out and not finished, across partitions; kept in {@code pool} mode only, where
     * it caps what is handed out (in {@code static} mode each partition has at most one out, and a
     * counter shared by all workers would cost every record a cache-line transfer).
     */
    private final AtomicInteger inFlight = new AtomicInteger();

    private final boolean capped;
    /** A lane had records to hand out but the trigger's in-flight limit was reached. */
    private volatile boolean starved;

    private final AtomicLong received = new AtomicLong();
    private final java.util.concurrent.atomic.LongAdder handled = new java.util.concurrent.atomic.LongAdder();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final long sideWaitMillis;
    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private ScheduledExecutorService timers;
    private ExecutorService deadLetterSender;
    private volatile Thread pollThread;
    private Dispatcher dispatcher;
    private volatile boolean accepting;
    private volatile boolean running;
    private volatile Membership membership;
    private volatile Throwable pollFailure;
    /** The consumer's count of open broker connections, read by {@link #notReadyReason()}; set by the poll thread. */
    private volatile Metric connectionCount;
    /** The consumer's seconds since its last heartbeat; set by the poll thread. */
    private volatile Metric lastHeartbeat;
    /** No heartbeat for longer than the session timeout and no broker connection: see {@link #noteConnections}. */
    private volatile boolean cutOff;
    /** A worker drained a paused partition and woke the poll thread to resume it (one wake-up at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean resumeWanted =
            new java.util.concurrent.atomic.AtomicBoolean();

    KafkaTrigger(
            String functionName,
            String name,
            KafkaTriggerConfig config,
            int numWorkers,
            Counter retries,
            Counter deadLetters) {
        this.functionName = functionName;
        this.name = name;
        this.config = config;
        this.group = config.consumerGroup.isEmpty() ? functionName : config.consumerGroup;
        boolean pool = POOL.equals(config.workerAllocationMode);
        // Pausing is not free: a resumed partition's fetched leftover is kept by the consumer, but its next
        // fetch waits for the one in flight (see FETCH_MAX_WAIT_MS). With a small buffer, several busy
        // partitions pause and resume all the time (8 partitions ran at 0.36 of a raw consumer with
        // 1 000, 0.90 with 10 000; benchmarks/README.md)
        this.maxBuffered =
                config.maxBufferedPerPartition > 0 ? config.maxBufferedPerPartition : 20 * config.maxPollRecords;
        this.maxInFlightPerPartition = pool ? maxBuffered : 1;
        this.capped = pool;
        // enough to keep every worker busy without filling the pool's queue (a full queue answers REJECTED,
        // and a rejected record waits REJECTED_RETRY_MILLIS before it is handed out again)
        this.maxInFlightTotal = Math.max(numWorkers * 4, 16);
        this.retriesCounter = retries;
        this.deadLettersCounter = deadLetters;
        this.sideWaitMillis = sideWaitMillis(maxPollIntervalMillis(config.consumerProperties));
    }

    /** Where the consumer stands in its group; replaced as a whole, so readers see one consistent phase. */
    private record Membership(Phase phase, long sinceNanos) {
        static Membership now(Phase phase) {
            return new Membership(phase, System.nanoTime());
        }
    }

    private enum Phase {
        /** Started, no assignment received yet. */
        JOINING,
        /** Holds an assignment (possibly empty). */
        ASSIGNED,
        /** Its partitions were revoked, none is left, and no new assignment has come yet. */
        REVOKED,
        /** Its partitions were lost (it was put out of the group); awaiting a new assignment. */
        LOST
    }

    /**
     * The effective {@code max.poll.interval.ms}: from {@code consumerProperties}, or Kafka's default.
     *
     * @throws NumberFormatException when the property is set but is not a whole number
     */
    static long maxPollIntervalMillis(Map<String, String> consumerProperties) {
        String v = consumerProperties.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        return v == null ? DEFAULT_MAX_POLL_INTERVAL_MS : Long.parseLong(v.trim());
    }

    /**
     * The longest the poll thread waits for the commit of revoked partitions, and for a topic's
     * partition count on assign: 5 s, or a quarter of {@code max.poll.interval.ms} if that is less.
     */
    static long sideWaitMillis(long maxPollIntervalMillis) {
        return Math.max(1, Math.min(MAX_SIDE_WAIT_MS, maxPollIntervalMillis / 4));
    }

    @Override
    public void start(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        consumer = new KafkaConsumer<>(consumerProperties());
        producer = new KafkaProducer<>(producerProperties());
        timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nucleon-kafka-" + name + "-retries");
            t.setDaemon(true);
            return t;
        });
        deadLetterSender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "nucleon-kafka-" + name + "-dead-letters");
            t.setDaemon(true);
            return t;
        });
        membership = Membership.now(Phase.JOINING);
        Rebalance listener = new Rebalance();
        if (!config.topicPattern.isEmpty()) {
            consumer.subscribe(Pattern.compile(config.topicPattern), listener);
        } else {
            consumer.subscribe(config.topics, listener);
        }
        accepting = true;
        running = true;
        pollThread = new Thread(this::pollLoop, "nucleon-kafka-" + name + "-poll");
        pollThread.setDaemon(true);
        pollThread.start();
        LOG.atInfo()
                .addKeyValue("trigger", name)
                .addKeyValue("group", group)
                .addKeyValue("topics", config.topicPattern.isEmpty() ? config.topics : config.topicPattern)
                .addKeyValue("mode", config.workerAllocationMode)
                .log("kafka trigger consuming");
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        p.putAll(config.consumerProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", config.brokers));
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "nucleon-" + functionName + "-" + name);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, config.initialOffset);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.maxPollRecords));
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(config.sessionTimeout.toMillis()));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Long.toString(config.heartbeatInterval.toMillis()));
        p.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.putIfAbsent(
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                FETCH_MAX_WAIT_MS); // a resumed partition waits at most this long
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    private Properties producerProperties() {
        Properties p = new Properties();
        p.putAll(config.producerProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", config.brokers));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "nucleon-" + functionName + "-" + name + "-dlq");
        p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    // ---- the poll thread ------------------------------------------------------------------------

    private void pollLoop() {
        long nextCommit = System.nanoTime() + config.commitInterval.toNanos();
        try {
            connectionCount = findMetric("consumer-metrics", "connection-count");
            lastHeartbeat = findMetric("consumer-coordinator-metrics", "last-heartbeat-seconds-ago");
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL_TIMEOUT);
                } catch (WakeupException e) {
                    records = ConsumerRecords.empty(); // close() to stop, or a worker to resume a drained partition
                }
                resumeWanted.set(false);
                noteConnections();
                for (TopicPartition tp : records.partitions()) {
                    PartitionLane lane = lanes.get(tp);
                    if (lane != null) {
                        List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
                        received.addAndGet(rs.size());
                        lane.add(rs);
                    }
                }
                pumpAll(dispatcher);
                adjustPauses();
                if (System.nanoTime() - nextCommit >= 0) {
                    commit(lanes.values(), null);
                    nextCommit = System.nanoTime() + config.commitInterval.toNanos();
                }
            }
        } catch (Throwable t) {
            pollFailure = t;
            LOG.atError()
                    .setCause(t)
                    .addKeyValue("trigger", name)
                    .log("kafka poll loop failed; the trigger is not ready");
        } finally {
            try {
                commit(lanes.values(), CLOSING_COMMIT_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("trigger", name).log("final commit failed: " + e);
            }
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /** Pauses partitions with too much fetched and unfinished, resumes them once drained; pauses all when stopping. */
    private void adjustPauses() {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionLane lane : lanes.values()) {
            int buffered = lane.buffered();
            if (!lane.paused() && (!accepting || buffered >= maxBuffered)) {
                pause.add(lane.partition);
                lane.paused(true);
            } else if (lane.paused() && accepting && buffered <= maxBuffered / 2) {
                resume.add(lane.partition);
                lane.paused(false);
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    /**
     * Notes whether the consumer is cut off from its group: no heartbeat sent for longer than the
     * session timeout, and no broker connection open. Kept until a heartbeat is sent again, so a
     * connection attempt in flight (which the connection count includes) does not make it flicker.
     * During a rebalance heartbeats pause too, but the connection to the coordinator stays open.
     * Poll thread only; reads two gauges, so it costs little.
     */
    private void noteConnections() {
        double heartbeatAge = secondsSinceLastHeartbeat();
        boolean stale = heartbeatAge >= 0 && heartbeatAge * 1000 > config.sessionTimeout.toMillis();
        if (!stale && heartbeatAge < 0 && lastHeartbeat != null) {
            // none sent yet: an assignment whose first heartbeat never went out is as stale as its age
            Membership m = membership;
            stale = m.phase() == Phase.ASSIGNED && System.nanoTime() - m.sinceNanos() > config.sessionTimeout.toNanos();
        }
        if (!stale) {
            cutOff = false;
        } else if (!cutOff && openConnections() == 0) {
            cutOff = true;
        }
    }

    /**
     * Seconds since the consumer last sent a heartbeat to its group coordinator (whole seconds, as
     * Kafka's {@code last-heartbeat-seconds-ago}); -1 when unknown or none was sent yet.
     */
    private double secondsSinceLastHeartbeat() {
        Metric metric = lastHeartbeat;
        if (metric != null && metric.metricValue() instanceof Number n) {
            return n.doubleValue();
        }
        return -1;
    }

    /** One of the consumer's metrics, or {@code null} if this client has none such. Poll thread only. */
    private Metric findMetric(String group, String name) {
        for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
            if (name.equals(e.getKey().name()) && group.equals(e.getKey().group())) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * Commits what every given lane can commit: asynchronously when {@code syncTimeout} is null,
     * else synchronously, holding the poll thread at most {@code syncTimeout}. Poll thread only.
     */
    private void commit(Collection<PartitionLane> which, Duration syncTimeout) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<PartitionLane, Long> committing = new HashMap<>();
        for (PartitionLane lane : which) {
            long offset = lane.commitOffset();
            if (offset >= 0) {
                offsets.put(lane.partition, new OffsetAndMetadata(offset));
                committing.put(lane, offset);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        if (syncTimeout != null) {
            long deadline = System.nanoTime() + syncTimeout.toNanos();
            try {
                consumer.commitSync(offsets, syncTimeout);
            } catch (WakeupException e) {
                // a resume wake-up landed here: the flag is spent, the second try has what is left of the time
                consumer.commitSync(offsets, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            committing.forEach(PartitionLane::committed);
        } else {
            consumer.commitAsync(offsets, (done, error) -> {
                if (error == null) {
                    committing.forEach(PartitionLane::committed);
                } else {
                    LOG.atWarn()
                            .addKeyValue("trigger", name)
                            .log("offset commit failed (the next one retries): " + error);
                }
            });
        }
    }

    /** Joins and leaves of partitions; runs on the poll thread, inside poll(). */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                lanes.put(tp, new PartitionLane(tp, partitionCount(tp.topic())));
            }
            membership = Membership.now(Phase.ASSIGNED); // an empty assignment too: the consumer is in the group
            LOG.atInfo()
                    .addKeyValue("trigger", name)
                    .addKeyValue("partitions", partitions)
                    .log("partitions assigned");
        }

        /**
         * The topic's partition count (the events' {@code totalShards}), normally from the consumer's
         * metadata of a subscribed topic; the lookup holds the poll thread at most {@link #sideWaitMillis}.
         * 0 when it is not known in time (asked again on the next assignment).
         */
        private int partitionCount(String topic) {
            Integer known = partitionCounts.get(topic);
            if (known != null) {
                return known;
            }
            List<org.apache.kafka.common.PartitionInfo> info;
            try {
                try {
                    info = consumer.partitionsFor(topic, Duration.ofMillis(sideWaitMillis));
                } catch (WakeupException e) {
                    info = consumer.partitionsFor(topic, Duration.ofMillis(sideWaitMillis));
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.atWarn()
                        .addKeyValue("trigger", name)
                        .addKeyValue("topic", topic)
                        .log("the topic's partition count was not known within " + sideWaitMillis
                                + " ms; its events say totalShards 0");
                return 0;
            }
            if (info == null || info.isEmpty()) {
                return 0;
            }
            partitionCounts.put(topic, info.size());
            return info.size();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            List<PartitionLane> revoked = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                PartitionLane lane = lanes.get(tp);
                if (lane != null) {
                    lane.revoke();
                    revoked.add(lane);
                }
            }
            long deadline = System.nanoTime() + config.revokeTimeout.toNanos();
            for (PartitionLane lane : revoked) {
                while (lane.inFlight() > 0 && System.nanoTime() - deadline < 0) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            try {
                commit(revoked, Duration.ofMillis(sideWaitMillis));
            } catch (RuntimeException e) {
                LOG.atWarn()
                        .addKeyValue("trigger", name)
                        .log("commit on revoke failed; the new owner re-reads from the last commit: " + e);
            }
            for (TopicPartition tp : partitions) {
                lanes.remove(tp);
            }
            if (!partitions.isEmpty() && lanes.isEmpty()) {
                membership = Membership.now(Phase.REVOKED); // until the group hands out a new assignment
            }
            if (!partitions.isEmpty()) {
                LOG.atInfo()
                        .addKeyValue("trigger", name)
                        .addKeyValue("partitions", partitions)
                        .log("partitions revoked");
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                PartitionLane lane = lanes.remove(tp);
                if (lane != null) {
                    lane.revoke(); // no commit: another member may own it already
                }
            }
            membership = Membership.now(Phase.LOST);
            LOG.atWarn()
                    .addKeyValue("trigger", name)
                    .addKeyValue("partitions", partitions)
                    .log("partitions lost");
        }
    }

    // ---- handing out records --------------------------------------------------------------------

    private void pumpAll(Dispatcher via) {
        for (PartitionLane lane : lanes.values()) {
            pump(lane, via);
        }
    }

    /**
     * Hands out the lane's next records while the lane and the trigger have room, through {@code via}:
     * the trigger's dispatcher, or, from a record's completion, the {@code next} it was given, so that
     * the worker that finished a record takes the partition's next one without waking another. Any thread.
     */
    private void pump(PartitionLane lane, Dispatcher via) {
        while (accepting) {
            if (capped && inFlight.get() >= maxInFlightTotal) {
                if (lane.hasPending()) {
                    starved = true; // the next finish hands out records of every lane again
                }
                return;
            }
            PartitionLane.Taken t = lane.take(maxInFlightPerPartition);
            if (t == null) {
                return;
            }
            if (capped) {
                inFlight.incrementAndGet();
            }
            dispatch(lane, t, 1, via);
        }
    }

    private void dispatch(PartitionLane lane, PartitionLane.Taken taken, int attempt, Dispatcher via) {
        KafkaEvent event = new KafkaEvent(name, taken.record(), lane.totalShards, attempt);
        via.dispatch(event, new RecordCompletion(lane, taken, attempt));
    }

    /**
     * What to do with a record once its event has ended. Runs on the thread that ended it. Takes the
     * outcome only: a handler's result is never turned into a response (nor serialised) here.
     */
    private final class RecordCompletion implements Completion {
        private final PartitionLane lane;
        private final PartitionLane.Taken taken;
        private final int attempt;

        RecordCompletion(PartitionLane lane, PartitionLane.Taken taken, int attempt) {
            this.lane = lane;
            this.taken = taken;
            this.attempt = attempt;
        }

        @Override
        public boolean wantsResponse() {
            return false;
        }

        @Override
        public int batchLimit() {
            return config.batchSize;
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            complete(event, outcome, response, error, dispatcher);
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error, Dispatcher next) {
            switch (outcome) {
                case SUCCESS -> {
                    handled.increment();
                    finish(lane, taken, next);
                }
                case REJECTED ->
                    later(REJECTED_RETRY_MILLIS, () -> dispatch(lane, taken, attempt, dispatcher)); // not an attempt
                case HANDLER_ERROR, TIMEOUT -> {
                    String reason = outcome == Outcome.TIMEOUT
                            ? "the handler ran past the event timeout"
                            : String.valueOf(error);
                    if (attempt <= config.maxRetries) {
                        retried.incrementAndGet();
                        retriesCounter.increment();
                        later(retryDelay(attempt).toMillis(), () -> dispatch(lane, taken, attempt + 1, dispatcher));
                    } else {
                        sendDeadLetter(lane, taken, reason, attempt);
                    }
                }
            }
        }

        /** Runs {@code again} after a delay, unless the trigger stopped or lost the partition meanwhile. */
        private void later(long delayMillis, Runnable again) {
            Runnable task = () -> {
                if (accepting && !lane.isRevoked()) {
                    again.run();
                } else {
                    giveBack(lane);
                }
            };
            try {
                timers.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                giveBack(lane);
            }
        }
    }

    Duration retryDelay(int attempt) {
        return Durations.backoff(config.retryDelay, config.maxRetryDelay, attempt);
    }

    /** The record is done with: its offset may be committed, and the lane hands out more through {@code via}. */
    private void finish(PartitionLane lane, PartitionLane.Taken taken, Dispatcher via) {
        lane.finished(taken.position());
        if (capped) {
            inFlight.decrementAndGet();
        }
        if (lane.paused()
                && accepting
                && lane.buffered() <= maxBuffered / 2
                && resumeWanted.compareAndSet(false, true)) {
            consumer.wakeup(); // resume it now rather than after the poll times out
        }
        pump(lane, via);
        if (starved) {
            starved = false;
            pumpAll(via); // other partitions waited for room
        }
    }

    private void giveBack(PartitionLane lane) {
        lane.gaveBack();
        if (capped) {
            inFlight.decrementAndGet();
        }
    }

    /** Hands a dead letter to the dead-letter thread, whose {@code send} may block (see the class comment). */
    private void sendDeadLetter(PartitionLane lane, PartitionLane.Taken taken, String reason, int attempts) {
        try {
            deadLetterSender.execute(() -> deadLetter(lane, taken, reason, attempts));
        } catch (RejectedExecutionException closing) {
            giveBack(lane); // not written, so not finished: the offset stays uncommitted
        }
    }

    /** Writes the dead letter; on the dead-letter thread. */
    private void deadLetter(PartitionLane lane, PartitionLane.Taken taken, String reason, int attempts) {
        ConsumerRecord<byte[], byte[]> record = taken.record();
        String topic = config.deadLetterTopic.isEmpty() ? record.topic() + ".dlq" : config.deadLetterTopic;
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(ATTEMPTS_HEADER, Integer.toString(attempts).getBytes(StandardCharsets.UTF_8));
        headers.add(TOPIC_HEADER, record.topic().getBytes(StandardCharsets.UTF_8));
        headers.add(PARTITION_HEADER, Integer.toString(record.partition()).getBytes(StandardCharsets.UTF_8));
        headers.add(OFFSET_HEADER, Long.toString(record.offset()).getBytes(StandardCharsets.UTF_8));
        headers.add(FAILED_AT_HEADER, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
        ProducerRecord<byte[], byte[]> dead =
                new ProducerRecord<>(topic, null, record.timestamp(), record.key(), record.value(), headers);
        try {
            producer.send(dead, (metadata, error) -> {
                if (error == null) {
                    deadLettered.incrementAndGet();
                    deadLettersCounter.increment();
                    LOG.atWarn()
                            .addKeyValue("trigger", name)
                            .addKeyValue("record", record.topic() + "-" + record.partition() + "@" + record.offset())
                            .addKeyValue("attempts", attempts)
                            .log("record failed; dead-lettered to '" + topic + "'");
                    finishOffProducerThread(lane, taken);
                } else {
                    retryDeadLetter(lane, taken, reason, attempts, topic, error);
                }
            });
        } catch (RuntimeException e) {
            retryDeadLetter(lane, taken, reason, attempts, topic, e);
        }
    }

    /**
     * Finishes a dead-lettered record from the producer's I/O thread, which calls the send callback:
     * finishing hands out the partition's next record, and that dispatch belongs on a thread of ours.
     */
    private void finishOffProducerThread(PartitionLane lane, PartitionLane.Taken taken) {
        try {
            deadLetterSender.execute(() -> finish(lane, taken, dispatcher));
        } catch (RejectedExecutionException closing) {
            finish(
                    lane,
                    taken,
                    dispatcher); // written and acknowledged: it counts as done; nothing is handed out while closing
        }
    }

    /** A dead letter that could not be written is tried again; its offset stays uncommitted meanwhile. */
    private void retryDeadLetter(
            PartitionLane lane, PartitionLane.Taken taken, String reason, int attempts, String topic, Throwable error) {
        LOG.atError()
                .addKeyValue("trigger", name)
                .addKeyValue("topic", topic)
                .log("cannot write a dead letter (" + error + "); trying again in " + config.maxRetryDelay.toMillis()
                        + " ms");
        try {
            timers.schedule(
                    () -> {
                        if (running && !lane.isRevoked()) {
                            sendDeadLetter(lane, taken, reason, attempts);
                        } else {
                            giveBack(lane);
                        }
                    },
                    config.maxRetryDelay.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            giveBack(lane);
        }
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    /** Ready once the consumer holds an assignment (possibly empty) and while it keeps one; never blocks. */
    @Override
    public boolean isReady() {
        Membership m = membership;
        return accepting
                && pollFailure == null
                && pollThread != null
                && pollThread.isAlive()
                && m != null
                && m.phase() == Phase.ASSIGNED
                && !cutOff;
    }

    /** What the trigger waits for, since when; reads only volatile state and a metric, so it never blocks. */
    @Override
    public String notReadyReason() {
        Membership m = membership;
        if (m == null) {
            return "not started";
        }
        Throwable failure = pollFailure;
        if (failure != null) {
            return "poll loop failed: " + failure;
        }
        if (!accepting) {
            return "stopping: no records are handed out";
        }
        Thread poller = pollThread;
        if (poller != null && !poller.isAlive()) {
            return "the poll thread has ended";
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - m.sinceNanos());
        String where = "consumer group '" + group + "' (brokers " + String.join(",", config.brokers) + ")";
        String why = switch (m.phase()) {
            case ASSIGNED -> cutOffReason(where);
            case JOINING -> "not yet joined " + where + " after " + seconds + " s";
            case REVOKED -> "partitions revoked " + seconds + " s ago; waiting for a new assignment from " + where;
            case LOST -> "partitions lost " + seconds + " s ago (put out of the group); rejoining " + where;
        };
        if (why != null && m.phase() != Phase.ASSIGNED && openConnections() == 0) {
            why += "; no broker connection is open";
        }
        return why;
    }

    /** Why an assigned consumer is not ready, or {@code null} while it is in touch with its group. */
    private String cutOffReason(String where) {
        if (!cutOff) {
            return null;
        }
        double age = secondsSinceLastHeartbeat();
        return "no broker connection open and no heartbeat sent "
                + (age < 0 ? "since the assignment" : "for " + Math.round(age) + " s")
                + ", longer than the session timeout (" + Durations.format(config.sessionTimeout) + "): " + where
                + " has likely handed this member's partitions to others";
    }

    /** Open broker connections of the consumer, or -1 when unknown. */
    private long openConnections() {
        Metric metric = connectionCount;
        if (metric != null && metric.metricValue() instanceof Number n) {
            return n.longValue();
        }
        return -1;
    }

    @Override
    public void stopAccepting() {
        accepting = false; // the poll thread pauses every partition and keeps the membership alive
    }

    @Override
    public void close() {
        accepting = false;
        running = false;
        if (timers != null) {
            timers.shutdownNow();
        }
        if (deadLetterSender != null) {
            deadLetterSender.shutdownNow(); // a record whose dead letter is not written stays uncommitted
        }
        if (pollThread != null) {
            consumer.wakeup();
            try {
                pollThread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("brokers", config.brokers);
        m.put("group", group);
        m.put("topics", config.topicPattern.isEmpty() ? config.topics : config.topicPattern);
        m.put("mode", config.workerAllocationMode);
        Membership membershipNow = membership;
        if (membershipNow != null) {
            m.put("membership", membershipNow.phase().name().toLowerCase(java.util.Locale.ROOT));
        }
        m.put("brokerConnections", openConnections());
        m.put("secondsSinceHeartbeat", secondsSinceLastHeartbeat());
        m.put("assigned", lanes.size());
        m.put("received", received.get());
        m.put("handled", handled.sum());
        m.put("retried", retried.get());
        m.put("deadLettered", deadLettered.get());
        m.put(
                "inFlight",
                capped
                        ? inFlight.get()
                        : lanes.values().stream()
                                .mapToInt(PartitionLane::inFlight)
                                .sum());
        Map<String, Object> parts = new LinkedHashMap<>();
        for (PartitionLane lane : lanes.values()) {
            parts.put(
                    lane.partition.toString(),
                    Map.of("committed", lane.lastCommitted(), "buffered", lane.buffered(), "paused", lane.paused()));
        }
        m.put("partitions", parts);
        if (pollFailure != null) {
            m.put("failure", pollFailure.toString());
        }
        return m;
    }
}
