package io.nucleon.trigger.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.nucleon.spi.ErrorResponses;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * First in the pipeline of a TLS connection: looks at the first five bytes the client sends. A TLS
 * record goes on to the {@link SslHandler} (this handler removes itself, so it costs nothing after
 * the first read). Anything else, most likely plain HTTP sent to an HTTPS port, is answered with a
 * plain-text 400 saying so (rather than the TLS alert the client could not read), the output is
 * shut, what the client still sends is read and dropped until it closes or a second passes, and the
 * connection is closed. Counted as a failed handshake ({@code not_tls}). Event loop only.
 */
final class HttpTlsPlainRequestRefusal extends ByteToMessageDecoder {
    static final String NAME = "tls-plain-refusal";
    /** The length of a TLS record header, what it takes to tell TLS from anything else. */
    private static final int RECORD_HEADER = 5;

    private static final long LINGER_MILLIS = 1000;
    private static final byte[] REPLY = reply();

    private final HttpTls tls;
    private boolean refused;

    HttpTlsPlainRequestRefusal(HttpTls tls) {
        this.tls = tls;
    }

    private static byte[] reply() {
        byte[] body = ErrorResponses.body(
                "bad request", null, "this port speaks HTTPS (TLS): the request was sent in plain text; use https://");
        String head = "HTTP/1.1 400 Bad Request\r\n"
                + "Content-Type: application/json\r\n"
                + "Connection: close\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < RECORD_HEADER) {
            return; // the SslHandler's handshake timeout covers a client that stops here
        }
        if (SslHandler.isEncrypted(in, false)) {
            ctx.pipeline().remove(this); // hands what was read to the SslHandler
            return;
        }
        refused = true;
        in.skipBytes(in.readableBytes());
        tls.handshakeFailed(ctx.channel(), HttpTls.HandshakeFailure.NOT_TLS, null);
        // the TLS handlers go first, so that closing does not count a second failure
        ctx.pipeline().remove(HttpTlsHandshakeWatch.NAME);
        ctx.pipeline().remove(HttpTlsHandshakeWatch.SSL_NAME);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(REPLY)).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && f.channel() instanceof SocketChannel ch) {
                ch.shutdownOutput();
            } else {
                f.channel().close();
            }
        });
        ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (refused && evt instanceof ChannelInputShutdownEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
