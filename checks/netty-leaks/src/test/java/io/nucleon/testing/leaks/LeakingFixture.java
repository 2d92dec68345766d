package io.nucleon.testing.leaks;

import org.junit.jupiter.api.Test;

/**
 * Run by {@link FailOnNettyLeaksTest} only (its name matches none of surefire's default includes): a test
 * that passes but drops a buffer without releasing it.
 */
class LeakingFixture {
    static final String HINT = NettyLeaks.ON_PURPOSE + "-by-LeakingFixture";

    @Test
    void dropsABufferWithoutReleasingIt() {
        NettyLeaksTest.leak(HINT);
    }
}
