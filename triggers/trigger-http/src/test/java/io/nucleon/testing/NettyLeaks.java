package io.nucleon.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Collects Netty's {@code LEAK:} reports so that a test can fail on them. Netty reports a leaked
 * buffer by logging at ERROR on {@code io.netty.util.ResourceLeakDetector} (through SLF4J, so
 * logback), once the buffer has been garbage-collected and the detector next tracks a buffer. This
 * class is the logback appender that records those lines (declared in {@code logback-test.xml}), and
 * {@link #detect()} makes the detector report what is pending now.
 *
 * <p>To make sure nothing pending is missed, {@link #detect()} leaks a canary buffer of its own with a
 * unique hint and collects until the canary's report has come in (garbage collection and the
 * detector's queue have then caught up with everything unreachable before it); the canary's report
 * is left out of the result. If the canary never shows up, leak detection is not working, and that
 * fails too. Where netty-handler and OpenSSL are on the class path it also makes and releases an
 * OpenSSL context and engine, whose detectors report leaked contexts and engines. Thread-safe.
 */
public final class NettyLeaks extends AppenderBase<ILoggingEvent> {
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();
    private static final String CANARY = "nucleon-leak-canary-";
    /** A hint that marks a leak a test makes on purpose: recorded like any other, but not printed. */
    public static final String ON_PURPOSE = "leaked-on-purpose";
    private static final long CANARY_TIMEOUT_NANOS = 10_000_000_000L;

    @Override
    protected void append(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        if (message != null && message.startsWith("LEAK:")) {
            REPORTS.add(message);
            if (!message.contains(CANARY) && !message.contains(ON_PURPOSE)) {
                System.err.println("NETTY " + message); // the logger is not additive: the canaries would be noise
            }
        }
    }

    /**
     * Makes Netty report every buffer leaked so far, and returns those reports (removing them).
     *
     * @throws AssertionError when leak detection does not work here (the canary was never reported)
     */
    public static synchronized List<String> detect() {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID); // surefire sets it; an IDE may not
        }
        String canary = CANARY + UUID.randomUUID();
        leakCanary(canary);
        long deadline = System.nanoTime() + CANARY_TIMEOUT_NANOS;
        List<String> found = new ArrayList<>();
        boolean canarySeen = false;
        while (!canarySeen) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Netty's leak detector did not report a buffer leaked on purpose within 10 s:"
                        + " leak detection is not working (is io.netty.leakDetection.level paranoid, and is "
                        + NettyLeaks.class.getName() + " an appender of io.netty.util.ResourceLeakDetector in logback-test.xml?)");
            }
            System.gc();
            // each tracked allocation makes the detector poll its queue of collected, unreleased buffers
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
            ByteBufAllocator.DEFAULT.heapBuffer(1).release();
            String r;
            while ((r = REPORTS.poll()) != null) {
                if (r.contains(canary)) {
                    canarySeen = true;
                } else if (!r.contains(CANARY)) {
                    found.add(r);
                }
            }
        }
        // OpenSSL contexts and engines have detectors of their own, polled when one is made
        if (pokeOpenSslDetectors()) {
            String r;
            while ((r = REPORTS.poll()) != null) {
                if (!r.contains(CANARY)) {
                    found.add(r);
                }
            }
        }
        return found;
    }

    /** Makes and releases an OpenSSL context and engine, if netty-handler and OpenSSL are here; whether it did. */
    private static boolean pokeOpenSslDetectors() {
        try {
            if (!io.netty.handler.ssl.OpenSsl.isAvailable()) {
                return false;
            }
            io.netty.handler.ssl.SslContext context = io.netty.handler.ssl.SslContextBuilder.forClient()
                    .sslProvider(io.netty.handler.ssl.SslProvider.OPENSSL_REFCNT).build();
            try {
                io.netty.util.ReferenceCountUtil.release(context.newEngine(ByteBufAllocator.DEFAULT));
            } finally {
                io.netty.util.ReferenceCountUtil.release(context);
            }
            return true;
        } catch (NoClassDefFoundError | javax.net.ssl.SSLException notHere) {
            return false; // a module without netty-handler: buffers only
        }
    }

    private static void leakCanary(String hint) {
        ByteBuf b = ByteBufAllocator.DEFAULT.heapBuffer(1);
        b.touch(hint);
        // dropped without release(), on purpose
    }
}
