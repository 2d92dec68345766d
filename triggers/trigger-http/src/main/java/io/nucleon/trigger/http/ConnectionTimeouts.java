package io.nucleon.trigger.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Enforces the timeouts of one connection. Sits before the HTTP codec so it sees raw bytes: the first
 * byte after a complete request opens a request, and the connection handler closes it
 * ({@link #requestComplete()}) when the whole request has arrived.
 * <ul>
 *   <li>read timeout: a request still incomplete that long after its first byte → the connection
 *       handler is told ({@link RequestTimedOut}) and answers 408 or closes. The clock stops while the
 *       trigger itself has stopped reading ({@link #readingPaused}), and restarts when it reads again:
 *       a request held up by the trigger's own back-pressure is not the client's fault;</li>
 *   <li>idle timeout: no request open, no response pending and no traffic that long → closed;</li>
 *   <li>write stall: the client does not read its replies (the channel is not writable) and the unwritten
 *       bytes have not gone down for the idle timeout → closed, and counted as a slow reader.</li>
 * </ul>
 * One timer per connection, re-armed for the nearest deadline. Runs on the channel's event loop only.
 */
final class ConnectionTimeouts extends ChannelDuplexHandler {
    /** Fired down the pipeline when a request took longer than the read timeout to arrive. */
    static final RequestTimedOut REQUEST_TIMED_OUT = new RequestTimedOut();

    static final class RequestTimedOut {
        private RequestTimedOut() {}
    }

    private final long readTimeoutNanos;
    private final long idleTimeoutNanos;
    private final PipelineLinks links;
    private final Runnable onSlowReaderClosed;
    private boolean requestOpen;
    private long requestStartedAt;
    private long lastActivity;
    private boolean paused;
    /** When the unwritten replies last went down while the channel was not writable; 0 while writable. */
    private long stallSince;

    private long unwrittenAtStall;
    private ScheduledFuture<?> timer;

    ConnectionTimeouts(long readTimeoutNanos, long idleTimeoutNanos, PipelineLinks links, Runnable onSlowReaderClosed) {
        this.readTimeoutNanos = readTimeoutNanos;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.links = links;
        this.onSlowReaderClosed = onSlowReaderClosed;
        links.timeouts = this;
    }

    /** The request being read has fully arrived. */
    void requestComplete() {
        requestOpen = false;
    }

    /** The trigger stopped reading this connection, or resumed: the read timeout's clock stops, or starts afresh. */
    void readingPaused(boolean paused) {
        this.paused = paused;
        if (!paused && requestOpen) {
            requestStartedAt = System.nanoTime();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        lastActivity = System.nanoTime();
        // Checked at least every readTimeout, so a request that opens later is caught in time
        // without touching the timer on every request.
        arm(ctx, Math.min(idleTimeoutNanos, readTimeoutNanos));
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
            long now = System.nanoTime();
            lastActivity = now;
            if (!requestOpen) {
                requestOpen = true;
                requestStartedAt = now;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        lastActivity = System.nanoTime();
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            stallSince = 0;
        } else if (stallSince == 0) {
            stallSince = System.nanoTime();
            unwrittenAtStall = ctx.channel().bytesBeforeWritable();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (timer != null) {
            timer.cancel(false);
        }
        super.channelInactive(ctx);
    }

    private void arm(ChannelHandlerContext ctx, long delayNanos) {
        timer = ctx.executor().schedule(() -> check(ctx), Math.max(delayNanos, 1_000_000), TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long period = Math.min(idleTimeoutNanos, readTimeoutNanos);
        if (!ctx.channel().isWritable()) {
            long unwritten = ctx.channel().bytesBeforeWritable();
            if (stallSince == 0 || unwritten < unwrittenAtStall) {
                stallSince = now; // the client is reading, slowly: that is progress
                unwrittenAtStall = unwritten;
            }
            long left = stallSince + idleTimeoutNanos - now;
            if (left <= 0) {
                onSlowReaderClosed.run();
                ctx.close();
                return;
            }
            arm(ctx, Math.min(left, period));
            return;
        }
        if (requestOpen && !paused) {
            long left = requestStartedAt + readTimeoutNanos - now;
            if (left <= 0) {
                requestOpen = false;
                ctx.fireUserEventTriggered(REQUEST_TIMED_OUT);
                return;
            }
            arm(ctx, left);
            return;
        }
        if (requestOpen || links.pending() > 0) {
            arm(ctx, period);
            return;
        }
        long left = lastActivity + idleTimeoutNanos - now;
        if (left <= 0) {
            ctx.close();
            return;
        }
        arm(ctx, Math.min(left, readTimeoutNanos));
    }
}
