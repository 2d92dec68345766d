package io.nucleon.benchmarks;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.api.Response;
import io.nucleon.core.metrics.TriggerMetrics;
import io.nucleon.core.runtime.JavaRuntime;
import io.nucleon.core.worker.PoolSettings;
import io.nucleon.core.worker.TimeoutWatchdog;
import io.nucleon.core.worker.WaitStrategyKind;
import io.nucleon.core.worker.WorkerPool;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How many events per second one producer thread can push through one consumer thread, from
 * hand-off to completion, on three paths:
 *
 * <ul>
 *   <li>{@link #nucleon}: Nucleon without a trigger. A real {@link WorkerPool} with one worker,
 *       fed by {@link WorkerPool#dispatch}, running the handler through {@link JavaRuntime}, with
 *       its {@link TriggerMetrics} on a Prometheus registry and a {@link TimeoutWatchdog} watching
 *       it, exactly as {@code FunctionProcessor} assembles them.</li>
 *   <li>{@link #rawDisruptor1P1C}: the floor under that: a single-producer Disruptor ring of the
 *       same size and wait strategy, drained by one {@link BatchEventProcessor} that calls the
 *       handler and then the completion, and nothing else.</li>
 *   <li>{@link #threadPoolExecutor}: what one would write without the Disruptor: a one-thread
 *       {@link ThreadPoolExecutor} on an unbounded {@link LinkedBlockingQueue}, one task per
 *       event.</li>
 * </ul>
 *
 * <h2>Why the comparison is fair</h2>
 * <ul>
 *   <li>Same work at both ends. Every path calls the same {@link ConstantHandler} (which returns a
 *       prebuilt {@link Response}) with the same preallocated {@link BenchEvent}, and reports to a
 *       {@link CountingCompletion} (one atomic increment). The handler does nothing, so the
 *       figures are the cost of the hand-off and its bookkeeping.</li>
 *   <li>Same threads. One producer (the JMH thread) and one consumer on every path, so on a
 *       two-core machine each has a core. Each path has its own {@link State}, so only the
 *       path being measured has threads alive: an idle yielding consumer of another path cannot
 *       steal a core from it.</li>
 *   <li>Same kind of wait. For the two ring-based paths the {@code waitStrategy} parameter selects
 *       the same kind of waiting: Nucleon's pool waits its own way for that kind (parking in
 *       {@code IdleWorkers} for {@code blocking}, spinning then yielding for {@code yielding}), the
 *       raw ring uses the Disruptor strategy of the same name ({@link #disruptorStrategy}); the
 *       executor has no such choice, and its state has no such parameter (JMH prints N/A).</li>
 *   <li>Same measurement. Each invocation hands off {@link #BATCH} events, then spins until all of
 *       them have completed, so a result counts events <em>finished</em>, not merely queued.
 *       {@link OperationsPerInvocation} turns that into events per second. An iteration in which
 *       any event did not succeed (rejected, timed out) fails instead of reporting.</li>
 *   <li>No back-pressure on either side. Both rings hold 16 384 events, more than a batch, so the
 *       producer never finds a ring full: what is measured is the hand-off itself. (A Nucleon pool
 *       never makes its dispatcher wait: an event that finds the queue full goes to the waiting list
 *       or is rejected, the overload path, which {@code benchmarks/overload.sh} measures instead.)
 *       The executor's queue is unbounded for the same reason. Across invocations the rings still
 *       wrap, every 1.6 batches.</li>
 * </ul>
 *
 * <p>What Nucleon pays for that the raw ring does not, and which is therefore part of the gap: a
 * multi-producer ring (triggers have many threads) with a shared work sequence (so that a pool can
 * have many workers), {@code nanoTime} reads for the availability timeout and the duration
 * histogram, the in-flight counter, outcome counters, and the timeout token.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(DispatchBenchmark.BATCH)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class DispatchBenchmark {
    /** Events handed off per benchmark invocation. */
    public static final int BATCH = 10_000;
    /** Ring size of both ring paths (the pool's queue size, a power of two already): room for a whole batch. */
    static final int RING_SIZE = 16_384;

    private static final Event EVENT = new BenchEvent();

    /** The Disruptor strategy that waits the way {@code kind} does, for the raw ring. */
    static WaitStrategy disruptorStrategy(WaitStrategyKind kind) {
        return switch (kind) {
            case BLOCKING -> new LiteBlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

    /** Runs the handler on one event and completes it: the consumer side of both baselines. */
    static void handleOne(Handler handler, Context context, Event event, Completion completion) {
        Object result;
        try {
            result = handler.handle(context, event);
        } catch (Throwable t) {
            completion.complete(event, Outcome.HANDLER_ERROR, ConstantHandler.HELLO, t);
            return;
        }
        completion.complete(event, Outcome.SUCCESS, (Response) result, null);
    }

    // ---- Nucleon --------------------------------------------------------------------------------

    /** A started one-worker {@link WorkerPool}, set up as {@code FunctionProcessor.start()} does. */
    @State(Scope.Benchmark)
    public static class NucleonPool {
        /** A {@code waitStrategy} as written in {@code function.yaml}. */
        @Param({"blocking", "yielding"})
        public String waitStrategy;

        /**
         * Where the pool's {@link TriggerMetrics} live: {@code prometheus}, the registry the processor
         * uses, or {@code none}, an empty {@link CompositeMeterRegistry} whose meters do nothing. Only
         * {@code prometheus} runs by default; {@code -p metrics=prometheus,none} shows what the
         * metrics cost per event.
         */
        @Param({"prometheus"})
        public String metrics;

        final CountingCompletion completion = new CountingCompletion();
        WorkerPool pool;
        private ScheduledThreadPoolExecutor timers;
        private TimeoutWatchdog watchdog;

        @Setup(Level.Trial)
        public void start() throws Exception {
            Duration eventTimeout = Duration.ofSeconds(30);
            timers = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "nucleon-timers");
                t.setDaemon(true);
                return t;
            });
            timers.setRemoveOnCancelPolicy(true);
            PoolSettings settings = new PoolSettings(
                    "bench",
                    "direct",
                    "direct",
                    1,
                    RING_SIZE,
                    Duration.ofSeconds(10),
                    eventTimeout,
                    WaitStrategyKind.parse(waitStrategy),
                    Map.of());
            MeterRegistry registry = switch (metrics) {
                case "prometheus" -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                case "none" -> new CompositeMeterRegistry();
                default -> throw new IllegalArgumentException("metrics must be prometheus or none, got " + metrics);
            };
            TriggerMetrics triggerMetrics = new TriggerMetrics(
                    registry, new io.nucleon.core.metrics.EventDurationCollector(), "bench", "direct", "direct");
            pool = new WorkerPool(settings, new JavaRuntime(() -> ConstantHandler.INSTANCE), triggerMetrics, timers);
            pool.start(Duration.ofSeconds(10));
            watchdog = new TimeoutWatchdog(TimeoutWatchdog.tickFor(eventTimeout));
            watchdog.watch(pool);
            watchdog.start();
        }

        @TearDown(Level.Iteration)
        public void check() {
            completion.checkAllSucceeded();
        }

        @TearDown(Level.Trial)
        public void stop() {
            pool.stopAccepting();
            pool.awaitDrained(Duration.ofSeconds(5));
            pool.close(Duration.ofSeconds(5));
            watchdog.close();
            timers.shutdownNow();
        }
    }

    /** Dispatches a batch to the worker pool and waits until the worker has completed all of it. */
    @Benchmark
    public long nucleon(NucleonPool s) {
        long target = s.completion.completed() + BATCH;
        WorkerPool pool = s.pool;
        CountingCompletion completion = s.completion;
        for (int i = 0; i < BATCH; i++) {
            pool.dispatch(EVENT, completion);
        }
        return completion.awaitCount(target);
    }

    // ---- raw Disruptor, one producer, one consumer ----------------------------------------------

    /** One slot of the raw ring: the event and where to report it, as Nucleon's slots hold. */
    static final class Slot {
        Event event;
        Completion completion;
    }

    /** A single-producer ring drained by one {@link BatchEventProcessor} on its own thread. */
    @State(Scope.Benchmark)
    public static class RawDisruptor {
        /** A {@code waitStrategy} as written in {@code function.yaml}, mapped as Nucleon maps it. */
        @Param({"blocking", "yielding"})
        public String waitStrategy;

        final CountingCompletion completion = new CountingCompletion();
        RingBuffer<Slot> ring;
        private BatchEventProcessor<Slot> processor;
        private Thread consumer;

        @Setup(Level.Trial)
        public void start() {
            ring = RingBuffer.createSingleProducer(
                    Slot::new, RING_SIZE, disruptorStrategy(WaitStrategyKind.parse(waitStrategy)));
            Handler handler = ConstantHandler.INSTANCE;
            Context context = new BenchContext();
            EventHandler<Slot> onEvent = (slot, sequence, endOfBatch) -> {
                Event event = slot.event;
                Completion c = slot.completion;
                slot.event = null;
                slot.completion = null;
                handleOne(handler, context, event, c);
            };
            processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), onEvent);
            ring.addGatingSequences(processor.getSequence());
            consumer = new Thread(processor, "raw-disruptor-consumer");
            consumer.setDaemon(true);
            consumer.start();
        }

        @TearDown(Level.Iteration)
        public void check() {
            completion.checkAllSucceeded();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            processor.halt();
            consumer.join(5_000);
        }
    }

    /** Publishes a batch to the raw ring and waits until the consumer has completed all of it. */
    @Benchmark
    public long rawDisruptor1P1C(RawDisruptor s) {
        long target = s.completion.completed() + BATCH;
        RingBuffer<Slot> ring = s.ring;
        CountingCompletion completion = s.completion;
        for (int i = 0; i < BATCH; i++) {
            long seq = ring.next();
            Slot slot = ring.get(seq);
            slot.event = EVENT;
            slot.completion = completion;
            ring.publish(seq);
        }
        return completion.awaitCount(target);
    }

    // ---- ThreadPoolExecutor ---------------------------------------------------------------------

    /** A one-thread executor on an unbounded queue. Has no wait strategy to choose. */
    @State(Scope.Benchmark)
    public static class Executor {
        final CountingCompletion completion = new CountingCompletion();
        final Context context = new BenchContext();
        ThreadPoolExecutor executor;

        @Setup(Level.Trial)
        public void start() {
            executor = new ThreadPoolExecutor(1, 1, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "executor-consumer");
                t.setDaemon(true);
                return t;
            });
            executor.prestartAllCoreThreads();
        }

        @TearDown(Level.Iteration)
        public void check() {
            completion.checkAllSucceeded();
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            executor.shutdown();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Submits a batch of tasks and waits until the executor's thread has completed all of them. Each
     * event becomes a task object, as it would in a trigger built on an executor.
     */
    @Benchmark
    public long threadPoolExecutor(Executor s) {
        long target = s.completion.completed() + BATCH;
        ThreadPoolExecutor executor = s.executor;
        CountingCompletion completion = s.completion;
        Context context = s.context;
        Handler handler = ConstantHandler.INSTANCE;
        for (int i = 0; i < BATCH; i++) {
            Event event = EVENT;
            executor.execute(() -> handleOne(handler, context, event, completion));
        }
        return completion.awaitCount(target);
    }
}
