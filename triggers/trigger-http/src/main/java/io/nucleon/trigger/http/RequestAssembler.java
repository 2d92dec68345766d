package io.nucleon.trigger.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.nucleon.trigger.http.auth.AuthIdentity;
import io.nucleon.trigger.http.auth.AuthRefusal;
import io.nucleon.trigger.http.auth.AuthVerdict;
import io.nucleon.trigger.http.auth.HttpAuth;
import java.util.Arrays;

/**
 * Turns the codec's request parts into one {@link ReceivedRequest} per request, copying the body
 * straight out of each network buffer into a heap array (the buffer is released at once, so a slow
 * upload holds no direct memory), within two bounds:
 * <ul>
 *   <li>{@code maxRequestBodySize}: a larger declared or received body becomes {@link ReceivedRequest.Kind#TOO_LARGE};</li>
 *   <li>the trigger's {@link BodyBudget} ({@code maxInflightBodyBytes}): the body's bytes are reserved before
 *       they are received (all of a declared {@code Content-Length} at once, else chunk by chunk); when they
 *       do not fit the request becomes {@link ReceivedRequest.Kind#OVER_BUDGET} and the rest of its body is
 *       read and dropped, so the connection stays usable and the caller gets a 503 rather than a reset.</li>
 * </ul>
 * A request that asks {@code Expect: 100-continue} is told to continue only once its body fits both.
 * With {@code auth} on, a request's credentials are checked ({@link HttpAuth#check}) as soon as its
 * head arrives, before anything else: a refused one becomes {@link ReceivedRequest.Kind#REFUSED}; its
 * body is never held (callers without credentials cost no body memory), only read and dropped when
 * it is at most {@code maxRequestBodySize}, else the connection closes after the answer.
 * Requests the trigger must refuse are passed on in their place, so their answers keep request order.
 * Event loop only.
 */
final class RequestAssembler extends ChannelInboundHandlerAdapter {
    /** The first allocation of a chunked body; it doubles from there, never past {@code maxRequestBodySize}. */
    private static final int FIRST_CHUNKED_CAPACITY = 4096;

    private final int maxBody;
    private final BodyBudget budget;
    /** Null when auth is off. */
    private final HttpAuth auth;
    /** The request being assembled, or {@code null}. */
    private HttpRequest head;
    /** Who the request being assembled was let in as (null when auth is off). */
    private AuthIdentity identity;

    private byte[] body;
    private int length;
    private long reserved;

    RequestAssembler(int maxBody, BodyBudget budget, HttpAuth auth) {
        this.maxBody = maxBody;
        this.budget = budget;
        this.auth = auth;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                begin(ctx, request);
            }
            if (msg instanceof HttpContent content) {
                content(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest request) {
        abandon(); // a new head always follows the last part of the previous request; be safe anyway
        if (request.decoderResult().isFailure()) {
            refuse(
                    ctx,
                    ReceivedRequest.Kind.MALFORMED,
                    request,
                    request.decoderResult().cause());
            return;
        }
        AuthIdentity who = null;
        if (auth != null) {
            AuthVerdict verdict = auth.check(request);
            if (verdict instanceof AuthRefusal refusal) {
                ctx.fireChannelRead(ReceivedRequest.refused(request, refusal.response(), drainIsUnbounded(request)));
                return;
            }
            who = (AuthIdentity) verdict;
        }
        long declared;
        try {
            declared = HttpUtil.getContentLength(request, -1L);
        } catch (NumberFormatException e) {
            refuse(
                    ctx,
                    ReceivedRequest.Kind.MALFORMED,
                    request,
                    new IllegalArgumentException("invalid Content-Length"));
            return;
        }
        if (declared > maxBody) {
            refuse(ctx, ReceivedRequest.Kind.TOO_LARGE, request, null);
            return;
        }
        if (declared > 0) {
            if (!budget.tryReserve(declared)) {
                refuse(ctx, ReceivedRequest.Kind.OVER_BUDGET, request, null);
                return;
            }
            reserved = declared;
            body = new byte[(int) declared];
        } else {
            body = null;
        }
        head = request;
        identity = who;
        length = 0;
        if (HttpUtil.is100ContinueExpected(request)) {
            request.headers().remove(HttpHeaderNames.EXPECT);
            ctx.writeAndFlush(new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
    }

    private void content(ChannelHandlerContext ctx, HttpContent content) {
        if (head == null) {
            return; // the body of a refused request: read and dropped
        }
        if (content.decoderResult().isFailure()) {
            HttpRequest h = head;
            abandon();
            refuse(
                    ctx,
                    ReceivedRequest.Kind.MALFORMED,
                    h,
                    content.decoderResult().cause());
            return;
        }
        ByteBuf data = content.content();
        int n = data.readableBytes();
        if (n > 0 && !append(data, n)) {
            HttpRequest h = head;
            boolean tooLarge = length + (long) n > maxBody;
            abandon();
            refuse(ctx, tooLarge ? ReceivedRequest.Kind.TOO_LARGE : ReceivedRequest.Kind.OVER_BUDGET, h, null);
            return;
        }
        if (content instanceof LastHttpContent end) {
            if (!end.trailingHeaders().isEmpty()) {
                head.headers().add(end.trailingHeaders());
            }
            byte[] b =
                    body == null ? ReceivedRequest.EMPTY : length == body.length ? body : Arrays.copyOf(body, length);
            ReceivedRequest complete = ReceivedRequest.complete(head, b, reserved, identity);
            head = null;
            identity = null;
            body = null;
            reserved = 0; // now held by the request, released when its reply is set
            ctx.fireChannelRead(complete);
        }
    }

    /**
     * Whether reading and dropping the body of a refused request could take more than
     * {@code maxRequestBodySize}: a body announced larger, of unknown length (chunked), or one the
     * client waits to be asked for ({@code Expect: 100-continue}, which it may send anyway). Such a
     * connection is closed after its answer; a refused request with a small body keeps it.
     */
    private boolean drainIsUnbounded(HttpRequest request) {
        if (HttpUtil.is100ContinueExpected(request) || HttpUtil.isTransferEncodingChunked(request)) {
            return true;
        }
        try {
            return HttpUtil.getContentLength(request, 0L) > maxBody;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /** Copies {@code n} bytes into the body, growing (and reserving) as a chunked body needs; false when they may not. */
    private boolean append(ByteBuf data, int n) {
        long needed = (long) length + n;
        if (needed > maxBody) {
            return false;
        }
        if (body == null || needed > body.length) {
            int capacity = (int) Math.min(
                    maxBody, Math.max(needed, Math.max(FIRST_CHUNKED_CAPACITY, body == null ? 0 : 2L * body.length)));
            long more = capacity - reserved;
            if (!budget.tryReserve(more)) {
                return false;
            }
            reserved += more;
            body = body == null ? new byte[capacity] : Arrays.copyOf(body, capacity);
        }
        data.getBytes(data.readerIndex(), body, length, n);
        length += n;
        return true;
    }

    /** Passes on a request the trigger must answer itself; the rest of its body is dropped (no head is kept). */
    private void refuse(ChannelHandlerContext ctx, ReceivedRequest.Kind kind, HttpRequest request, Throwable failure) {
        ctx.fireChannelRead(new ReceivedRequest(kind, request, ReceivedRequest.EMPTY, 0, failure));
    }

    /** Drops the request being assembled and gives its bytes back. */
    private void abandon() {
        head = null;
        identity = null;
        body = null;
        length = 0;
        budget.release(reserved);
        reserved = 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        abandon();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        abandon();
    }
}
