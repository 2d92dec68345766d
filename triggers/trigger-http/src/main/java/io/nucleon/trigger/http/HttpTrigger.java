package io.nucleon.trigger.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.trigger.http.async.AsyncIntake;
import io.nucleon.trigger.http.async.AsyncIntakeFactory;
import io.nucleon.trigger.http.auth.HttpAuth;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code http} trigger: an HTTP/1.1 server on Netty (native epoll where available, NIO
 * otherwise). Each connection's pipeline is
 * <pre>
 *  ConnectionTimeouts → ReadGate → HttpServerCodec → RequestAssembler → HttpConnectionHandler ─dispatch─▶ workers
 *  (read/idle/stall)   (slices,    (limits: line,    (body: size limit,  (event, ordered replies,    ◀─complete─┘
 *                       holds back  headers)           body budget)        pipelining/write limits)
 *                       when paused)
 * </pre>
 * With the {@code tls} block, {@link HttpTls} puts the TLS handlers in front of it (see there).
 * Every buffer on the way has a bound: connections ({@code maxConnections}; beyond it a 503 and
 * close), bodies in memory ({@code maxInflightBodyBytes}, trigger-wide), requests per connection
 * ({@code maxPipelinedRequests}), unwritten replies per connection ({@code writeBufferHighWaterMark}),
 * and the worker pool's queue and waiting list. The event loops never wait for a worker.
 */
final class HttpTrigger implements Trigger {
    private static final Logger LOG = LoggerFactory.getLogger(HttpTrigger.class);

    private final String name;
    private final HttpTriggerConfig config;
    private final ChannelGroup channels = new DefaultChannelGroup("nucleon-http", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private volatile Channel serverChannel;
    private String transportName;
    private volatile boolean accepting;
    /** One batch per event loop; filled as connections arrive. */
    private final Map<EventLoop, LoopBatch> batches = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    private final int maxConnections;
    private final BodyBudget budget;
    private final HttpTriggerMetrics metrics;
    private final RateLimitedLog connectionErrors = new RateLimitedLog(LOG, java.time.Duration.ofSeconds(10));

    private final TriggerContext context;
    private final AsyncIntakeFactory asyncFactory;
    private AsyncIntake asyncIntake;
    private AsyncRoute asyncRoute;
    /** Null when {@code auth.kind} is none. */
    private final HttpAuth auth;
    /** Null when the trigger speaks plain HTTP. */
    private final HttpTls tls;

    /**
     * {@code asyncFactory} is null unless the {@code async} block is enabled; {@code auth} is null when
     * auth is off; {@code tls} unless the {@code tls} block is given.
     */
    HttpTrigger(
            TriggerContext context,
            HttpTriggerConfig config,
            AsyncIntakeFactory asyncFactory,
            HttpAuth auth,
            HttpTls tls) {
        this.name = context.name();
        this.auth = auth;
        this.tls = tls;
        this.context = context;
        this.config = config;
        this.asyncFactory = asyncFactory;
        this.maxConnections = config.maxConnections > 0 ? config.maxConnections : defaultMaxConnections();
        this.budget = new BodyBudget(
                config.maxInflightBodyBytes != null
                        ? config.maxInflightBodyBytes.bytes()
                        : BodyBudget.defaultLimit(config.maxRequestBodySize.bytes()));
        this.metrics = new HttpTriggerMetrics(context, open::get, budget::used);
    }

    /** 10 000 connections, or three quarters of the file-descriptor limit if that is lower. */
    static int defaultMaxConnections() {
        long fds = Long.MAX_VALUE;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            fds = unix.getMaxFileDescriptorCount();
        }
        return (int) Math.max(1, Math.min(10_000, fds / 4 * 3));
    }

    HttpTriggerMetrics metrics() {
        return metrics;
    }

    Logger log() {
        return LOG;
    }

    String bodyBudgetDescription() {
        return io.nucleon.spi.ByteSize.ofBytes(budget.limit()).toString();
    }

    /**
     * An error closed a connection. A network error (the client reset or went away) is the client's
     * business and logged at DEBUG; anything else, an out-of-memory error included, at WARN, at most
     * one line per 10 s with a count of the rest. Both are counted.
     */
    void connectionFailed(Channel ch, Throwable cause) {
        metrics.connectionErrors.increment();
        if (cause instanceof java.io.IOException) {
            LOG.debug("connection {} failed: {}", ch.remoteAddress(), cause.toString());
        } else {
            connectionErrors.warn(name, "connection " + ch.remoteAddress() + " failed and was closed: " + cause, cause);
        }
    }

    String name() {
        return name;
    }

    HttpTriggerConfig config() {
        return config;
    }

    boolean isAccepting() {
        return accepting;
    }

    @Override
    public void start(Dispatcher dispatcher) throws Exception {
        boolean epoll = switch (config.transport) {
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("trigger '" + name + "': transport epoll is not available here: "
                            + Epoll.unavailabilityCause());
                }
                yield true;
            }
            case "nio" -> false;
            default -> Epoll.isAvailable();
        };
        if (asyncFactory != null) {
            asyncIntake = asyncFactory.open(context, config.async, dispatcher);
            asyncRoute = new AsyncRoute(name, config.async, asyncIntake);
        }
        AsyncRoute async = asyncRoute;
        if (auth != null) {
            auth.start();
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        transportName = epoll ? "epoll" : "nio";
        int threads = config.eventLoopThreads > 0
                ? config.eventLoopThreads
                : Runtime.getRuntime().availableProcessors();
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("nucleon-http-" + name, true), io);

        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxInitialLineLength.toIntExact())
                .setMaxHeaderSize(config.maxHeaderSize.toIntExact())
                .setMaxChunkSize(64 * 1024);
        long readNanos = config.readTimeout.toNanos();
        long idleNanos = config.idleTimeout.toNanos();
        int maxBody = config.maxRequestBodySize.toIntExact();
        int highWater = config.writeBufferHighWaterMark.toIntExact();
        Runnable slowReaderClosed = metrics.slowReadersClosed::increment;
        // the codec's own bound on requests decoded and not yet answered: ours, plus what one slice can hold
        int pipelineDepth = config.maxPipelinedRequests + ReadGate.MAX_DECODED_AHEAD;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(highWater / 2, highWater))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (open.incrementAndGet() > maxConnections) {
                            open.decrementAndGet();
                            metrics.refusedConnections.increment();
                            if (tls != null) {
                                // a plain 503 is unreadable to a TLS client, and a handshake costs what the cap saves
                                ch.close();
                                return;
                            }
                            p.addLast("refusal", new ConnectionRefusal(maxConnections));
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        channels.add(ch);
                        if (tls != null) {
                            tls.addTo(ch, p); // first: everything after it sees plaintext
                        }
                        PipelineLinks links = new PipelineLinks();
                        p.addLast("timeouts", new ConnectionTimeouts(readNanos, idleNanos, links, slowReaderClosed));
                        ReadGate gate = new ReadGate();
                        links.gate = gate;
                        p.addLast("gate", gate);
                        p.addLast("codec", new HttpServerCodec(decoder, pipelineDepth));
                        p.addLast("assembler", new RequestAssembler(maxBody, budget, auth));
                        LoopBatch batch =
                                batches.computeIfAbsent(ch.eventLoop(), loop -> new LoopBatch(loop, dispatcher));
                        p.addLast(
                                "handler",
                                new HttpConnectionHandler(
                                        HttpTrigger.this,
                                        dispatcher,
                                        batch,
                                        links,
                                        config.maxPipelinedRequests,
                                        async,
                                        budget));
                    }
                });
        try {
            serverChannel = b.bind(config.host, config.port).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            if (auth != null) {
                auth.close();
            }
            if (asyncIntake != null) {
                asyncIntake.close();
            }
            throw new IllegalStateException(
                    "trigger '" + name + "' cannot listen on " + config.host + ":" + config.port + ": "
                            + e.getMessage(),
                    e);
        }
        accepting = true;
        if (tls != null) {
            tls.start();
        }
        LOG.atInfo()
                .addKeyValue("trigger", name)
                .addKeyValue("address", address())
                .addKeyValue("transport", transportName)
                .addKeyValue("tls", tls != null)
                .addKeyValue("eventLoops", threads)
                .log("http trigger listening");
    }

    /** The bound address as host:port. */
    String address() {
        if (serverChannel == null) {
            return config.host + ":" + config.port;
        }
        InetSocketAddress a = (InetSocketAddress) serverChannel.localAddress();
        return (a.getAddress().isAnyLocalAddress() ? config.host : a.getHostString()) + ":" + a.getPort();
    }

    @Override
    public java.util.List<InetSocketAddress> listeningAddresses() {
        Channel ch = serverChannel;
        return ch == null || !(ch.localAddress() instanceof InetSocketAddress a)
                ? java.util.List.of()
                : java.util.List.of(a);
    }

    @Override
    public boolean isReady() {
        return accepting && serverChannel != null && serverChannel.isActive();
    }

    @Override
    public void stopAccepting() {
        accepting = false;
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (asyncIntake != null) {
            asyncIntake.stopDispatching();
        }
    }

    @Override
    public void close() {
        accepting = false;
        if (auth != null) {
            auth.close();
        }
        if (group == null) {
            if (tls != null) {
                tls.close(); // made when the trigger was created, even if it never started
            }
            return;
        }
        // Replies to drained events were queued on the event loops before this; closing each channel
        // from its own loop runs after them, so they are written before the connection goes. Wait for
        // those closes before shutting the loops down: a loop that shuts down closes its channels at
        // once, before the tasks still queued on it, and a reply still queued would then be lost (the
        // client sees the connection end without an answer).
        List<io.netty.util.concurrent.Future<?>> closing = new ArrayList<>();
        for (Channel ch : channels) {
            closing.add(ch.eventLoop().submit(() -> {
                ch.close();
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (io.netty.util.concurrent.Future<?> f : closing) {
            f.awaitUninterruptibly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        if (tls != null) {
            tls.close();
        }
        if (asyncIntake != null) {
            asyncIntake.close();
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", address());
        if (serverChannel != null) {
            m.put("port", ((InetSocketAddress) serverChannel.localAddress()).getPort());
        }
        m.put("transport", transportName);
        if (tls != null) {
            m.put("tls", tls.status());
        }
        m.put("connections", open.get());
        m.put("maxConnections", maxConnections);
        m.put("maxRequestBodySize", config.maxRequestBodySize.toString());
        m.put("bodyBytesInFlight", budget.used());
        m.put("maxInflightBodyBytes", budget.limit());
        if (asyncIntake != null) {
            m.put("async", asyncIntake.status());
        }
        if (auth != null) {
            m.put("auth", auth.status());
        }
        return m;
    }
}
