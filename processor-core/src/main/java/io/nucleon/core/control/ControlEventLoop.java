package io.nucleon.core.control;

import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control server's machinery: one selector thread that accepts, reads, parses, answers the
 * endpoints that run on it and writes every response; a small pool of endpoint threads for the
 * endpoints that may take time, whose answers come back through a queue and a selector wakeup.
 *
 * <p>Threads: {@link #start()}, {@link #close()} and {@link #post(Runnable)} may be called from
 * any thread; everything else runs on the selector thread only. Nothing on the selector thread
 * blocks: sockets are non-blocking and endpoint threads are reached only through a bounded queue
 * that refuses rather than waits.
 */
final class ControlEventLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlEventLoop.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(100, "Continue"),
            Map.entry(200, "OK"),
            Map.entry(204, "No Content"),
            Map.entry(400, "Bad Request"),
            Map.entry(403, "Forbidden"),
            Map.entry(404, "Not Found"),
            Map.entry(405, "Method Not Allowed"),
            Map.entry(408, "Request Timeout"),
            Map.entry(409, "Conflict"),
            Map.entry(411, "Length Required"),
            Map.entry(413, "Content Too Large"),
            Map.entry(414, "URI Too Long"),
            Map.entry(417, "Expectation Failed"),
            Map.entry(431, "Request Header Fields Too Large"),
            Map.entry(500, "Internal Server Error"),
            Map.entry(503, "Service Unavailable"),
            Map.entry(505, "HTTP Version Not Supported"));

    final ControlLimits limits;
    final ControlRoutes routes;
    /** The timeouts of {@link #limits} in nanoseconds. */
    final long readTimeoutNanos;

    final long idleTimeoutNanos;
    final long endpointTimeoutNanos;
    final long lingerNanos;
    /** Where discarded input goes; selector thread only. */
    final ByteBuffer scratch = ByteBuffer.allocate(16 * 1024);

    private final ServerSocketChannel server;
    private final Selector selector;
    private final SelectionKey serverKey;
    private final InetSocketAddress address;
    private final ThreadPoolExecutor workers;
    private final Thread thread;
    private final long origin = System.nanoTime();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<ControlConnection> connections = new HashSet<>();
    private final Response notFound;
    private volatile boolean closed;
    private volatile int openConnections;
    private boolean started;
    private int counted;
    private int overCap;
    private long nextDeadline = Long.MAX_VALUE;
    private long acceptPausedUntil = -1;
    private long lastWarn = Long.MIN_VALUE / 2;
    private int warningsHeld;
    private long dateSecond = -1;
    private String dateText;

    /** Binds {@code address} at once (so that a port in use fails here); serves from {@link #start()}. */
    ControlEventLoop(InetSocketAddress address, ControlLimits limits, ControlRoutes routes) throws IOException {
        this.limits = limits;
        this.routes = routes;
        this.readTimeoutNanos = limits.readTimeout().toNanos();
        this.idleTimeoutNanos = limits.idleTimeout().toNanos();
        this.endpointTimeoutNanos = limits.endpointTimeout().toNanos();
        this.lingerNanos = limits.lingerTimeout().toNanos();
        this.notFound = ErrorResponses.error(404, "not found", null, "the control server serves " + routes.describe());
        Selector sel = Selector.open();
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            try {
                ch.bind(address, Math.max(50, limits.maxConnections()));
            } catch (BindException e) {
                BindException named = new BindException("the control server cannot listen on " + address.getHostString()
                        + ":" + address.getPort() + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            }
            ch.configureBlocking(false);
            serverKey = ch.register(sel, SelectionKey.OP_ACCEPT);
            this.address = (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            ch.close();
            sel.close();
            throw e;
        }
        this.server = ch;
        this.selector = sel;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(
                limits.workerThreads(),
                limits.workerThreads(),
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(limits.workerQueue()),
                r -> {
                    Thread t = new Thread(r, "nucleon-control-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        this.thread = new Thread(this, "nucleon-control");
        this.thread.setDaemon(true);
    }

    InetSocketAddress address() {
        return address;
    }

    /** Open connections, including those over the cap being answered 503. Any thread. */
    int openConnections() {
        return openConnections;
    }

    /** Requests waiting for an endpoint thread. Any thread. */
    int endpointsWaiting() {
        return workers.getQueue().size();
    }

    synchronized void start() {
        if (closed) {
            throw new IllegalStateException("the control server is closed");
        }
        if (started) {
            throw new IllegalStateException("the control server is already started");
        }
        started = true;
        thread.start();
    }

    /** Stops the selector thread and closes every connection and the listening socket; idempotent. */
    void close() {
        boolean running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = started;
        }
        workers.shutdownNow();
        if (!running) {
            closeAll();
            return;
        }
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("the control server's thread did not stop within 10 s");
            }
        }
    }

    boolean closed() {
        return closed;
    }

    /** Runs {@code task} on the selector thread soon. Any thread; dropped once the server is closed. */
    void post(Runnable task) {
        if (!closed) {
            tasks.add(task);
            selector.wakeup();
        }
    }

    /** Nanoseconds since this loop was made: never near overflow, so deadlines compare directly. */
    long now() {
        return System.nanoTime() - origin;
    }

    /** Runs {@code task} on an endpoint thread; refuses (rather than queues) beyond the bounded queue. */
    void execute(Runnable task) {
        workers.execute(task);
    }

    Response notFound() {
        return notFound;
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                long timeout = 0;
                if (nextDeadline != Long.MAX_VALUE) {
                    timeout = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextDeadline - now() + 999_999));
                }
                selector.select(this::onSelected, timeout);
                runTasks();
                expireDue();
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.error(
                        "the control server's selector failed: /live, /ready, /metrics and /status are no longer answered",
                        e);
            }
        } finally {
            closeAll();
        }
    }

    private void onSelected(SelectionKey key) {
        if (key == serverKey) {
            accept();
            return;
        }
        ControlConnection c = (ControlConnection) key.attachment();
        try {
            long now = now();
            if (key.isValid() && key.isReadable()) {
                c.onReadable(now);
            }
            if (key.isValid() && key.isWritable()) {
                c.onWritable(now);
            }
            c.pump(now);
        } catch (IOException e) {
            LOG.debug("control connection {} failed", c, e);
            c.close();
        } catch (RuntimeException e) {
            warn("control connection " + c + " failed", e);
            c.close();
        }
    }

    private void accept() {
        for (int i = 0; i < 64 && !closed; i++) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                warn("the control server cannot accept connections (it tries again in 100 ms): " + e, null);
                serverKey.interestOps(0);
                acceptPausedUntil = now() + ACCEPT_PAUSE_NANOS;
                return;
            }
            if (ch == null) {
                return;
            }
            boolean withinCap = counted < limits.maxConnections();
            try {
                if (!withinCap && overCap >= limits.maxConnections()) {
                    ch.close(); // too many even to answer 503: refuse outright
                    continue;
                }
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SelectionKey key = ch.register(selector, 0);
                long now = now();
                ControlConnection c = new ControlConnection(this, ch, key, withinCap, now);
                key.attach(c);
                connections.add(c);
                if (withinCap) {
                    counted++;
                } else {
                    overCap++;
                }
                openConnections = connections.size();
                if (!withinCap) {
                    c.refuse(
                            now,
                            ErrorResponses.overloaded(
                                    "too many control connections",
                                    "the control server holds " + limits.maxConnections() + " connections, its limit",
                                    1));
                }
                c.pump(now);
            } catch (IOException e) {
                LOG.debug("control connection could not be set up", e);
                closeQuietly(ch);
            }
        }
    }

    /** Called by a connection as it closes. */
    void forget(ControlConnection c) {
        if (connections.remove(c)) {
            if (c.withinCap()) {
                counted--;
            } else {
                overCap--;
            }
            openConnections = connections.size();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                warn("a control server task failed", e);
            }
        }
    }

    private void expireDue() {
        long now = now();
        long next = Long.MAX_VALUE;
        if (acceptPausedUntil >= 0) {
            if (now >= acceptPausedUntil) {
                acceptPausedUntil = -1;
                serverKey.interestOps(SelectionKey.OP_ACCEPT);
            } else {
                next = acceptPausedUntil;
            }
        }
        List<ControlConnection> due = null;
        for (ControlConnection c : connections) {
            long d = c.deadline();
            if (d <= now) {
                if (due == null) {
                    due = new ArrayList<>();
                }
                due.add(c);
            } else {
                next = Math.min(next, d);
            }
        }
        if (due != null) {
            for (ControlConnection c : due) {
                try {
                    c.expire(now);
                    if (!c.isClosed()) {
                        next = Math.min(next, c.deadline());
                    }
                } catch (IOException e) {
                    LOG.debug("control connection {} failed", c, e);
                    c.close();
                } catch (RuntimeException e) {
                    warn("control connection " + c + " failed", e);
                    c.close();
                }
            }
        }
        nextDeadline = next;
    }

    private void closeAll() {
        for (ControlConnection c : new ArrayList<>(connections)) {
            c.close();
        }
        closeQuietly(server);
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the control selector", e);
        }
    }

    /**
     * The status line and headers of {@code r}; {@code Content-Length} is the body's even when the
     * body is not sent (HEAD). Selector thread only (caches the date).
     */
    ByteBuffer encodeHead(Response r, boolean close, boolean sayKeepAlive) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("HTTP/1.1 ")
                .append(r.status())
                .append(' ')
                .append(REASONS.getOrDefault(r.status(), "Unknown"))
                .append("\r\n");
        sb.append("Date: ").append(date()).append("\r\n");
        if (r.contentType() != null) {
            header(sb, "Content-Type", r.contentType());
        }
        sb.append("Content-Length: ").append(r.body().length).append("\r\n");
        sb.append("Cache-Control: no-store\r\n");
        for (Map.Entry<String, String> h : r.headers().entrySet()) {
            String name = h.getKey();
            if (!name.equalsIgnoreCase("content-length")
                    && !name.equalsIgnoreCase("connection")
                    && !name.equalsIgnoreCase("transfer-encoding")
                    && !name.equalsIgnoreCase("date")
                    && !name.equalsIgnoreCase("cache-control")) {
                header(sb, name, h.getValue());
            }
        }
        if (close) {
            sb.append("Connection: close\r\n");
        } else if (sayKeepAlive) {
            sb.append("Connection: keep-alive\r\n");
        }
        sb.append("\r\n");
        return ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void header(StringBuilder sb, String name, String value) {
        sb.append(name).append(": ");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            sb.append(c == '\r' || c == '\n' ? ' ' : c); // a value can never end the head early
        }
        sb.append("\r\n");
    }

    private String date() {
        long second = System.currentTimeMillis() / 1000;
        if (second != dateSecond) {
            dateSecond = second;
            dateText = HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC));
        }
        return dateText;
    }

    /** Logs at WARN at most once every 10 s, saying how many were held back. Selector thread only. */
    void warn(String message, Throwable e) {
        long now = now();
        if (now - lastWarn < WARN_INTERVAL_NANOS) {
            warningsHeld++;
            LOG.debug(message, e);
            return;
        }
        lastWarn = now;
        String held =
                warningsHeld == 0 ? "" : " (" + warningsHeld + " similar warnings in the last 10 s logged at DEBUG)";
        warningsHeld = 0;
        LOG.warn(message + held, e);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("closing a control socket", e);
        }
    }
}
