package io.nucleon.trigger.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.nucleon.spi.ErrorResponses;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The whole pipeline of a connection accepted beyond {@code maxConnections}: it is answered at once
 * with a 503 (with {@code Retry-After} and {@code Connection: close}), its output is shut down, and
 * whatever the client sends meanwhile is read and dropped until it closes its side or a second
 * passes, so the client reads the 503 instead of a connection reset. Holds no buffer. Event loop only.
 */
final class ConnectionRefusal extends ChannelInboundHandlerAdapter {
    private static final long LINGER_MILLIS = 1000;
    private final byte[] reply;

    ConnectionRefusal(int maxConnections) {
        String body = new String(
                ErrorResponses.body(
                        "too many connections",
                        null,
                        "the server holds its maximum of " + maxConnections
                                + " connections (maxConnections); try again later"),
                StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Service Unavailable\r\n"
                + "Content-Type: application/json\r\n"
                + ErrorResponses.RETRY_AFTER + ": 1\r\n"
                + "Connection: close\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n";
        this.reply = (head + body).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ByteBuf out = Unpooled.wrappedBuffer(reply);
        ctx.writeAndFlush(out).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && ctx.channel() instanceof SocketChannel ch) {
                ch.shutdownOutput();
            } else {
                ctx.close();
            }
        });
        ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
