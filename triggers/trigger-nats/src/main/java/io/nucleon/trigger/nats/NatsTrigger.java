package io.nucleon.trigger.nats;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ConsumeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.ErrorListener;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsJetStreamMetaData;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Durations;
import io.nucleon.spi.FailureHeaders;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.Trigger;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code nats} trigger, in one of two modes.
 *
 * <p><b>JetStream</b> ({@code stream} set), at least once:
 *
 * <pre>
 *  stream ──pull──▶ reader thread ──dispatch──▶ workers ──outcome──▶ Delivery
 *                    (waits for room:                                  │ success: ack
 *                     maxAckPending)                                   │ failure, attempt ≤ maxRetries: NAK with delay
 *                                                                      │ failure, attempts exhausted: dead letter
 *                                                                      ▼ (JetStream publish, stored), then ack
 * </pre>
 *
 * A message is acknowledged only after its handler succeeded or its dead letter was stored; a
 * failure is given back with a NAK whose delay grows ({@code retryDelay} doubling to
 * {@code maxRetryDelay}), and the server's delivery count is the attempt (a delivery that ended
 * without an outcome, because the processor stopped or died, counts too: the server cannot tell). A
 * message delivered more than {@code maxRetries + 1 +} {@value #UNFINISHED_DELIVERIES} times is
 * dead-lettered without running it again: it likely kills the processor that handles it. While a message is held (running, or waiting for a
 * worker) the trigger reports progress every third of {@code ackWait}, so the server does not
 * deliver it elsewhere. The reader thread takes a message only when fewer than
 * {@code maxAckPending} are in flight, so the pool never has to reject one; a rejection (the pool
 * full anyway) is dispatched again after a backoff, not counted as an attempt.
 *
 * <p><b>Core NATS</b> (no stream), at most once: a subscription per subject in the queue group
 * {@code queueName}; a message is handled once or, if the handler fails or the processor is away,
 * lost. The client's thread waits for room ({@code maxAckPending}) before it dispatches.
 *
 * <p>Connecting: a thread of the trigger connects, retrying with backoff, then sets up (or checks)
 * the stream, the consumer and the dead-letter stream, retrying the same way; the trigger is not
 * ready meanwhile and {@link #notReadyReason()} says why. Once connected the client reconnects by
 * itself (forever), and the trigger is not ready while disconnected. The durable consumer lives on
 * the server, so messages not acknowledged when the connection or the processor went are delivered
 * again after {@code ackWait}.
 */
final class NatsTrigger implements Trigger {
    /** The subject the failed message was published to, on dead letters. */
    static final String SUBJECT_HEADER = "x-nucleon-subject";
    /** The stream and its sequence of the failed message, on dead letters. */
    static final String STREAM_HEADER = "x-nucleon-stream";

    static final String SEQUENCE_HEADER = "x-nucleon-stream-sequence";
    /** The first backoff before a rejected message is dispatched again. */
    static final Duration REJECTED_RETRY_DELAY = Duration.ofMillis(50);
    /** The longest backoff between two dispatches of a rejected message. */
    static final Duration MAX_REJECTED_RETRY_DELAY = Duration.ofSeconds(1);

    /**
     * Deliveries without an outcome (the processor stopped or died while holding the message) that
     * a message may have beyond its {@code maxRetries + 1} attempts before it is dead-lettered
     * without running the handler again: a message that kills its processor does not loop forever,
     * and a few restarts do not dead-letter a message that never failed.
     */
    static final int UNFINISHED_DELIVERIES = 10;

    /** How long one pull request lasts on the server. */
    static final Duration PULL_EXPIRES = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(NatsTrigger.class);

    /** What the factory worked out from the attributes and the function. */
    record Settings(
            String functionName,
            String name,
            List<String> servers,
            String safeServers,
            boolean jetStream,
            String queue,
            String consumer,
            Duration ackWait,
            String deadLetterSubject,
            String deadLetterStream) {}

    private final Settings settings;
    private final NatsTriggerConfig config;
    private final String name;
    private final Semaphore room;
    /** Messages taken and not yet acknowledged or given back: they get in-progress acks. */
    private final Set<Message> held = ConcurrentHashMap.newKeySet();

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong givenBack = new AtomicLong();
    private final AtomicLong redispatched = new AtomicLong();
    private final Object lifecycle = new Object();

    private Dispatcher dispatcher;
    private ExecutorService failures;
    private ScheduledExecutorService timer;
    private Thread reader;
    private volatile Connection connection;
    private volatile IterableConsumer iterator;
    private volatile io.nats.client.Dispatcher coreSubscriptions;
    private volatile JetStream jetStream;
    private volatile boolean accepting;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile boolean consuming;
    private volatile long disconnectedSince;
    /** What the reader thread waits for before it consumes; {@code null} once consuming. */
    private volatile String waitingFor = "connecting";

    NatsTrigger(Settings settings, NatsTriggerConfig config) {
        this.settings = settings;
        this.config = config;
        this.name = settings.name();
        this.room = new Semaphore(config.maxAckPending);
    }

    @Override
    public void start(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        failures = new ThreadPoolExecutor(
                1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), daemon("dead-letters"));
        timer = new ScheduledThreadPoolExecutor(1, daemon("timer"));
        accepting = true;
        if (settings.jetStream()) {
            long every = Math.max(200, settings.ackWait().toMillis() / 3);
            timer.scheduleWithFixedDelay(this::reportProgress, every, every, TimeUnit.MILLISECONDS);
        }
        reader = daemon("reader").newThread(this::run);
        reader.start();
    }

    private ThreadFactory daemon(String role) {
        return r -> {
            Thread t = new Thread(r, "nucleon-nats-" + name + "-" + role);
            t.setDaemon(true);
            return t;
        };
    }

    /** The reader thread: connect, set up, then read until the trigger stops accepting. */
    private void run() {
        try {
            Connection c = connectWithBackoff();
            if (c == null) {
                return;
            }
            if (settings.jetStream()) {
                readJetStream(c);
            } else {
                subscribeCore(c);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (accepting) {
                waitingFor = "the reader stopped: " + e;
                LOG.atError().setCause(e).addKeyValue("trigger", name).log("nats trigger reader stopped");
            }
        }
    }

    private Connection connectWithBackoff() throws InterruptedException {
        Options options = options();
        for (int attempt = 1; accepting; attempt++) {
            try {
                Connection c = Nats.connect(options);
                synchronized (lifecycle) {
                    if (closed) {
                        c.close();
                        return null;
                    }
                    connection = c;
                }
                connected = true;
                return c;
            } catch (IOException e) {
                Duration wait = Durations.backoff(config.connectRetryDelay, config.maxConnectRetryDelay, attempt);
                waitingFor = "cannot connect to " + settings.safeServers() + ": " + message(e) + " (attempt " + attempt
                        + "; next in " + Durations.format(wait) + ")";
                LOG.atWarn().addKeyValue("trigger", name).log(waitingFor);
                if (!pause(wait)) {
                    return null;
                }
            }
        }
        return null;
    }

    private Options options() {
        Options.Builder b = new Options.Builder()
                .servers(settings.servers().toArray(new String[0]))
                .connectionName("nucleon " + settings.functionName() + "/" + name)
                .connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(-1)
                .reconnectWait(config.connectRetryDelay)
                .pingInterval(Duration.ofSeconds(5))
                .maxPingsOut(2)
                .connectionListener(this::connectionEvent)
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection conn, String error) {
                        LOG.atWarn().addKeyValue("trigger", name).log("nats server error: " + error);
                    }

                    @Override
                    public void exceptionOccurred(Connection conn, Exception exp) {
                        LOG.atDebug().addKeyValue("trigger", name).log("nats client exception: " + exp);
                    }
                });
        if (!config.username.isEmpty()) {
            b.userInfo(config.username, config.password);
        }
        if (!config.token.isEmpty()) {
            b.token(config.token.toCharArray());
        }
        return b.build();
    }

    private void connectionEvent(Connection c, ConnectionListener.Events event) {
        switch (event) {
            case CONNECTED, RECONNECTED, RESUBSCRIBED -> {
                if (!connected) {
                    LOG.atInfo().addKeyValue("trigger", name).log("connection to NATS " + event.getEvent());
                }
                connected = true;
            }
            case DISCONNECTED, CLOSED -> {
                if (connected) {
                    disconnectedSince = System.nanoTime();
                    if (event == ConnectionListener.Events.DISCONNECTED) {
                        LOG.atWarn().addKeyValue("trigger", name).log("connection to NATS lost, reconnecting");
                    }
                }
                connected = false;
            }
            default -> {
                // discovered servers, lame duck mode: the client deals with them
            }
        }
    }

    /** Waits for the backoff; false when the trigger stopped meanwhile. */
    private boolean pause(Duration wait) throws InterruptedException {
        long until = System.nanoTime() + wait.toNanos();
        synchronized (lifecycle) {
            while (!closed && accepting) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                TimeUnit.NANOSECONDS.timedWait(lifecycle, left);
            }
        }
        return false;
    }

    // ---- core NATS ----

    private void subscribeCore(Connection c) {
        io.nats.client.Dispatcher d = c.createDispatcher(this::onCoreMessage);
        for (String subject : config.subjects) {
            d.subscribe(subject, settings.queue());
        }
        coreSubscriptions = d;
        consuming = true;
        waitingFor = null;
        LOG.atInfo()
                .addKeyValue("trigger", name)
                .addKeyValue("subjects", config.subjects)
                .addKeyValue("queue", settings.queue())
                .log("nats trigger subscribed (core NATS: at most once)");
    }

    /** On the client's dispatcher thread: waits for room, so the client buffers (up to its limits) meanwhile. */
    private void onCoreMessage(Message m) throws InterruptedException {
        while (accepting && !room.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            // waiting for room; the client's buffer holds what arrives meanwhile
        }
        if (!accepting) {
            return; // at most once: not taken
        }
        delivered.incrementAndGet();
        dispatcher.dispatch(new NatsEvent(name, m), new CoreDelivery());
    }

    /** A core NATS message's end: nothing to acknowledge. */
    private final class CoreDelivery implements Completion {
        @Override
        public boolean wantsResponse() {
            return false;
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            room.release();
            if (outcome == Outcome.SUCCESS) {
                acked.incrementAndGet();
            } else {
                failed.incrementAndGet();
                LOG.atWarn()
                        .addKeyValue("trigger", name)
                        .addKeyValue("eventId", event.id())
                        .log("core NATS message not handled (" + outcome
                                + "); it is not delivered again (at most once)");
            }
        }
    }

    // ---- JetStream ----

    private void readJetStream(Connection c) throws InterruptedException {
        IterableConsumer it = null;
        for (int attempt = 1; accepting && it == null; attempt++) {
            try {
                jetStream = c.jetStream(JetStreamOptions.builder()
                        .requestTimeout(config.publishTimeout)
                        .build());
                setUpTopology(c);
                ConsumerContext cc = c.getConsumerContext(config.stream, settings.consumer());
                it = cc.iterate(ConsumeOptions.builder()
                        .batchSize(Math.min(config.maxAckPending, 256))
                        // short pulls: after a server restart the pull under way is gone, and a
                        // missed heartbeat (half of this) is what makes the client pull again
                        .expiresIn(PULL_EXPIRES.toMillis())
                        .build());
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                Duration wait = Durations.backoff(config.connectRetryDelay, config.maxConnectRetryDelay, attempt);
                waitingFor = message(e) + " (attempt " + attempt + "; next in " + Durations.format(wait) + ")";
                LOG.atError().addKeyValue("trigger", name).log(waitingFor);
                if (!pause(wait)) {
                    return;
                }
            }
        }
        if (it == null) {
            return;
        }
        iterator = it;
        consuming = true;
        waitingFor = null;
        LOG.atInfo()
                .addKeyValue("trigger", name)
                .addKeyValue("stream", config.stream)
                .addKeyValue("consumer", settings.consumer())
                .addKeyValue("maxAckPending", config.maxAckPending)
                .log("nats trigger consuming (JetStream)");
        try {
            while (accepting) {
                if (!room.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                Message m;
                try {
                    m = it.nextMessage(Duration.ofMillis(200));
                } catch (JetStreamStatusCheckedException e) {
                    room.release();
                    LOG.atWarn().addKeyValue("trigger", name).log("pull status: " + message(e));
                    continue;
                }
                if (m == null) {
                    room.release();
                    continue;
                }
                onJetStreamMessage(m);
            }
        } finally {
            it.stop();
            consuming = false;
            giveBackPrefetched(it);
        }
    }

    /** Messages the client pulled ahead that were never dispatched go back at once, not after ackWait. */
    private void giveBackPrefetched(IterableConsumer it) {
        try {
            Message m;
            while ((m = it.nextMessage(Duration.ofMillis(50))) != null) {
                m.nak();
                givenBack.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (JetStreamStatusCheckedException | RuntimeException e) {
            LOG.debug("trigger '{}': giving back prefetched messages stopped: {}", name, e.toString());
        }
    }

    private void onJetStreamMessage(Message m) {
        delivered.incrementAndGet();
        held.add(m);
        NatsEvent event = new NatsEvent(name, m);
        JetStreamDelivery delivery = new JetStreamDelivery(m, 0);
        if (event.attempt() > config.maxRetries + 1 + UNFINISHED_DELIVERIES) {
            // delivered again and again without an outcome: it likely kills the processor that handles it
            String reason = "delivered " + event.attempt() + " times, " + (event.attempt() - 1)
                    + " of them without an outcome (the processor stopped or died while holding it)";
            delivery.deadLetterLater(event, reason);
            return;
        }
        dispatcher.dispatch(event, delivery);
    }

    /**
     * Creates (or, with {@code create: false}, checks) the stream, the durable consumer and the
     * stream that keeps dead letters.
     */
    private void setUpTopology(Connection c) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = c.jetStreamManagement();
        StreamInfo stream = streamInfo(jsm, config.stream);
        if (stream == null) {
            if (!config.create) {
                throw new IOException("stream '" + config.stream + "' does not exist (create: false only binds to an"
                        + " existing stream; set create: true to create it)");
            }
            jsm.addStream(StreamConfiguration.builder()
                    .name(config.stream)
                    .subjects(config.subjects)
                    .storageType(StorageType.File)
                    .build());
        }
        if (config.create) {
            ConsumerConfiguration.Builder cc = ConsumerConfiguration.builder()
                    .durable(settings.consumer())
                    .ackPolicy(AckPolicy.Explicit)
                    .ackWait(settings.ackWait())
                    .deliverPolicy(DeliverPolicy.All)
                    .maxDeliver(-1) // the trigger counts attempts and dead-letters: the server must not drop
                    .maxAckPending(config.maxAckPending);
            if (!config.subjects.isEmpty()) {
                cc.filterSubjects(config.subjects);
            }
            jsm.addOrUpdateConsumer(config.stream, cc.build());
        } else {
            try {
                jsm.getConsumerInfo(config.stream, settings.consumer());
            } catch (JetStreamApiException e) {
                throw new IOException("consumer '" + settings.consumer() + "' of stream '" + config.stream
                        + "' does not exist (create: false only binds to an existing consumer): "
                        + e.getErrorDescription());
            }
        }
        List<String> keepers = jsm.getStreamNames(settings.deadLetterSubject());
        if (keepers.isEmpty()) {
            if (!config.create) {
                throw new IOException("no stream stores the dead-letter subject '" + settings.deadLetterSubject()
                        + "' (create: false; create a stream for it or set create: true)");
            }
            StreamInfo dlq = streamInfo(jsm, settings.deadLetterStream());
            if (dlq == null) {
                jsm.addStream(StreamConfiguration.builder()
                        .name(settings.deadLetterStream())
                        .subjects(settings.deadLetterSubject())
                        .storageType(StorageType.File)
                        .build());
            } else {
                jsm.updateStream(StreamConfiguration.builder(dlq.getConfiguration())
                        .addSubjects(settings.deadLetterSubject())
                        .build());
            }
        }
    }

    private static StreamInfo streamInfo(JetStreamManagement jsm, String stream)
            throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == 10059) { // stream not found
                return null;
            }
            throw e;
        }
    }

    /** Keeps the server from delivering held messages elsewhere while they run or wait for a worker. */
    private void reportProgress() {
        if (!connected) {
            return;
        }
        for (Message m : held) {
            try {
                m.inProgress();
            } catch (RuntimeException e) {
                LOG.debug("trigger '{}': in-progress ack not sent: {}", name, e.toString());
            }
        }
    }

    /** A JetStream message's end: ack, NAK with delay, or dead letter. Never blocks. */
    private final class JetStreamDelivery implements Completion {
        private final Message message;
        private final int rejections;

        JetStreamDelivery(Message message, int rejections) {
            this.message = message;
            this.rejections = rejections;
        }

        @Override
        public boolean wantsResponse() {
            return false;
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            NatsEvent e = (NatsEvent) event;
            switch (outcome) {
                case SUCCESS -> {
                    if (send(message::ack)) {
                        acked.incrementAndGet();
                    }
                    done();
                }
                case REJECTED -> hold(e);
                case HANDLER_ERROR, TIMEOUT -> {
                    String reason = outcome == Outcome.TIMEOUT
                            ? "the handler ran past the event timeout"
                            : String.valueOf(error);
                    int attempt = e.attempt();
                    if (attempt <= config.maxRetries) {
                        Duration delay = Durations.backoff(config.retryDelay, config.maxRetryDelay, attempt);
                        if (send(() -> message.nakWithDelay(delay))) {
                            retried.incrementAndGet();
                        }
                        LOG.atWarn()
                                .addKeyValue("trigger", name)
                                .addKeyValue("eventId", e.id())
                                .addKeyValue("attempt", attempt)
                                .log("message failed (" + reason + "); retry " + attempt + " of " + config.maxRetries
                                        + " in " + Durations.format(delay));
                        done();
                    } else {
                        deadLetterLater(e, reason);
                    }
                }
            }
        }

        /** The pool had no room: dispatched again after a backoff (not an attempt), or given back when stopping. */
        private void hold(NatsEvent e) {
            if (!accepting) {
                if (send(message::nak)) {
                    givenBack.incrementAndGet();
                }
                done();
                return;
            }
            Duration delay = Durations.backoff(REJECTED_RETRY_DELAY, MAX_REJECTED_RETRY_DELAY, rejections + 1);
            try {
                timer.schedule(
                        () -> {
                            redispatched.incrementAndGet();
                            dispatcher.dispatch(e, new JetStreamDelivery(message, rejections + 1));
                        },
                        delay.toNanos(),
                        TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                send(message::nak);
                done();
            }
        }

        void deadLetterLater(NatsEvent e, String reason) {
            try {
                failures.execute(() -> deadLetter(e, reason));
            } catch (RejectedExecutionException closing) {
                send(message::nak);
                done();
            }
        }

        /** On the dead-letters thread: publish, wait for the server to store it, then ack. */
        private void deadLetter(NatsEvent e, String reason) {
            NatsJetStreamMetaData meta = message.metaData();
            Headers h = new Headers();
            Headers original = message.getHeaders();
            if (original != null) {
                original.forEach((k, v) -> {
                    if (!k.equals(NatsEvent.MSG_ID)) {
                        h.put(k, v);
                    }
                });
            }
            h.put(FailureHeaders.ATTEMPTS, Integer.toString(e.attempt()));
            h.put(FailureHeaders.ERROR, reason);
            h.put(FailureHeaders.FAILED_AT, Instant.now().toString());
            h.put(SUBJECT_HEADER, message.getSubject());
            h.put(STREAM_HEADER, meta.getStream());
            h.put(SEQUENCE_HEADER, Long.toString(meta.streamSequence()));
            try {
                // the id makes a second dead letter of the same message (a crash after the publish,
                // before the ack) a duplicate the server drops
                jetStream.publish(
                        settings.deadLetterSubject(),
                        h,
                        e.body(),
                        PublishOptions.builder()
                                .messageId("dlq-" + meta.getStream() + "-" + meta.streamSequence())
                                .build());
            } catch (IOException | JetStreamApiException | RuntimeException ex) {
                LOG.atError()
                        .addKeyValue("trigger", name)
                        .addKeyValue("eventId", e.id())
                        .log("could not dead-letter the message (" + message(ex) + "); it is given back");
                send(() -> message.nakWithDelay(config.retryDelay));
                done();
                return;
            }
            if (send(message::ack)) {
                deadLettered.incrementAndGet();
            }
            LOG.atWarn()
                    .addKeyValue("trigger", name)
                    .addKeyValue("eventId", e.id())
                    .addKeyValue("attempt", e.attempt())
                    .log("message failed " + e.attempt() + " times (" + reason + "); dead-lettered to '"
                            + settings.deadLetterSubject() + "'");
            done();
        }

        private void done() {
            held.remove(message);
            room.release();
        }

        /** Sends an ack or NAK; false when the connection is gone (the server delivers the message again). */
        private boolean send(Runnable ack) {
            try {
                ack.run();
                return true;
            } catch (RuntimeException ex) {
                LOG.debug("trigger '{}': acknowledgement not sent: {}", name, ex.toString());
                return false;
            }
        }
    }

    private static String message(Throwable e) {
        if (e instanceof JetStreamApiException j) {
            return j.getErrorDescription() + " (code " + j.getApiErrorCode() + ")";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return e.getClass().getSimpleName();
    }

    @Override
    public boolean isReady() {
        return accepting && connected && consuming;
    }

    @Override
    public String notReadyReason() {
        if (closed || !accepting) {
            return "stopping: no new messages are taken";
        }
        String w = waitingFor;
        if (w != null) {
            return w;
        }
        if (!connected) {
            return "connection to " + settings.safeServers() + " lost "
                    + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - disconnectedSince) + " s ago; reconnecting";
        }
        return null;
    }

    @Override
    public void stopAccepting() {
        accepting = false;
        synchronized (lifecycle) {
            lifecycle.notifyAll();
        }
        io.nats.client.Dispatcher d = coreSubscriptions;
        Connection c = connection;
        if (d != null && c != null) {
            try {
                c.closeDispatcher(d);
            } catch (RuntimeException e) {
                LOG.debug("trigger '{}': closing the subscriptions failed: {}", name, e.toString());
            }
        }
    }

    /**
     * Stops the reader, gives back (NAK) what is still held, and closes the connection; what was
     * in flight without an outcome is delivered again by the server.
     */
    @Override
    public void close() {
        accepting = false;
        synchronized (lifecycle) {
            closed = true;
            lifecycle.notifyAll();
        }
        Thread t = reader;
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                t.interrupt();
            }
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (failures != null) {
            failures.shutdown();
            try {
                if (!failures.awaitTermination(config.publishTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                    failures.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Message m : new ArrayList<>(held)) {
            try {
                m.nak();
                givenBack.incrementAndGet();
            } catch (RuntimeException e) {
                LOG.debug("trigger '{}': NAK not sent: {}", name, e.toString());
            }
        }
        held.clear();
        Connection c = connection;
        if (c != null) {
            try {
                c.flush(Duration.ofSeconds(2));
            } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
                LOG.debug("trigger '{}': flush before close failed: {}", name, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("servers", settings.safeServers());
        m.put("mode", settings.jetStream() ? "jetstream" : "core");
        if (settings.jetStream()) {
            m.put("stream", config.stream);
            m.put("consumer", settings.consumer());
            m.put("deadLetterSubject", settings.deadLetterSubject());
        } else {
            m.put("subjects", config.subjects);
            m.put("queue", settings.queue());
        }
        m.put("connected", connected);
        m.put("delivered", delivered.get());
        m.put("acked", acked.get());
        m.put("retried", retried.get());
        m.put("deadLettered", deadLettered.get());
        m.put("failed", failed.get());
        m.put("givenBack", givenBack.get());
        m.put("held", held.size());
        m.put("redispatched", redispatched.get());
        return m;
    }
}
