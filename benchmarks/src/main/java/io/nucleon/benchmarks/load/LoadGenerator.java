package io.nucleon.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load itself, run entirely on one Netty event loop: the schedule of intended send times, the
 * pool of keep-alive connections with at most one request in flight each, and the results.
 *
 * <p><b>Open loop.</b> Request {@code i} is due at {@code origin + i / rate} (after a linear ramp
 * from 0 in the first part of the warm-up, so that a cold JVM on either side is not flooded). A
 * timer task wakes at each due time (or at most once per tick) and sends every request that is due
 * on an idle connection. When none is idle the request waits in a FIFO, taken by whichever
 * connection frees or connects first, and another connection is opened for it (at most
 * {@link #MAX_CONNECTING} being opened at a time) up to {@code maxConnections}; a request that
 * finds the limit reached is counted as <em>late</em>. Latency is always measured from the intended time, so
 * waiting for a connection, a late timer or a slow server all show in it (no coordinated
 * omission). A request not answered within the timeout of its intended time is counted as a
 * timeout, and its connection closed (it cannot be reused while the answer may still come).
 *
 * <p><b>Closed loop.</b> Each of {@code connections} connections sends its next request as soon as
 * the previous one is answered, until the end; latency is measured from the send.
 *
 * <p>Latencies and counts are of the requests whose intended time lies after the warm-up, however
 * late they end; rates ({@link #endedInWindow}) are of the requests that ended inside the measured
 * window, whenever they were intended, so that answers a stalled server gives after the window do
 * not count as throughput. Connections the server closes (after a {@code Connection: close}
 * response, or at any time) are replaced.
 *
 * <p>Threading: every method except {@link #start} and the result getters runs on the event loop;
 * the results may be read once {@link #start}'s promise has completed.
 */
final class LoadGenerator {
    /** How a request ended, one latency histogram each. */
    enum Kind {
        OK("200"),
        UNAVAILABLE("503"),
        OTHER("other"),
        ERROR("error"),
        TIMEOUT("timeout");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final LoadOptions options;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final InetSocketAddress address;
    private final ByteBuf request;
    private final long timeoutNanos;

    // the schedule (open loop)
    private long origin;
    /** Before the load begins nothing is counted: no intended time or end lies at or after this. */
    private long measureFrom = Long.MAX_VALUE;

    private long end = Long.MAX_VALUE;
    private double intervalNanos;
    private double rampSeconds;
    private double rampCount;
    private final long tickNanos;
    private long total;
    private long next;
    private boolean scheduleDone;
    private final Runnable tick = this::tick;

    // the pool
    private final ArrayDeque<Connection> idle = new ArrayDeque<>();
    private final List<Connection> all = new ArrayList<>();
    private int open;
    /** Connections being opened (counted in {@link #open} too). */
    private int connecting;

    static final int MAX_CONNECTING = 16;
    private long inFlight;
    private final LongFifo backlog = new LongFifo();
    private Promise<Void> done;
    /** Completed when the load begins with {measureFrom, end} in {@link System#nanoTime()} terms. */
    final java.util.concurrent.CompletableFuture<long[]> window = new java.util.concurrent.CompletableFuture<>();

    private boolean finished;

    // results, counted for requests intended after the warm-up
    final LatencyHistogram[] latency = new LatencyHistogram[Kind.values().length];
    final LatencyHistogram sendLag = new LatencyHistogram();
    /** Requests that ended inside the measured window, by kind, whenever they were intended: rates. */
    final long[] endedInWindow = new long[Kind.values().length];

    final long[] statusCounts = new long[600];
    long scheduled;
    long sent;
    long late;
    long connectionsOpened;
    long connectFailures;
    long closedByServer;
    long protocolErrors;
    int maxOpen;
    String firstError;
    long cpuThreadNanos;
    long cpuProcessNanos;
    private long cpuThreadStart;
    private long cpuProcessStart;
    private boolean cpuStarted;
    // Looked up here, not on the event loop: the first lookup loads the JMX classes (tens of ms).
    private final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();

    LoadGenerator(LoadOptions options, EventLoop loop, Bootstrap template) {
        this.options = options;
        this.loop = loop;
        this.address = new InetSocketAddress(options.host, options.port);
        this.timeoutNanos = (long) (options.timeoutSeconds * 1e9);
        this.tickNanos = (long) (options.tickMicros * 1000);
        this.bootstrap = template.clone()
                .group(loop)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, Math.max(1, timeoutNanos / 1_000_000)));
        this.request = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(requestBytes(options)));
        for (Kind k : Kind.values()) {
            latency[k.ordinal()] = new LatencyHistogram();
        }
        threads.getCurrentThreadCpuTime(); // the first calls load classes too
        processCpuNanos();
    }

    static byte[] requestBytes(LoadOptions o) {
        StringBuilder s = new StringBuilder();
        s.append(o.method).append(' ').append(o.target).append(" HTTP/1.1\r\n");
        s.append("Host: ").append(o.host).append(':').append(o.port).append("\r\n");
        for (String h : o.headers) {
            s.append(h).append("\r\n");
        }
        byte[] body = o.body == null ? new byte[0] : o.body.getBytes(StandardCharsets.UTF_8);
        if (o.body != null) {
            s.append("Content-Length: ").append(body.length).append("\r\n");
        }
        s.append("\r\n");
        byte[] head = s.toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /**
     * Opens the initial connections, then runs the load; the promise completes when every request
     * has ended (answered, failed or timed out), or fails when the initial connections cannot be
     * opened. Any thread.
     */
    Promise<Void> start() {
        Promise<Void> p = loop.newPromise();
        loop.execute(() -> {
            done = p;
            for (int i = 0; i < options.connections; i++) {
                openConnection();
            }
            awaitInitialConnections(System.nanoTime() + timeoutNanos);
        });
        return p;
    }

    /** An upper bound, in nanoseconds, on how long {@link #start} takes to begin the load. */
    long timeoutForStart() {
        return timeoutNanos + 5_000_000_000L;
    }

    private void awaitInitialConnections(long deadline) {
        if (done.isDone()) {
            return;
        }
        if (idle.size() >= options.connections) {
            prime(System.nanoTime() + Math.min(timeoutNanos, 5_000_000_000L));
        } else if (open < options.connections || System.nanoTime() > deadline) {
            window.cancel(false);
            done.tryFailure(new IllegalStateException("cannot open " + options.connections + " connections to "
                    + options.host + ":" + options.port + (firstError != null ? ": " + firstError : "")));
        } else {
            loop.schedule(() -> awaitInitialConnections(deadline), 1, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Sends one request on each initial connection and waits for the answers (up to the deadline)
     * before the load begins: the first round trip loads and links the classes of the send and
     * receive paths, which would otherwise stall the loop in the first milliseconds of the load, and
     * a stall at a high rate makes the pool open many connections at once. Not counted anywhere.
     */
    private void prime(long deadline) {
        long now = System.nanoTime();
        for (Connection c : List.copyOf(idle)) {
            if (idle.remove(c) && c.usable()) {
                inFlight++;
                c.send(now, now);
            }
        }
        awaitPrimed(deadline);
    }

    private void awaitPrimed(long deadline) {
        if (inFlight == 0 || System.nanoTime() > deadline) {
            begin();
        } else {
            loop.schedule(() -> awaitPrimed(deadline), 1, TimeUnit.MILLISECONDS);
        }
    }

    private void begin() {
        origin = System.nanoTime();
        measureFrom = origin + (long) (options.warmupSeconds * 1e9);
        end = measureFrom + (long) (options.durationSeconds * 1e9);
        window.complete(new long[] {measureFrom, end});
        // Timeouts are found by a scan of every connection; once per 1 % of the timeout (at most
        // 100 ms) keeps its cost small with a thousand connections and a timeout at most 1 % late.
        long timeoutCheck = Math.max(1_000_000, Math.min(100_000_000, timeoutNanos / 100));
        loop.scheduleAtFixedRate(this::expire, timeoutCheck, timeoutCheck, TimeUnit.NANOSECONDS);
        if (options.progress) {
            loop.scheduleAtFixedRate(this::progress, 1, 1, TimeUnit.SECONDS);
        }
        if (origin >= measureFrom) {
            startCpu();
        }
        if (options.closedLoop) {
            loop.schedule(this::startCpu, measureFrom - origin, TimeUnit.NANOSECONDS);
            loop.schedule(
                    () -> {
                        stopCpu();
                        scheduleDone = true;
                        checkDone();
                    },
                    end - origin,
                    TimeUnit.NANOSECONDS);
            long now = System.nanoTime();
            for (Connection c; (c = idle.pollFirst()) != null; ) {
                if (c.usable()) {
                    inFlight++;
                    c.send(now, now);
                }
            }
        } else {
            intervalNanos = 1e9 / options.rate;
            rampSeconds = Math.min(options.rampSeconds, options.warmupSeconds);
            rampCount = options.rate * rampSeconds / 2;
            total = (long) Math.ceil(
                    rampCount + (options.warmupSeconds - rampSeconds + options.durationSeconds) * options.rate);
            tick();
        }
    }

    /**
     * When request {@code i} is due: during the ramp the rate grows linearly from 0 to the rate (so
     * the first {@code rate * ramp / 2} requests), then one every {@code 1 / rate}.
     */
    private long intendedTime(long i) {
        if (i < rampCount) {
            return origin + (long) (Math.sqrt(2 * rampSeconds * i / options.rate) * 1e9);
        }
        return origin + (long) (rampSeconds * 1e9 + (i - rampCount) * intervalNanos);
    }

    /**
     * Sends every request that is due, then sleeps until the next one is, but at least the tick
     * (so that at high rates one wake-up sends several requests; their latency still counts from
     * their own intended times).
     */
    private void tick() {
        long now = System.nanoTime();
        while (next < total) {
            long intended = intendedTime(next);
            if (intended > now) {
                loop.schedule(tick, Math.max(intended - now, tickNanos), TimeUnit.NANOSECONDS);
                return;
            }
            if (intended >= measureFrom) {
                if (!cpuStarted) {
                    startCpu();
                }
                scheduled++;
            }
            next++;
            submit(intended, now);
        }
        stopCpu();
        scheduleDone = true;
        checkDone();
    }

    private void submit(long intended, long now) {
        inFlight++;
        Connection c;
        while ((c = idle.pollFirst()) != null) {
            if (c.usable()) {
                c.send(intended, now);
                return;
            }
        }
        backlog.add(intended);
        if (open >= options.maxConnections) {
            if (intended >= measureFrom) {
                late++;
            }
        } else {
            growPool();
        }
    }

    /**
     * Opens another connection for the requests waiting for one, unless enough are being opened
     * already: one per waiting request, but at most {@link #MAX_CONNECTING} at a time. Opening a
     * connection takes the loop a while (a cold one in the first second: a millisecond), so opening
     * one per request in a burst would stall the loop further and open hundreds at once.
     */
    private void growPool() {
        if (connecting < Math.min(MAX_CONNECTING, backlog.size()) && open < options.maxConnections) {
            openConnection();
        }
    }

    /** Opens one more connection; once connected it takes the oldest waiting request, or goes idle. */
    private void openConnection() {
        Connection c = new Connection();
        open++;
        connecting++;
        maxOpen = Math.max(maxOpen, open);
        c.index = all.size();
        all.add(c);
        ChannelFuture f = bootstrap.clone().handler(c).connect(address);
        c.channel = f.channel();
        f.addListener(r -> {
            connecting--;
            if (!r.isSuccess()) {
                connectFailures++;
                noteError(r.cause());
                // The oldest waiting request, for which it was opened, fails with it.
                if (!backlog.isEmpty()) {
                    record(Kind.ERROR, backlog.poll(), System.nanoTime());
                    inFlight--;
                }
                c.retired = true;
                c.channel.close();
            }
        });
        c.channel.closeFuture().addListener(r -> c.closed());
    }

    /** Times out requests past the timeout: in flight on a connection, or waiting for one. */
    private void expire() {
        long now = System.nanoTime();
        for (int i = all.size() - 1; i >= 0; i--) {
            Connection c = all.get(i);
            if (c.busy && now - c.intended >= timeoutNanos) {
                c.fail(Kind.TIMEOUT, now);
                c.channel.close();
            }
        }
        while (!backlog.isEmpty() && now - backlog.peek() >= timeoutNanos) {
            record(Kind.TIMEOUT, backlog.poll(), now);
            inFlight--;
        }
        growPool();
        checkDone();
    }

    private long progressEnded;
    private long progressSent;
    private long allSent;
    private long allEnded;

    /** One line on stderr per second: what went out and came back in it, and the pool's state. */
    private void progress() {
        long now = System.nanoTime();
        System.err.printf(
                java.util.Locale.ROOT,
                "openloop: t=%.0fs sent %d ended %d in flight %d waiting %d open %d idle %d lag %.1f ms%n",
                (now - origin) / 1e9,
                allSent - progressSent,
                allEnded - progressEnded,
                inFlight,
                backlog.size(),
                open,
                idle.size(),
                options.closedLoop || next >= total ? 0.0 : Math.max(0, now - intendedTime(next)) / 1e6);
        progressSent = allSent;
        progressEnded = allEnded;
    }

    private void record(Kind kind, long intended, long now) {
        allEnded++;
        if (intended >= measureFrom) {
            latency[kind.ordinal()].record(now - intended);
        }
        if (now >= measureFrom && now < end) {
            endedInWindow[kind.ordinal()]++;
        }
    }

    private void checkDone() {
        if (scheduleDone && inFlight == 0 && !finished) {
            finished = true;
            for (Connection c : List.copyOf(all)) {
                c.retired = true;
                c.channel.close();
            }
            done.trySuccess(null);
        }
    }

    private void startCpu() {
        if (cpuStarted) {
            return;
        }
        cpuStarted = true;
        cpuThreadStart = threads.getCurrentThreadCpuTime();
        cpuProcessStart = processCpuNanos();
    }

    private void stopCpu() {
        if (cpuStarted && cpuThreadNanos == 0) {
            cpuThreadNanos = threads.getCurrentThreadCpuTime() - cpuThreadStart;
            cpuProcessNanos = processCpuNanos() - cpuProcessStart;
        }
    }

    private long processCpuNanos() {
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private void noteError(Throwable t) {
        if (firstError == null && t != null) {
            firstError = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
    }

    /**
     * One connection: at most one request in flight. Its handler methods and fields are used on the
     * event loop only.
     */
    private final class Connection extends ChannelInboundHandlerAdapter {
        Channel channel;
        int index;
        final ResponseParser parser = new ResponseParser();
        /** The intended time of the request in flight; -1: none. */
        long intended = -1;

        boolean connected;
        boolean busy;
        /** Not to be given another request: the server said it closes, or we are closing it. */
        boolean retired;
        /** Out of the pool's count (see {@link #leave()}). */
        boolean gone;

        boolean usable() {
            return connected && !retired && !gone;
        }

        /** Writes the request intended at {@code intendedTime}; the caller has counted it in flight. */
        void send(long intendedTime, long now) {
            intended = intendedTime;
            busy = true;
            allSent++;
            if (intendedTime >= measureFrom) {
                sent++;
                sendLag.record(now - intendedTime);
            }
            channel.writeAndFlush(request.duplicate(), channel.voidPromise());
        }

        /** Ends the request in flight, if any, as {@code kind}; retires the connection. */
        void fail(Kind kind, long now) {
            if (busy) {
                record(kind, intended, now);
                busy = false;
                intended = -1;
                inFlight--;
            }
            retired = true;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connected = true;
            connectionsOpened++;
            free(System.nanoTime());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                while (in.isReadable()) {
                    if (!busy) {
                        protocolError("bytes from the server with no request in flight");
                        return;
                    }
                    boolean complete;
                    try {
                        complete = parser.feed(in);
                    } catch (ResponseParser.ProtocolException e) {
                        protocolError(e.getMessage());
                        return;
                    }
                    if (complete) {
                        long now = System.nanoTime();
                        if (in.isReadable()) {
                            answered(parser.status(), now, true);
                            protocolError("bytes after the response (pipelining is not used)");
                            return;
                        }
                        answered(parser.status(), now, parser.closeAfter());
                    }
                }
            } finally {
                in.release();
            }
        }

        private void answered(int status, long now, boolean close) {
            Kind kind = status == 200 ? Kind.OK : status == 503 ? Kind.UNAVAILABLE : Kind.OTHER;
            if (intended >= measureFrom && status >= 0 && status < statusCounts.length) {
                statusCounts[status]++;
            }
            record(kind, intended, now);
            busy = false;
            intended = -1;
            inFlight--;
            if (close) {
                // The server closes it (so the TIME_WAIT is on its side); a replacement opens now, and
                // this one is closed from here only if the server has not done so within a second.
                if (!retired) {
                    closedByServer++;
                }
                retired = true;
                if (leave()) {
                    replaceIfNeeded();
                }
                Channel ch = channel;
                ch.eventLoop().schedule(() -> ch.close(), 1, TimeUnit.SECONDS);
            } else {
                free(now);
            }
            checkDone();
        }

        /** The connection is free: it takes the oldest late request, the next closed-loop one, or goes idle. */
        private void free(long now) {
            if (!usable()) {
                return;
            }
            if (!backlog.isEmpty()) {
                send(backlog.poll(), now);
            } else if (options.closedLoop && origin != 0 && !scheduleDone) {
                inFlight++;
                send(now, now);
            } else {
                idle.addFirst(this);
            }
        }

        private void protocolError(String what) {
            protocolErrors++;
            if (firstError == null) {
                firstError = "protocol error: " + what;
            }
            fail(Kind.ERROR, System.nanoTime());
            channel.close();
        }

        /** The channel has closed, whoever closed it: ends what was in flight and replaces the connection. */
        void closed() {
            long now = System.nanoTime();
            if (busy && parser.readsUntilClose() && parser.endOfInput()) {
                answered(parser.status(), now, true);
            } else if (busy) {
                if (!retired && connected) {
                    closedByServer++;
                }
                fail(Kind.ERROR, now);
            } else if (!retired && connected) {
                closedByServer++;
            }
            retired = true;
            if (leave()) {
                replaceIfNeeded();
            }
            checkDone();
        }

        /** Takes this connection out of the pool's count; {@code false} if it already was. */
        private boolean leave() {
            if (gone) {
                return false;
            }
            gone = true;
            open--;
            Connection last = all.remove(all.size() - 1);
            if (last != this) {
                all.set(index, last);
                last.index = index;
            }
            return true;
        }

        /**
         * Opens a replacement for this connection, which has left the pool, if the pool needs one. Not
         * for a connection that never connected (a server refusing connections would make that a
         * busy loop; the next send opens one if it needs it), nor before the load has begun.
         */
        private void replaceIfNeeded() {
            if (connected && origin != 0 && !finished && !scheduleDone) {
                if (open < options.connections) {
                    openConnection();
                } else {
                    growPool();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            noteError(cause);
            fail(Kind.ERROR, System.nanoTime());
            ctx.close();
        }
    }

    /** A growable FIFO of longs (intended times waiting for a connection). Event loop only. */
    private static final class LongFifo {
        private long[] items = new long[1024];
        private int head;
        private int size;

        boolean isEmpty() {
            return size == 0;
        }

        int size() {
            return size;
        }

        void add(long v) {
            if (size == items.length) {
                long[] bigger = new long[items.length * 2];
                for (int i = 0; i < size; i++) {
                    bigger[i] = items[(head + i) % items.length];
                }
                items = bigger;
                head = 0;
            }
            items[(head + size) % items.length] = v;
            size++;
        }

        long peek() {
            return items[head];
        }

        long poll() {
            long v = items[head];
            head = (head + 1) % items.length;
            size--;
            return v;
        }
    }
}
