package io.nucleon.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check itself: a buffer dropped without release is reported, and one released is not. */
class NettyLeaksTest {

    @Test
    void reportsABufferThatWasNeverReleased() {
        leak(NettyLeaks.ON_PURPOSE + "-by-NettyLeaksTest");
        List<String> reports = NettyLeaks.detect(); // taken here, so FailOnNettyLeaks sees none after this class
        assertEquals(1, reports.size(), () -> String.join("\n", reports));
        assertTrue(reports.get(0).contains(NettyLeaks.ON_PURPOSE + "-by-NettyLeaksTest"), reports.get(0));
    }

    @Test
    void reportsNothingWhenEveryBufferIsReleased() {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        b.release();
        assertEquals(List.of(), NettyLeaks.detect());
    }

    @Test
    void reportsAnOpenSslEngineThatWasNeverReleased() throws Exception {
        leakAnEngine();
        List<String> reports = new java.util.ArrayList<>(NettyLeaks.detect());
        reports.addAll(NettyLeaks.detect()); // each detector reports when the next of its kind is made: a second pass
        assertTrue(reports.stream().anyMatch(r -> r.contains("ReferenceCountedOpenSslEngine.release() was not called")),
                () -> String.join("\n", reports));
        assertTrue(reports.stream().anyMatch(r -> r.contains("ReferenceCountedOpenSslContext.release() was not called")),
                () -> String.join("\n", reports));
        assertTrue(reports.stream().allMatch(r -> r.contains("ReferenceCountedOpenSslEngine") || r.contains("ReferenceCountedOpenSslContext")),
                () -> String.join("\n", reports));
    }

    /** In a method of its own, so that no local variable keeps them reachable while the test looks for the report. */
    private static void leakAnEngine() throws Exception {
        io.netty.handler.ssl.SslContext context = io.netty.handler.ssl.SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.SslProvider.OPENSSL_REFCNT).build();
        context.newEngine(ByteBufAllocator.DEFAULT); // dropped without release(), on purpose
        io.netty.util.ReferenceCountUtil.release(context); // the engine still holds it: it leaks with the engine
    }

    private static void leak(String hint) {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.touch(hint);
    }
}
