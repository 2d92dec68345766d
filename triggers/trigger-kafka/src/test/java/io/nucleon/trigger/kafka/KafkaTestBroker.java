package io.nucleon.trigger.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import kafka.server.FaultHandlerFactory;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.SharedServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.raft.QuorumConfig;
import org.apache.kafka.server.ServerSocketFactory;
import org.apache.kafka.server.fault.FaultHandler;
import org.apache.kafka.server.fault.LoggingFaultHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * An in-process, single-node Kafka 4.x cluster for tests: one combined broker + controller in KRaft
 * mode (no ZooKeeper, no Docker), listening on 127.0.0.1, with its data in a temporary directory
 * that is deleted on {@link #close()}.
 *
 * <p>The node is assembled from Kafka's server classes the same way {@code KafkaRaftServer} does
 * it, with two differences that matter in tests: both listeners are bound to ephemeral ports
 * <em>before</em> the node starts (no "find a free port, then hope" race, and the controller
 * quorum address is known up front), and a fatal broker fault is recorded and reported by
 * {@link #close()} instead of halting the JVM.
 *
 * <pre>{@code
 * try (KafkaTestBroker kafka = KafkaTestBroker.start()) {
 *     kafka.createTopic("orders", 8);
 *     ... new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), ...)) ...
 * }
 * }</pre>
 */
public final class KafkaTestBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTestBroker.class);

    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final Path directory;
    private final String bootstrapServers;
    private final ControllerServer controller;
    private final BrokerServer broker;
    private final RecordingFaultHandlerFactory faults;
    private final PreboundSockets sockets;
    private volatile Admin admin;
    private boolean closed;

    private KafkaTestBroker(
            Path directory,
            String bootstrapServers,
            ControllerServer controller,
            BrokerServer broker,
            RecordingFaultHandlerFactory faults,
            PreboundSockets sockets) {
        this.directory = directory;
        this.bootstrapServers = bootstrapServers;
        this.controller = controller;
        this.broker = broker;
        this.faults = faults;
        this.sockets = sockets;
    }

    /** Starts a node with the default test configuration. */
    public static KafkaTestBroker start() {
        return start(Map.of());
    }

    /**
     * Starts a node; {@code overrides} are broker configs (e.g. {@code "group.max.session.timeout.ms"})
     * applied on top of the test defaults. Listener, quorum and directory settings are owned by this
     * class and must not be overridden.
     */
    public static KafkaTestBroker start(Map<String, String> overrides) {
        return start(0, overrides);
    }

    /**
     * Starts a node whose broker listener is on {@code brokerPort} of 127.0.0.1 (0: a free port), for
     * a test that points a client at a port before any broker listens there. Fails if the port is
     * taken. The controller listener always gets a free port.
     */
    public static KafkaTestBroker start(int brokerPort, Map<String, String> overrides) {
        long startNanos = System.nanoTime();
        Path directory = null;
        PreboundSockets sockets = new PreboundSockets();
        ControllerServer controller = null;
        BrokerServer broker = null;
        try {
            directory = Files.createTempDirectory("nucleon-kafka-");
            Path logDir = Files.createDirectories(directory.resolve("data"));
            int boundBrokerPort = sockets.bind(BROKER_LISTENER, brokerPort);
            int controllerPort = sockets.bind(CONTROLLER_LISTENER, 0);

            KafkaConfig config = new KafkaConfig(config(logDir, boundBrokerPort, controllerPort, overrides), false);
            format(config, logDir);

            // What KafkaRaftServer's constructor does, minus the JVM-global side effects
            // (log4j controller MBean, metrics reporters) and with our socket and fault handling.
            Tuple2<MetaPropertiesEnsemble, BootstrapMetadata> initialized =
                    KafkaRaftServer.initializeLogDirs(config, LOG, "[KafkaTestBroker] ");
            RecordingFaultHandlerFactory faults = new RecordingFaultHandlerFactory();
            SharedServer shared = new SharedServer(
                    config,
                    initialized._1(),
                    Time.SYSTEM,
                    new Metrics(),
                    CompletableFuture.completedFuture(QuorumConfig.parseVoterConnections(
                            config.quorumConfig().voters())),
                    List.of(),
                    faults,
                    sockets);
            controller = new ControllerServer(shared, KafkaRaftServer.configSchema(), initialized._2());
            broker = new BrokerServer(shared);

            // Same order as KafkaRaftServer.startup(): the controller first, so that the broker can
            // register with it. BrokerServer.startup() returns once the broker is unfenced.
            controller.startup();
            broker.startup();

            String bootstrap = HOST + ":" + boundBrokerPort;
            LOG.info(
                    "Kafka test broker up on {} in {} ms ({})",
                    bootstrap,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                    directory);
            return new KafkaTestBroker(directory, bootstrap, controller, broker, faults, sockets);
        } catch (Exception | Error e) {
            shutdownQuietly(broker, controller);
            sockets.closeUnused();
            if (directory != null) {
                deleteQuietly(directory);
            }
            throw new IllegalStateException("Kafka test broker failed to start", e);
        }
    }

    private static Map<String, Object> config(
            Path logDir, int brokerPort, int controllerPort, Map<String, String> overrides) {
        Map<String, Object> props = new HashMap<>();
        // Test tuning first, so that callers can override it.
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Let tests use short session timeouts (classic protocol: the client asks, within these
        // bounds), and make KIP-848 consumer groups react in well under a second instead of the
        // production 5 s heartbeats and 45 s session timeout.
        props.put("group.min.session.timeout.ms", "500");
        props.put("group.consumer.min.session.timeout.ms", "1000");
        props.put("group.consumer.session.timeout.ms", "10000");
        props.put("group.consumer.min.heartbeat.interval.ms", "100");
        props.put("group.consumer.heartbeat.interval.ms", "500");
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("auto.create.topics.enable", "false");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        props.put("broker.heartbeat.interval.ms", "500");
        props.putAll(overrides);

        // Identity, listeners, quorum and storage: owned by this class.
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put(
                "listeners",
                BROKER_LISTENER + "://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST + ":"
                        + controllerPort);
        props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        props.put(
                "listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("inter.broker.listener.name", BROKER_LISTENER);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        props.put("log.dirs", logDir.toString());
        return props;
    }

    /** The equivalent of {@code kafka-storage.sh format}: a fresh cluster id, static quorum. */
    private static void format(KafkaConfig config, Path logDir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(config.metadataLogDir())
                .addDirectory(logDir.toString())
                .run();
    }

    /** {@code host:port} of the broker's PLAINTEXT listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates a topic with replication factor 1 and waits until the broker leads every partition:
     * both its metadata (what clients are told) and its replica manager (what serves produce and
     * fetch requests, updated a moment later) agree, so the first send gets no
     * {@code NOT_LEADER_OR_FOLLOWER}.
     */
    public void createTopic(String name, int partitions) {
        Admin client = admin();
        try {
            client.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
            while (!ready(client, name, partitions) || !leadsLocally(name, partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Topic " + name + " did not get leaders in time");
                }
                // the poll interval of a condition wait: this class ships in the test-jar to modules
                // (benchmarks, examples) that have no Awaitility
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create topic " + name, e);
        }
    }

    private static boolean ready(Admin client, String name, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        TopicDescription description;
        try {
            description = client.describeTopics(List.of(name))
                    .allTopicNames()
                    .get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(name);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            throw e;
        }
        return description.partitions().size() == partitions
                && description.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    private boolean leadsLocally(String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            scala.Option<kafka.cluster.Partition> partition =
                    broker.replicaManager().onlinePartition(new TopicPartition(topic, p));
            if (partition.isEmpty() || !partition.get().isLeader()) {
                return false;
            }
        }
        return true;
    }

    private Admin admin() {
        Admin client = admin;
        if (client == null) {
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("Kafka test broker is closed");
                }
                client = admin;
                if (client == null) {
                    client = Admin.create(Map.of(
                            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                            bootstrapServers,
                            AdminClientConfig.CLIENT_ID_CONFIG,
                            "kafka-test-broker-admin"));
                    admin = client;
                }
            }
        }
        return client;
    }

    /**
     * Shuts the node down (controlled shutdown of the broker, then the controller), waits for it,
     * and deletes its directory. Idempotent. Fails if the node reported a fatal fault while running.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long startNanos = System.nanoTime();
        Admin client = admin;
        if (client != null) {
            client.close(Duration.ofSeconds(5));
        }
        shutdownQuietly(broker, controller);
        sockets.closeUnused();
        deleteQuietly(directory);
        LOG.info(
                "Kafka test broker {} stopped in {} ms",
                bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        Throwable fault = faults.firstFatal.get();
        if (fault != null) {
            throw new IllegalStateException("Kafka test broker had a fatal fault", fault);
        }
    }

    private static void shutdownQuietly(BrokerServer broker, ControllerServer controller) {
        // The broker goes first (as in KafkaRaftServer.shutdown()): its controlled shutdown needs
        // the controller. Each call stops its half of the SharedServer (raft client, metrics).
        if (broker != null) {
            try {
                broker.shutdown();
                broker.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("Error shutting down the Kafka test broker", e);
            }
        }
        if (controller != null) {
            try {
                controller.shutdown();
                controller.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("Error shutting down the Kafka test controller", e);
            }
        }
    }

    private static void deleteQuietly(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}", root, e);
        }
    }

    /**
     * Hands Kafka's socket servers listening sockets that were bound (to port 0) before the
     * configuration was written, so the ports in the configuration are guaranteed to be ours.
     * Once handed over, a socket belongs to Kafka's SocketServer, which closes it.
     */
    private static final class PreboundSockets implements ServerSocketFactory {
        private final Map<String, ServerSocketChannel> unused = new ConcurrentHashMap<>();

        /** Binds the listener's socket to {@code port} (0: a free one) and returns the port. */
        int bind(String listener, int port) throws IOException {
            ServerSocketChannel channel =
                    ServerSocketFactory.INSTANCE.openServerSocket(listener, new InetSocketAddress(HOST, port), -1, -1);
            unused.put(listener, channel);
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public ServerSocketChannel openServerSocket(
                String listener, InetSocketAddress address, int backlog, int receiveBufferSize) throws IOException {
            ServerSocketChannel channel = unused.remove(listener);
            if (channel != null) {
                return channel;
            }
            return ServerSocketFactory.INSTANCE.openServerSocket(listener, address, backlog, receiveBufferSize);
        }

        void closeUnused() {
            unused.values().forEach(channel -> {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debug("Could not close an unused socket", e);
                }
            });
            unused.clear();
        }
    }

    /**
     * Kafka's standard factory halts the JVM on a fatal fault; in a test JVM we log it, keep the
     * first one for {@link #close()}, and let the failing component throw.
     */
    private static final class RecordingFaultHandlerFactory implements FaultHandlerFactory {
        final AtomicReference<Throwable> firstFatal = new AtomicReference<>();

        @Override
        public FaultHandler build(String name, boolean fatal, Runnable action) {
            if (!fatal) {
                return new LoggingFaultHandler(name, action);
            }
            return (message, cause) -> {
                RuntimeException fault = new IllegalStateException(name + ": " + message, cause);
                LOG.error("Fatal fault in the Kafka test broker ({})", name, fault);
                firstFatal.compareAndSet(null, fault);
                try {
                    action.run();
                } catch (RuntimeException e) {
                    fault.addSuppressed(e);
                }
                return fault;
            };
        }
    }
}
