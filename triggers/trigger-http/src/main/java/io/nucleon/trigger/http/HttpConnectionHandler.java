package io.nucleon.trigger.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.nucleon.api.Response;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.ErrorResponses;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * The end of a connection's pipeline: turns each {@link ReceivedRequest} into an {@link HttpEvent},
 * dispatches it, and writes the replies in request order (HTTP/1.1 pipelining), however the workers
 * finish. Requests the trigger answers itself (400 malformed, 413 too large, 414, 431, 408, 503 over
 * the body budget, 401 and 403 from the auth check, the async intake's answers) take their place in
 * the same order; the fatal ones close the connection after their reply.
 *
 * <p>Reading stops, and resumes by itself, whenever the connection has {@code maxPipelinedRequests}
 * requests unanswered (dispatched or answered by the trigger alike) or its unwritten replies pass the
 * write buffer's high-water mark (a client that does not read); {@link ConnectionTimeouts} then
 * closes a connection whose replies make no progress for {@code idleTimeout}. So one connection holds
 * at most {@code maxPipelinedRequests} events and about one high-water mark of replies.
 *
 * <p>Buffer ownership: requests arrive as heap arrays (see {@link RequestAssembler}), responses are
 * wrapped byte arrays that Netty releases once written. A request's body bytes are given back to the
 * {@link BodyBudget} when its reply is set ({@link InFlightRequest}). Event loop only, except
 * {@link #eventLoop()}.
 */
final class HttpConnectionHandler extends ChannelInboundHandlerAdapter {
    private final HttpTrigger trigger;
    private final Dispatcher dispatcher;
    private final LoopBatch batch;
    private final PipelineLinks links;
    private final int maxPipelined;
    /** Null when async calls are off: then the only cost on the request path is one null check. */
    private final AsyncRoute async;

    private final BodyBudget budget;
    private final ArrayDeque<InFlightRequest> inOrder = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private EventLoop loop;
    private boolean closing;
    /** Whether the channel is reading (its autoRead), as this handler last set it. */
    private boolean reading = true;

    HttpConnectionHandler(
            HttpTrigger trigger,
            Dispatcher dispatcher,
            LoopBatch batch,
            PipelineLinks links,
            int maxPipelined,
            AsyncRoute async,
            BodyBudget budget) {
        this.async = async;
        this.trigger = trigger;
        this.dispatcher = dispatcher;
        this.batch = batch;
        this.links = links;
        this.maxPipelined = maxPipelined;
        this.budget = budget;
        links.handler = this;
    }

    EventLoop eventLoop() {
        return loop;
    }

    /** Wakes this connection's loop for replies queued on it lazily; see {@link InFlightRequest#complete}. */
    Runnable waker() {
        return batch.waker;
    }

    BodyBudget budget() {
        return budget;
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
        if (!(msg instanceof ReceivedRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (closing) {
            budget.release(request.reserved);
            return;
        }
        links.requestComplete();
        switch (request.kind) {
            case MALFORMED -> answerAndClose(decodeFailure(request.failure));
            case TOO_LARGE ->
                answerAndClose(ErrorResponses.error(
                        413,
                        "request body too large",
                        null,
                        "the body exceeds maxRequestBodySize of " + trigger.config().maxRequestBodySize));
            case OVER_BUDGET -> {
                trigger.metrics().overBudget.increment();
                Response busy = ErrorResponses.overloaded(
                        "server busy",
                        "request bodies held in memory would exceed " + "maxInflightBodyBytes of "
                                + trigger.bodyBudgetDescription() + "; try again later",
                        1);
                if (HttpUtil.is100ContinueExpected(request.head)) {
                    answerAndClose(busy); // its body may still come, unannounced: do not read it as the next request
                } else {
                    answerInOrder(busy, request.keepAlive(), request.http10()); // its body is read and dropped
                }
            }
            case REFUSED -> {
                if (request.closeAfterAnswer) {
                    answerAndClose(request.refusal); // its body is large, of unknown size, or not announced: not read
                } else {
                    answerInOrder(
                            request.refusal,
                            request.keepAlive(),
                            request.http10()); // its small body is read and dropped
                }
            }
            case COMPLETE -> received(request);
        }
    }

    private void received(ReceivedRequest request) {
        HttpHeaders headers = request.headers();
        byte[] body = request.body;
        boolean keepAlive = request.keepAlive();
        InFlightRequest exchange = new InFlightRequest(this, keepAlive, request.http10(), request.reserved);
        enqueue(exchange);
        String badQuery = HttpEvent.malformedQuery(request.uri());
        if (badQuery != null) {
            exchange.answer(ErrorResponses.error(400, "bad request", null, badQuery)); // the connection goes on
            return;
        }
        CloudEvent structured = null;
        if (CloudEvent.isStructured(headers.get(HttpHeaderNames.CONTENT_TYPE))) {
            try {
                structured = CloudEvent.parse(body);
                body = structured.data();
            } catch (IllegalArgumentException e) {
                exchange.answer(ErrorResponses.error(400, "bad request", null, e.getMessage()));
                return;
            }
        }
        if (async != null && async.route(request.head, body, structured, request.identity, exchange)) {
            return;
        }
        HttpEvent event = new HttpEvent(
                trigger.name(), request.method(), request.uri(), headers, body, structured, request.identity);
        dispatcher.dispatchBatched(event, exchange);
        batch.dispatched();
    }

    private static Response decodeFailure(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorResponses.error(
                    431, "request header fields too large", null, "the headers exceed maxHeaderSize");
        }
        if (cause instanceof TooLongHttpLineException) {
            return ErrorResponses.error(414, "URI too long", null, "the request line exceeds maxInitialLineLength");
        }
        if (cause instanceof TooLongFrameException) {
            return ErrorResponses.error(400, "bad request", null, "a part of the request is too long");
        }
        return ErrorResponses.error(
                400,
                "bad request",
                null,
                "malformed HTTP request: " + (cause == null ? "unknown error" : cause.getMessage()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ConnectionTimeouts.REQUEST_TIMED_OUT) {
            if (inOrder.isEmpty() && !closing) {
                answerAndClose(ErrorResponses.error(
                        408,
                        "request timeout",
                        null,
                        "the request did not arrive within readTimeout of "
                                + trigger.config().readTimeout.toMillis() + " ms"));
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
        updateReading();
        answerInOrder(response, false, false);
    }

    /** Queues a reply the trigger makes itself; it counts against maxPipelinedRequests until written. */
    private void answerInOrder(Response response, boolean keepAlive, boolean http10) {
        enqueue(InFlightRequest.answered(this, response, keepAlive, http10));
        writeCompleted();
    }

    private void enqueue(InFlightRequest exchange) {
        inOrder.add(exchange);
        if (inOrder.size() >= maxPipelined) {
            updateReading();
        }
    }

    /** Reads while the connection is open, has room for another request, and its client reads its replies. */
    private void updateReading() {
        boolean read =
                !closing && inOrder.size() < maxPipelined && ctx.channel().isWritable();
        if (read != reading) {
            reading = read;
            links.readingPaused(!read); // first: resuming autoRead asks for a read, which the gate must let through
            ctx.channel().config().setAutoRead(read);
        }
    }

    /** Writes every reply that is ready and whose predecessors have been written. */
    void writeCompleted() {
        boolean wrote = false;
        InFlightRequest head;
        while ((head = inOrder.peek()) != null && head.response != null) {
            inOrder.poll();
            boolean keepAlive = head.keepAlive && trigger.isAccepting() && !(closing && inOrder.isEmpty());
            FullHttpResponse r;
            try {
                r = toNetty(head.response, keepAlive, head.http10);
            } catch (IllegalArgumentException e) {
                String errorId = ErrorResponses.newErrorId();
                trigger.log()
                        .atError()
                        .addKeyValue("errorId", errorId)
                        .addKeyValue("trigger", trigger.name())
                        .log("the handler's response cannot be sent: " + e.getMessage());
                r = toNetty(
                        ErrorResponses.error(
                                500, "invalid response", errorId, "the handler's response has an invalid header"),
                        keepAlive,
                        head.http10);
            }
            if (keepAlive) {
                ctx.write(r, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                inOrder.clear();
                closing = true;
                updateReading();
                return;
            }
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
            updateReading();
        }
    }

    private static FullHttpResponse toNetty(Response response, boolean keepAlive, boolean http10) {
        byte[] body = response.body();
        FullHttpResponse r = new DefaultFullHttpResponse(
                http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()),
                body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
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
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateReading();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        trigger.connectionFailed(ctx.channel(), cause);
        ctx.close();
    }
}
