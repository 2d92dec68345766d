package io.nucleon.testing.leaks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The leak check itself: a resource dropped without release is reported, every time, and one released is not. */
class NettyLeaksTest {

    @RepeatedTest(5) // GC-driven: the detection must not depend on when the collector runs
    void reportsABufferThatWasNeverReleased(RepetitionInfo repetition) {
        // a hint of its own each time: Netty reports a leak whose records it has reported before only once
        String hint = NettyLeaks.ON_PURPOSE + "-by-NettyLeaksTest-" + repetition.getCurrentRepetition();
        leak(hint);
        List<String> reports = NettyLeaks.detect(); // taken here, so FailOnNettyLeaks sees none after this class
        assertEquals(1, reports.size(), () -> String.join("\n", reports));
        assertTrue(reports.get(0).contains(hint), reports.get(0));
    }

    @Test
    void reportsEveryOneOfSeveralBuffersLeakedFromDifferentPlaces() {
        for (int i = 0; i < 3; i++) {
            leak(NettyLeaks.ON_PURPOSE + "-number-" + i); // a distinct hint each, as above
        }
        List<String> reports = NettyLeaks.detect();
        assertEquals(3, reports.size(), () -> String.join("\n", reports));
        for (int i = 0; i < 3; i++) {
            String hint = NettyLeaks.ON_PURPOSE + "-number-" + i;
            assertTrue(reports.stream().anyMatch(r -> r.contains(hint)), hint);
        }
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
        List<String> reports = new ArrayList<>(NettyLeaks.detect());
        reports.addAll(NettyLeaks.detect()); // each detector reports when the next of its kind is made: a second pass
        assertTrue(
                reports.stream().anyMatch(r -> r.contains("ReferenceCountedOpenSslEngine.release() was not called")),
                () -> String.join("\n", reports));
        assertTrue(
                reports.stream().anyMatch(r -> r.contains("ReferenceCountedOpenSslContext.release() was not called")),
                () -> String.join("\n", reports));
        assertTrue(
                reports.stream()
                        .allMatch(r -> r.contains("ReferenceCountedOpenSslEngine")
                                || r.contains("ReferenceCountedOpenSslContext")),
                () -> String.join("\n", reports));
    }

    /** In a method of its own, so that no local variable keeps them reachable while the test looks for the report. */
    private static void leakAnEngine() throws Exception {
        io.netty.handler.ssl.SslContext context = io.netty.handler.ssl.SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.SslProvider.OPENSSL_REFCNT)
                .build();
        io.netty.util.ReferenceCountUtil.touch(context, NettyLeaks.ON_PURPOSE); // recorded, not printed
        io.netty.util.ReferenceCountUtil.touch(
                context.newEngine(ByteBufAllocator.DEFAULT), NettyLeaks.ON_PURPOSE); // dropped without release()
        io.netty.util.ReferenceCountUtil.release(context); // the engine still holds it: it leaks with the engine
    }

    static void leak(String hint) {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.touch(hint);
    }
}
