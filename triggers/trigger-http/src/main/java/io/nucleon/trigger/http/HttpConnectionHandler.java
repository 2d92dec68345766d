package io.nucleon.trigger.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import io.nucleon.spi.Dispatcher;
import java.util.ArrayDeque;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a connection's pipeline: turns each complete request into an {@link HttpEvent},
 * dispatches it, and writes the replies in request order (HTTP/1.1 pipelining), however the
 * workers finish. Requests the trigger answers itself (400 malformed, 413 too large, 414, 431, 408)
 * take their place in the same order and close the connection after their reply.
 *
 * <p>Buffer ownership: the aggregated request is released here as soon as its body is copied into
 * the event; responses are wrapped byte arrays that Netty releases once written. Event loop only,
 * except {@link #eventLoop()}.
 */
final class HttpConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HttpConnectionHandler.class);

    private final HttpTrigger trigger;
    private final Dispatcher dispatcher;
    private final LoopBatch batch;
    private final ConnectionState state;
    private final int maxPipelined;
    /** Null when async calls are off: then the only cost on the request path is one null check. */
    private final AsyncRoute async;
    private final ArrayDeque<HttpExchange> inOrder = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private EventLoop loop;
    private boolean closing;

    HttpConnectionHandler(HttpTrigger trigger, Dispatcher dispatcher, LoopBatch batch, ConnectionState state, int maxPipelined,
                          AsyncRoute async) {
        this.async = async;
        this.trigger = trigger;
        this.dispatcher = dispatcher;
        this.batch = batch;
        this.state = state;
        this.maxPipelined = maxPipelined;
        state.handler = this;
    }

    EventLoop eventLoop() {
        return loop;
    }

    /** Requests received and not yet answered. */
    int pending() {
        return inOrder.size();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.loop = ctx.channel().eventLoop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (msg == BoundedAggregator.OVERSIZED) {
            state.requestComplete();
            answerAndClose(ErrorResponses.error(413, "request body too large", null,
                    "the body exceeds maxRequestBodySize of " + trigger.config().maxRequestBodySize));
            return;
        }
        if (!(msg instanceof FullHttpRequest request)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        state.requestComplete();
        try {
            DecoderResult result = request.decoderResult();
            if (!result.isSuccess()) {
                answerAndClose(decodeFailure(result.cause()));
                return;
            }
            HttpHeaders headers = request.headers();
            byte[] body = request.content().isReadable() ? ByteBufUtil.getBytes(request.content()) : EMPTY;
            CloudEvent structured = null;
            if (CloudEvent.isStructured(headers.get(HttpHeaderNames.CONTENT_TYPE))) {
                try {
                    structured = CloudEvent.parse(body);
                    body = structured.data();
                } catch (IllegalArgumentException e) {
                    answerInOrder(ErrorResponses.error(400, "bad request", null, e.getMessage()), HttpUtil.isKeepAlive(request));
                    return;
                }
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpExchange exchange = new HttpExchange(this, keepAlive, request.protocolVersion() == HttpVersion.HTTP_1_0);
            inOrder.add(exchange);
            if (inOrder.size() >= maxPipelined) {
                ctx.channel().config().setAutoRead(false);
            }
            if (async != null && async.route(request, body, structured, ctx.channel().remoteAddress(), exchange)) {
                return;
            }
            HttpEvent event = new HttpEvent(trigger.name(), request.method().name(), request.uri(), headers, body, structured);
            dispatcher.dispatchBatched(event, exchange);
            batch.dispatched();
        } finally {
            request.release();
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private static Response decodeFailure(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorResponses.error(431, "request header fields too large", null, "the headers exceed maxHeaderSize");
        }
        if (cause instanceof TooLongHttpLineException) {
            return ErrorResponses.error(414, "URI too long", null, "the request line exceeds maxInitialLineLength");
        }
        if (cause instanceof TooLongFrameException) {
            return ErrorResponses.error(400, "bad request", null, "a part of the request is too long");
        }
        return ErrorResponses.error(400, "bad request", null, "malformed HTTP request: "
                + (cause == null ? "unknown error" : cause.getMessage()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ConnectionTimeouts.REQUEST_TIMED_OUT) {
            if (inOrder.isEmpty() && !closing) {
                answerAndClose(ErrorResponses.error(408, "request timeout", null,
                        "the request did not arrive within readTimeout of " + trigger.config().readTimeout.toMillis() + " ms"));
            } else {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Queues a reply the trigger makes itself, then stops reading and closes after it is written. */
    private void answerAndClose(Response response) {
        closing = true;
        ctx.channel().config().setAutoRead(false);
        answerInOrder(response, false);
    }

    private void answerInOrder(Response response, boolean keepAlive) {
        inOrder.add(HttpExchange.answered(this, response, keepAlive));
        writeCompleted();
    }

    /** Writes every reply that is ready and whose predecessors have been written. */
    void writeCompleted() {
        boolean wrote = false;
        HttpExchange head;
        while ((head = inOrder.peek()) != null && head.response != null) {
            inOrder.poll();
            boolean keepAlive = head.keepAlive && trigger.isAccepting() && !(closing && inOrder.isEmpty());
            FullHttpResponse r;
            try {
                r = toNetty(head.response, keepAlive, head.http10);
            } catch (IllegalArgumentException e) {
                String errorId = ErrorResponses.newErrorId();
                LOG.atError().addKeyValue("errorId", errorId).addKeyValue("trigger", trigger.name())
                        .log("the handler's response cannot be sent: " + e.getMessage());
                r = toNetty(ErrorResponses.error(500, "invalid response", errorId, "the handler's response has an invalid header"),
                        keepAlive, head.http10);
            }
            if (keepAlive) {
                ctx.write(r, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                inOrder.clear();
                closing = true;
                return;
            }
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
            if (!closing && inOrder.size() < maxPipelined && !ctx.channel().config().isAutoRead()) {
                ctx.channel().config().setAutoRead(true);
            }
        }
    }

    private static FullHttpResponse toNetty(Response response, boolean keepAlive, boolean http10) {
        byte[] body = response.body();
        FullHttpResponse r = new DefaultFullHttpResponse(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        HttpHeaders h = r.headers();
        for (Map.Entry<String, String> e : response.headers().entrySet()) {
            h.set(e.getKey(), e.getValue());
        }
        if (response.contentType() != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        }
        int status = response.status();
        if (status != 204 && status != 304 && status >= 200) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return r;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
