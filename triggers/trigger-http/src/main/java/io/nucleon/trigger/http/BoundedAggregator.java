package io.nucleon.trigger.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * Netty's aggregator, except that an oversized request is not answered here (which could overtake
 * responses to earlier pipelined requests) but passed on as an {@link OversizedRequest} for the
 * connection handler to answer 413 in order.
 */
final class BoundedAggregator extends HttpObjectAggregator {

    /** Marks a request whose body exceeded the limit; the rest of its body is discarded. */
    static final OversizedRequest OVERSIZED = new OversizedRequest();

    static final class OversizedRequest {
        private OversizedRequest() {
        }
    }

    BoundedAggregator(int maxContentLength) {
        super(maxContentLength, false);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.fireChannelRead(OVERSIZED);
    }
}
