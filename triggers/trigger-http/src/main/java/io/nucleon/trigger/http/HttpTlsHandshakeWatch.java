package io.nucleon.trigger.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;

/**
 * Right after the {@link io.netty.handler.ssl.SslHandler}: counts and logs (at DEBUG, rate-limited)
 * each failed handshake by reason, and keeps TLS errors, which are the client's business (a wrong
 * CA, no common cipher, garbage records), from reaching the connection handler as unexpected
 * failures: during the handshake they are dropped here (the SslHandler closes the connection), after
 * it they go on unwrapped as the {@link SSLException} they are, an I/O error, which the connection
 * handler logs at DEBUG. Sees no reads (Netty skips handlers that do not override them). Event loop only.
 */
final class HttpTlsHandshakeWatch extends ChannelInboundHandlerAdapter {
    static final String NAME = "tls-handshake-watch";
    static final String SSL_NAME = "tls";

    private final HttpTls tls;
    private boolean handshaken;

    HttpTlsHandshakeWatch(HttpTls tls) {
        this.tls = tls;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                handshaken = true;
            } else {
                Throwable cause = done.cause();
                HttpTls.HandshakeFailure reason = cause instanceof SslHandshakeTimeoutException
                        ? HttpTls.HandshakeFailure.TIMEOUT
                        : cause instanceof ClosedChannelException
                                ? HttpTls.HandshakeFailure.CLOSED
                                : HttpTls.HandshakeFailure.REJECTED;
                tls.handshakeFailed(ctx.channel(), reason, cause);
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        SSLException ssl = cause instanceof SSLException s
                ? s
                : cause instanceof DecoderException && cause.getCause() instanceof SSLException s ? s : null;
        if (ssl == null) {
            ctx.fireExceptionCaught(cause);
        } else if (!handshaken) {
            ctx.close(); // counted and logged as a failed handshake
        } else {
            ctx.fireExceptionCaught(ssl);
        }
    }
}
