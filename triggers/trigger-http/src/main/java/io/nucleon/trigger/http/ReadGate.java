package io.nucleon.trigger.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

/**
 * Stands before the HTTP codec and keeps it from decoding far ahead of what the connection may have
 * in flight. The codec decodes every request in whatever bytes it is given, so a client that pipelines
 * thousands of small requests in one packet would otherwise have them all decoded (and queued) at
 * once. This gate hands the codec at most {@link #SLICE} bytes at a time, and while the connection
 * handler has stopped reading ({@link #pause}: too many requests unanswered, or a client that does not
 * read its replies) it holds the rest of what was read as raw bytes and swallows the codec's own
 * requests for more data. So what one connection holds beyond {@code maxPipelinedRequests} is at most
 * one slice's worth of decoded requests and one socket read of raw bytes.
 *
 * <p>A request smaller than a slice passes through untouched; bodies pass in slices. Event loop only.
 */
final class ReadGate extends ChannelDuplexHandler {
    /** The most bytes handed to the codec at once; at least 16 bytes a request, so a bound on how many it decodes ahead. */
    static final int SLICE = 16 * 1024;
    /** Requests the codec may have decoded beyond {@code maxPipelinedRequests}: a slice of the smallest requests. */
    static final int MAX_DECODED_AHEAD = SLICE / 16;

    private ChannelHandlerContext ctx;
    private ByteBuf held;
    private boolean paused;
    private boolean draining;
    private boolean drainScheduled;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Stops ({@code true}) or resumes handing bytes to the codec; resuming hands over what was held, soon after. */
    void pause(boolean pause) {
        paused = pause;
        if (!pause && held != null && !drainScheduled) {
            drainScheduled = true;
            ctx.executor().execute(() -> {
                drainScheduled = false;
                drain();
            });
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (held == null && !paused && buf.readableBytes() <= SLICE) {
            ctx.fireChannelRead(buf); // the common case: a request or two in one read
            return;
        }
        if (held == null) {
            held = buf;
        } else {
            CompositeByteBuf all;
            if (held instanceof CompositeByteBuf c) {
                all = c;
                all.discardReadComponents();
            } else {
                all = ctx.alloc().compositeBuffer(Integer.MAX_VALUE).addComponent(true, held);
            }
            held = all.addComponent(true, buf);
        }
        drain();
    }

    /** Hands the held bytes to the codec a slice at a time, until they are gone or reading pauses. */
    private void drain() {
        if (draining) {
            return; // a slice handed over just now made the handler resume: the loop below goes on
        }
        draining = true;
        try {
            while (held != null && !paused && ctx.channel().isActive()) {
                if (!held.isReadable()) {
                    held.release();
                    held = null;
                    break;
                }
                ctx.fireChannelRead(held.readRetainedSlice(Math.min(SLICE, held.readableBytes())));
            }
        } finally {
            draining = false;
        }
        if (held != null && !held.isReadable()) {
            held.release();
            held = null;
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!paused) {
            ctx.read(); // while paused the codec may ask for more to finish a request; it waits like the rest
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (held != null) {
            ReferenceCountUtil.safeRelease(held);
            held = null;
        }
    }
}
