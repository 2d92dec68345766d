package io.nucleon.spi;

/**
 * Lets a {@link Completion} that hops to its trigger's own thread (a Netty event loop, to write a
 * reply) put off waking that thread while a worker ends a run of events, so that a run of answers
 * costs the trigger's thread one wake-up instead of one each.
 *
 * <p>A worker that hands its runtime several events at once ({@link WorkerRuntime#invokeAll}) opens a
 * run on its thread for the batch. A completion called on that thread may then queue its task on its
 * thread without waking it (Netty's {@code lazyExecute}) and {@link #defer} a wake-up; the engine
 * runs the deferred wake-ups, each once, when the runtime is about to wait ({@link EventBatch#flush}),
 * when the worker finds no more events, and after every few events otherwise. Outside a run,
 * {@link #defer} returns {@code false} and the completion wakes its thread at once, as usual.
 */
public final class CompletionHops {
    private static final ThreadLocal<Run> RUN = new ThreadLocal<>();

    private CompletionHops() {}

    /**
     * For triggers: when the calling thread is in a run, registers {@code wake} (which makes the
     * trigger's thread look at the tasks queued for it without a wake-up) to run at the run's next
     * flush, once however often it is registered, and returns {@code true}. Otherwise returns
     * {@code false}: wake the thread now.
     */
    public static boolean defer(Runnable wake) {
        Run run = RUN.get();
        if (run == null) {
            return false;
        }
        run.add(wake);
        return true;
    }

    /**
     * For engines: opens {@code run} on the calling thread until {@link Run#close()}. The engine
     * flushes it before the thread may wait long, and often enough that a reply is not held back for
     * more than a few events.
     */
    public static Run open(Run run) {
        RUN.set(run);
        return run;
    }

    /** The deferred wake-ups of one thread's run; reused from run to run by its thread. */
    public static final class Run implements AutoCloseable {
        private Runnable[] wakes = new Runnable[8];
        private int count;
        /** Hops deferred since the last flush, counting repeats. */
        private int deferred;

        /** An empty run, for one thread to {@link #open} again and again. */
        public Run() {}

        void add(Runnable wake) {
            deferred++;
            for (int i = 0; i < count; i++) {
                if (wakes[i] == wake) {
                    return;
                }
            }
            if (count == wakes.length) {
                wakes = java.util.Arrays.copyOf(wakes, count * 2);
            }
            wakes[count++] = wake;
        }

        /** How many hops were deferred since the last flush (a wake-up registered twice counts twice). */
        public int deferred() {
            return deferred;
        }

        /** Runs the wake-ups deferred so far, each once. */
        public void flush() {
            int n = count;
            count = 0;
            deferred = 0;
            for (int i = 0; i < n; i++) {
                Runnable wake = wakes[i];
                wakes[i] = null;
                wake.run();
            }
        }

        /** Flushes, and ends the run on the calling thread. */
        @Override
        public void close() {
            RUN.set(null);
            flush();
        }
    }
}
