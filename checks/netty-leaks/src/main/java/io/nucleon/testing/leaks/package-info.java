/**
 * Tests fail on Netty leak reports.
 *
 * <pre>
 *  test class runs ──▶ a ByteBuf (or OpenSSL engine) is dropped without release()
 *        │
 *  afterAll: FailOnNettyLeaks ──▶ NettyLeaks.detect():
 *        leak a canary, System.gc() + tracked allocations until the canary is reported (twice)
 *        │                                   │
 *        │           ResourceLeakDetector logs "LEAK: ..." at ERROR ──▶ appender ──▶ reports
 *        ▼
 *  any report but the canaries ──▶ AssertionError: the class fails
 * </pre>
 *
 * <p>A module gets this by one test dependency ({@code io.nucleon:nucleon-netty-leaks}); the jar
 * carries the service entry and the {@code junit-platform.properties} line that register the
 * extension. Leak detection must be paranoid (the root pom's surefire configuration sets
 * {@code io.netty.leakDetection.level}), and logback must be the tests' SLF4J provider.
 */
package io.nucleon.testing.leaks;
