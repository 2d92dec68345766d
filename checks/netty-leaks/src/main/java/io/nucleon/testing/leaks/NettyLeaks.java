package io.nucleon.testing.leaks;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Collects Netty's {@code LEAK:} reports so that a test can fail on them, and makes Netty report
 * what is pending when asked ({@link #detect()}).
 *
 * <p>Netty reports a resource that was garbage-collected without {@code release()} by logging at
 * ERROR on {@code io.netty.util.ResourceLeakDetector}, and only when that detector next tracks a new
 * resource. Both steps are left to chance in a normal run; {@link #detect()} forces them: it leaks a
 * canary buffer with a unique hint, then runs {@code System.gc()} and tracked allocations until the
 * canary's report has come in. Garbage collection and the detector's queue have then caught up with
 * everything that was unreachable before. It does so twice: the second canary is collected by a later
 * collection than the first, so every reference the first collection found has been handed to the
 * detector's queue by then (the JVM enqueues one collection's references before the next's).
 * Canary reports are left out of the result. If a canary never shows up, leak detection is not
 * working here, and that is an error too.
 *
 * <p>Where netty-handler and OpenSSL are on the class path, it also makes and releases an OpenSSL
 * context and engine, whose detectors report leaked contexts and engines the same way.
 *
 * <p>The reports are taken from logback (the tests' SLF4J provider): {@link #install()} adds an
 * appender to the detector's logger, so no {@code logback-test.xml} needs to mention it. That logger
 * does not pass the reports on to the console; real leaks are printed on standard error, leaks made
 * on purpose ({@link #ON_PURPOSE} in their hint) and canaries are not.
 *
 * <p>The collected reports are process-wide by nature (Netty's detectors are static): one store,
 * drained by each {@link #detect()}. Thread-safe.
 */
public final class NettyLeaks {
    /** A hint that marks a leak a test makes on purpose: recorded like any other, but not printed. */
    public static final String ON_PURPOSE = "leaked-on-purpose";

    private static final String DETECTOR_LOGGER = "io.netty.util.ResourceLeakDetector";
    private static final String APPENDER_NAME = "nucleon-netty-leaks";
    private static final String CANARY = "nucleon-leak-canary-";
    private static final long CANARY_TIMEOUT_NANOS = 10_000_000_000L;
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();

    private NettyLeaks() {}

    /**
     * Starts collecting: turns paranoid leak detection on (surefire sets it for the whole JVM; an IDE
     * may not) and adds the collecting appender to the detector's logger. Idempotent.
     *
     * @throws AssertionError when logback is not the SLF4J provider of the tests
     */
    public static synchronized void install() {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            throw new AssertionError(
                    "the Netty leak check reads the leak reports from logback, but the SLF4J provider of"
                            + " these tests is " + factory.getClass().getName()
                            + ": add ch.qos.logback:logback-classic as a test dependency");
        }
        Logger logger = context.getLogger(DETECTOR_LOGGER);
        if (logger.getAppender(APPENDER_NAME) == null) {
            ReportAppender appender = new ReportAppender();
            appender.setName(APPENDER_NAME);
            appender.setContext(context);
            appender.start();
            logger.addAppender(appender);
        }
        logger.setLevel(Level.ERROR); // Netty reports only when ERROR is enabled on this logger
        logger.setAdditive(false); // the canaries would be noise on the console; real leaks are printed by the appender
    }

    /**
     * Makes Netty report every resource leaked so far, and returns those reports (removing them).
     *
     * @throws AssertionError when leak detection does not work here (a canary was never reported)
     */
    public static synchronized List<String> detect() {
        install();
        List<String> found = new ArrayList<>();
        awaitCanary(found);
        awaitCanary(found);
        // OpenSSL contexts and engines have detectors of their own, polled when one is made
        if (pokeOpenSslDetectors()) {
            drain(found);
        }
        return found;
    }

    /** Leaks a canary buffer and collects reports until the canary's own report has come in. */
    private static void awaitCanary(List<String> found) {
        String canary = CANARY + UUID.randomUUID();
        leakCanary(canary);
        long deadline = System.nanoTime() + CANARY_TIMEOUT_NANOS;
        while (!drain(found, canary)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Netty's leak detector did not report a buffer leaked on purpose within 10 s:"
                        + " leak detection is not working (is io.netty.leakDetection.level paranoid, and does something turn"
                        + " the logger " + DETECTOR_LOGGER
                        + " off or reconfigure logback after the check was installed?)");
            }
            System.gc();
            // each tracked allocation makes the detector poll its queue of collected, unreleased buffers
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
            ByteBufAllocator.DEFAULT.heapBuffer(1).release();
        }
    }

    private static void drain(List<String> found) {
        drain(found, null);
    }

    /** Moves the pending reports but canaries to {@code found}; whether {@code canary}'s was among them. */
    private static boolean drain(List<String> found, String canary) {
        boolean seen = false;
        String r;
        while ((r = REPORTS.poll()) != null) {
            if (canary != null && r.contains(canary)) {
                seen = true;
            } else if (!r.contains(CANARY)) {
                found.add(r);
            }
        }
        return seen;
    }

    /** Makes and releases an OpenSSL context and engine, if netty-handler and OpenSSL are here; whether it did. */
    private static boolean pokeOpenSslDetectors() {
        try {
            if (!io.netty.handler.ssl.OpenSsl.isAvailable()) {
                return false;
            }
            io.netty.handler.ssl.SslContext context = io.netty.handler.ssl.SslContextBuilder.forClient()
                    .sslProvider(io.netty.handler.ssl.SslProvider.OPENSSL_REFCNT)
                    .build();
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

    /** In a method of its own, so that no local variable of the caller keeps the canary reachable. */
    private static void leakCanary(String hint) {
        ByteBuf b = ByteBufAllocator.DEFAULT.heapBuffer(1);
        b.touch(hint);
        // dropped without release(), on purpose
    }

    /** Records the detector's {@code LEAK:} lines. */
    private static final class ReportAppender extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent event) {
            String message = event.getFormattedMessage();
            if (message != null && message.startsWith("LEAK:")) {
                REPORTS.add(message);
                if (!message.contains(CANARY) && !message.contains(ON_PURPOSE)) {
                    System.err.println("NETTY " + message);
                }
            }
        }
    }
}
