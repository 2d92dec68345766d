package io.nucleon.async.journal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One HTTP/1.1 {@code POST} per call of {@link #send}, on Netty: resolves the host without blocking
 * ({@link DnsNameResolver}, which also reads {@code /etc/hosts}), checks <em>every</em> address it
 * resolved to against {@link CallbackAddressRules} (one refused address refuses the callback), and
 * connects to exactly a checked address, never resolving again; the host name stays the
 * {@code Host} header, the SNI name and the name the certificate must match (https, the JDK's TLS,
 * hostname verification on, the JDK's trusted CAs). A literal host (also {@code 2130706433} and the
 * other IPv4 spellings) is never sent to DNS.
 *
 * <p>Each attempt has one deadline, {@code callbackTimeout}, from its start (resolution) to the last
 * byte of the response: a receiver that trickles its body cannot hold an attempt longer. The
 * response body is read and dropped; after {@value #MAX_RESPONSE_BYTES} bytes the connection is
 * closed and the status stands. Redirects are not followed (a 3xx is a failed attempt). One
 * connection per attempt ({@code Connection: close}).
 *
 * <p>Threads: one event loop ({@code nucleon-async-callback-<trigger>}) does all of it; {@link #send}
 * may be called from any thread and never blocks; the returned stage completes on that event loop,
 * so what is chained to it must not block either.
 */
final class CallbackClient implements AutoCloseable {
    /** Response bytes read at most (then dropped); beyond, the connection is closed and the status stands. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADER_SIZE = 16 * 1024;
    private static final long MAX_DNS_QUERY_MILLIS = 5_000;

    /**
     * How one attempt ended.
     *
     * @param status  the HTTP status received, or 0
     * @param failure NONE when delivered (2xx)
     * @param detail  for the log only (addresses, exception classes): never shown to the caller
     */
    record Result(int status, CallbackFailure failure, String detail) {
        boolean delivered() {
            return failure == CallbackFailure.NONE;
        }
    }

    private final CallbackAddressRules rules;
    private final long timeoutNanos;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final DnsNameResolver resolver;
    private final SslContext tls;

    CallbackClient(String triggerName, CallbackAddressRules rules, Duration timeout) {
        this.rules = rules;
        this.timeoutNanos = timeout.toNanos();
        try {
            // hostname verification: the certificate must match the URL's host (also when connecting to an address)
            this.tls = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("the JDK's TLS cannot be set up for callbacks: " + e.getMessage(), e);
        }
        this.group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("nucleon-async-callback-" + triggerName, true), NioIoHandler.newFactory());
        this.loop = group.next();
        this.resolver = new DnsNameResolverBuilder(loop)
                .datagramChannelType(NioDatagramChannel.class)
                .socketChannelType(NioSocketChannel.class)
                .queryTimeoutMillis(Math.min(MAX_DNS_QUERY_MILLIS, Math.max(1, timeout.toMillis())))
                .build();
    }

    /**
     * Starts one attempt: {@code POST} {@code body} to {@code target} with {@code headers}. Never
     * blocks, never throws; the stage completes once, on the client's event loop.
     */
    CompletableFuture<Result> send(
            CallbackAddressRules.Target target, Map<String, String> headers, String contentType, byte[] body) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        try {
            loop.execute(() -> new Attempt(target, headers, contentType, body, result).start());
        } catch (RuntimeException rejected) { // closing
            result.complete(new Result(0, CallbackFailure.CONNECTION_FAILED, "the callback client is closed"));
        }
        return result;
    }

    /** Runs {@code task} on the client's event loop after {@code delay} (a retry); false when closing. */
    boolean schedule(Duration delay, Runnable task) {
        try {
            loop.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RuntimeException rejected) {
            return false;
        }
    }

    /** Stops the event loop: attempts not finished are dropped (their stages never complete). */
    @Override
    public void close() {
        try {
            loop.submit(resolver::close).awaitUninterruptibly(1, TimeUnit.SECONDS);
        } catch (RuntimeException alreadyClosing) {
            // the loop is gone: so is the resolver's channel
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** One attempt, confined to the event loop. */
    private final class Attempt {
        private final CallbackAddressRules.Target target;
        private final Map<String, String> headers;
        private final String contentType;
        private final byte[] body;
        private final CompletableFuture<Result> result;
        private final long deadline;
        private ScheduledFuture<?> timer;
        private Channel channel;
        private InetSocketAddress remote;
        private boolean finished;

        Attempt(
                CallbackAddressRules.Target target,
                Map<String, String> headers,
                String contentType,
                byte[] body,
                CompletableFuture<Result> result) {
            this.target = target;
            this.headers = headers;
            this.contentType = contentType;
            this.body = body;
            this.result = result;
            this.deadline = System.nanoTime() + timeoutNanos;
        }

        void start() {
            timer = loop.schedule(
                    () -> fail(CallbackFailure.TIMEOUT, "no complete answer within the callback timeout"),
                    timeoutNanos,
                    TimeUnit.NANOSECONDS);
            if (target.literal() != null) {
                checkThenConnect(List.of(target.literal()));
                return;
            }
            resolver.resolveAll(target.name()).addListener((Future<List<InetAddress>> resolved) -> {
                if (finished) {
                    return;
                }
                if (!resolved.isSuccess() || resolved.getNow().isEmpty()) {
                    fail(
                            CallbackFailure.UNKNOWN_HOST,
                            resolved.cause() == null ? "no address" : describe(resolved.cause()));
                    return;
                }
                checkThenConnect(resolved.getNow());
            });
        }

        /** Every address must pass: a name that resolves to a public and a private address is refused. */
        private void checkThenConnect(List<InetAddress> addresses) {
            for (InetAddress a : addresses) {
                CallbackFailure refused = rules.check(target, a);
                if (refused != CallbackFailure.NONE) {
                    fail(refused, "resolved to " + CallbackAddressRules.text(a));
                    return;
                }
            }
            connect(addresses, 0);
        }

        private void connect(List<InetAddress> addresses, int i) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                fail(CallbackFailure.TIMEOUT, "no time left to connect");
                return;
            }
            remote = new InetSocketAddress(addresses.get(i), target.port());
            Bootstrap b = new Bootstrap()
                    .group(loop)
                    .channel(NioSocketChannel.class)
                    .resolver(NoopAddressResolverGroup.INSTANCE) // the address is checked: never resolve again
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, left))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            if (target.https()) {
                                p.addLast("tls", tls.newHandler(ch.alloc(), target.sniHost(), target.port()));
                            }
                            p.addLast("codec", new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192));
                            p.addLast("reader", new ResponseReader(Attempt.this));
                        }
                    });
            ChannelFuture f = b.connect(remote);
            channel = f.channel();
            f.addListener((ChannelFuture c) -> {
                if (c.isSuccess() || finished) {
                    return;
                }
                if (i + 1 < addresses.size()) {
                    connect(addresses, i + 1);
                } else if (c.cause() instanceof ConnectTimeoutException) {
                    fail(CallbackFailure.TIMEOUT, "connect to " + where() + " timed out");
                } else {
                    fail(CallbackFailure.CONNECTION_FAILED, "connect to " + where() + ": " + describe(c.cause()));
                }
            });
        }

        FullHttpRequest request() {
            FullHttpRequest r = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1, HttpMethod.POST, target.target(), Unpooled.wrappedBuffer(body));
            r.headers()
                    .set(HttpHeaderNames.HOST, target.hostHeader())
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.USER_AGENT, "nucleon-callback");
            if (contentType != null) {
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            }
            headers.forEach((k, v) -> r.headers().set(k, v));
            return r;
        }

        /** The address connected to, for the log (the sender's log line names the URL's scheme, host and port). */
        String where() {
            return remote == null
                    ? "(not connected)"
                    : CallbackAddressRules.text(remote.getAddress()) + ":" + remote.getPort();
        }

        void answered(int status) {
            if (finished) {
                return;
            }
            finish(new Result(
                    status,
                    status / 100 == 2 ? CallbackFailure.NONE : CallbackFailure.ofStatus(status),
                    "HTTP " + status + " from " + where()));
        }

        void fail(CallbackFailure why, String detail) {
            if (!finished) {
                finish(new Result(0, why, detail));
            }
        }

        private void finish(Result r) {
            finished = true;
            if (timer != null) {
                timer.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            result.complete(r);
        }
    }

    /** Reads the response: its status, then its body up to the cap (dropped). */
    private static final class ResponseReader extends SimpleChannelInboundHandler<HttpObject> {
        private final Attempt attempt;
        private int status;
        private long read;

        ResponseReader(Attempt attempt) {
            this.attempt = attempt;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // with TLS the handler holds the request until the handshake is done
            ctx.writeAndFlush(attempt.request()).addListener(f -> {
                if (!f.isSuccess()) {
                    failed(f.cause());
                }
            });
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg.decoderResult().isFailure()) {
                attempt.fail(
                        CallbackFailure.BAD_RESPONSE,
                        "from " + attempt.where() + ": "
                                + describe(msg.decoderResult().cause()));
                return;
            }
            if (msg instanceof HttpResponse r) {
                int code = r.status().code();
                // an interim 1xx (100 Continue, 103 Early Hints): the final response follows; 101 is not asked for
                status = code >= 100 && code < 200 && code != 101 ? 0 : code;
                if (code == 101) {
                    attempt.answered(code);
                    return;
                }
            }
            if (msg instanceof HttpContent c) {
                read += c.content().readableBytes();
                if (status == 0) {
                    return; // the end of an interim response
                }
                if (msg instanceof LastHttpContent || read > MAX_RESPONSE_BYTES) {
                    attempt.answered(status);
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                attempt.fail(CallbackFailure.TLS_FAILED, "with " + attempt.where() + ": " + describe(e.cause()));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            attempt.fail(
                    CallbackFailure.CONNECTION_FAILED,
                    "closed by " + attempt.where() + " before the response was complete");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(cause);
        }

        private void failed(Throwable cause) {
            if (isTls(cause)) {
                attempt.fail(CallbackFailure.TLS_FAILED, "with " + attempt.where() + ": " + describe(cause));
            } else if (cause instanceof DecoderException) {
                attempt.fail(CallbackFailure.BAD_RESPONSE, "from " + attempt.where() + ": " + describe(cause));
            } else {
                attempt.fail(CallbackFailure.CONNECTION_FAILED, "with " + attempt.where() + ": " + describe(cause));
            }
        }
    }

    private static boolean isTls(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException || c instanceof NotSslRecordException) {
                return true;
            }
        }
        return false;
    }

    /** An exception for the log: its class and message, and its cause's. */
    static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String s = t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
        return root == t
                ? s
                : s + " (" + root.getClass().getSimpleName()
                        + (root.getMessage() != null ? ": " + root.getMessage() : "") + ")";
    }
}
