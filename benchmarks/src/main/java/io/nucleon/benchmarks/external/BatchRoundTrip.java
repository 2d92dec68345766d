package io.nucleon.benchmarks.external;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.runtime.external.ExternalRuntimeConfig;
import io.nucleon.runtime.external.PythonRuntimeFactory;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.WorkerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Event batches to a Python handler ({@code docs/protocol.md} section 4b) against one event at a
 * time, over shared memory and a Unix socket, one worker:
 * {@code java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.external.BatchRoundTrip [events] [rounds]}.
 *
 * <p>The worker thread calls its worker runtime directly, as {@link WrapperRoundTrip} does: batch
 * size 1 is {@code invoke}, one event per round trip; the others are {@code invokeBatch} with that
 * many 100-byte events, whose handler answers each with its body (Nuclio's batch API, the responses
 * in the events' order). Events/s count events, not batches. Prints a table and writes
 * {@code batch-round-trip.tsv} to {@code $RESULTS_DIR} (default {@code benchmarks/results}).
 */
public final class BatchRoundTrip {
    private static final int[] SIZES = {1, 8, 32};

    record Setup(String transport, int batch) {
        String label() {
            return "python " + transport + " batch " + batch;
        }
    }

    record Result(double eventsPerSecond, double wrapperCpuMicros, double workerCpuMicros) {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path code = Files.createTempDirectory("nucleon-bench-batches");
        Files.writeString(code.resolve("echo.py"), """
            def handler(context, event):
                if isinstance(event, list):
                    return [e.body for e in event]
                return event.body
            """);
        List<Setup> setups = new ArrayList<>();
        for (String transport : new String[] {"shm", "uds"}) {
            for (int size : SIZES) {
                setups.add(new Setup(transport, size));
            }
        }
        Map<Setup, List<Result>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (Setup s : setups) {
                Result r = run(s, code, events);
                results.computeIfAbsent(s, k -> new ArrayList<>()).add(r);
                System.out.printf(
                        "round %d  %-22s %,10.0f events/s  cpu/event wrapper %5.1f us  worker %5.1f us%n",
                        round + 1, s.label(), r.eventsPerSecond, r.wrapperCpuMicros, r.workerCpuMicros);
            }
        }
        System.out.printf("%nmedians of %d rounds; 100-byte events; one worker%n", rounds);
        System.out.printf("%-22s %12s %16s %16s%n", "setup", "events/s", "wrapper cpu us", "worker cpu us");
        StringBuilder tsv = new StringBuilder(
                "transport\tbatch\tevents_per_s\twrapper_cpu_us_per_event\tworker_cpu_us_per_event\n");
        for (Map.Entry<Setup, List<Result>> e : results.entrySet()) {
            double eps = WrapperRoundTrip.median(
                    e.getValue().stream().mapToDouble(Result::eventsPerSecond).toArray());
            double wrapper = WrapperRoundTrip.median(
                    e.getValue().stream().mapToDouble(Result::wrapperCpuMicros).toArray());
            double worker = WrapperRoundTrip.median(
                    e.getValue().stream().mapToDouble(Result::workerCpuMicros).toArray());
            System.out.printf("%-22s %,12.0f %16.1f %16.1f%n", e.getKey().label(), eps, wrapper, worker);
            tsv.append(String.format(
                    Locale.ROOT,
                    "%s\t%d\t%.0f\t%.2f\t%.2f%n",
                    e.getKey().transport,
                    e.getKey().batch,
                    eps,
                    wrapper,
                    worker));
        }
        String dir = System.getenv("RESULTS_DIR");
        Path out = Path.of(dir == null || dir.isBlank() ? "benchmarks/results" : dir);
        Files.createDirectories(out);
        Files.writeString(out.resolve("batch-round-trip.tsv"), tsv);
        System.out.println("figures written to " + out.resolve("batch-round-trip.tsv"));
        WrapperRoundTrip.deleteTree(code);
    }

    static Result run(Setup s, Path code, int events) throws Exception {
        ExternalRuntimeConfig config = new ExternalRuntimeConfig();
        config.transport = s.transport;
        config.codeDir = code.toString();
        FunctionRuntime rt = new PythonRuntimeFactory().create(new WrapperRoundTrip.BenchRuntimeContext(config));
        try {
            Context ctx = new WrapperRoundTrip.BenchContext(0);
            WorkerRuntime worker = rt.startWorker(ctx);
            List<Event> batch = Collections.nCopies(s.batch, new WrapperRoundTrip.EchoEvent());
            int calls = Math.max(1, events / s.batch);
            for (int i = 0; i < Math.max(1, calls / 5); i++) {
                once(worker, ctx, batch);
            }
            long pid = WrapperRoundTrip.wrapperPid(rt, ctx);
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long ticks = WrapperRoundTrip.cpuTicks(pid);
            long cpu = mx.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                once(worker, ctx, batch);
            }
            long wall = System.nanoTime() - start;
            double n = (double) calls * s.batch;
            Result r = new Result(
                    n / (wall / 1e9),
                    (WrapperRoundTrip.cpuTicks(pid) - ticks) * 10_000.0 / n,
                    (mx.getCurrentThreadCpuTime() - cpu) / 1e3 / n);
            worker.close(ctx);
            return r;
        } finally {
            rt.close();
        }
    }

    private static void once(WorkerRuntime worker, Context ctx, List<Event> batch) throws Exception {
        if (batch.size() == 1) {
            WrapperRoundTrip.check(worker.invoke(ctx, batch.get(0)));
            return;
        }
        for (WorkerRuntime.BatchOutcome o : worker.invokeBatch(ctx, batch)) {
            if (o.error() != null) {
                throw new IllegalStateException("an event of the batch failed", o.error());
            }
            WrapperRoundTrip.check(o.result());
        }
    }

    private BatchRoundTrip() {}
}
