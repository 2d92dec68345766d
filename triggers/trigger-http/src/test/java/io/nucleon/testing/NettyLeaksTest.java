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

    private static void leak(String hint) {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.touch(hint);
    }
}
