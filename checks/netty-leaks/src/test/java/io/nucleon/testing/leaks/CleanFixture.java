package io.nucleon.testing.leaks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** Run by {@link FailOnNettyLeaksTest} only: a test that releases what it allocates. */
class CleanFixture {

    @Test
    void releasesItsBuffer() {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(16);
        b.writeInt(1);
        b.release();
    }
}
