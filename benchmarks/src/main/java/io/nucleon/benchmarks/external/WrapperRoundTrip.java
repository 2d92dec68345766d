package io.nucleon.benchmarks.external;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Logger;
import io.nucleon.api.Response;
import io.nucleon.runtime.external.ExternalRuntimeConfig;
import io.nucleon.runtime.external.NodeRuntimeFactory;
import io.nucleon.runtime.external.PythonRuntimeFactory;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.WorkerRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Stream;

/**
 * Round trips of a 100-byte echo through the python and nodejs runtimes, over shared memory and a
 * Unix socket, with one and two workers, in one run with interleaved rounds:
 * {@code java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.external.WrapperRoundTrip [events] [rounds]}.
 *
 * <p>Each worker thread calls its worker runtime directly, one event at a time (a closed loop, as
 * a worker does), so the figures are the runtime's own: encoding, the transport, the wrapper and the
 * handler, and decoding the answer. Events/s counts every worker; latencies are per round trip.
 * It uses the runtime's public face only (its factories, {@link FunctionRuntime}, {@code status()}),
 * so the same harness measures any build of the runtime, before and after a change
 * ({@code wrapper-compare.sh}).
 */
public final class WrapperRoundTrip {
    private static final byte[] BODY = new byte[100];

    record Setup(String runtime, String transport, int workers) {
        String label() {
            return runtime + " " + transport + " x" + workers;
        }
    }

    /** Throughput, latency, and the CPU each side spent per event (µs): the wrapper process and the worker thread. */
    record Result(
            double eventsPerSecond, long p50Nanos, long p99Nanos, double wrapperCpuMicros, double workerCpuMicros) {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Arrays.fill(BODY, (byte) 'x');
        Path code = Files.createTempDirectory("nucleon-bench-code");
        Files.writeString(code.resolve("echo.py"), "def handler(context, event):\n    return event.body\n");
        Files.writeString(
                code.resolve("echo.js"),
                "exports.handler = function (context, event) {\n" + "    context.callback(event.body);\n};\n");
        List<Setup> setups = List.of(
                new Setup("python", "shm", 1), new Setup("python", "uds", 1),
                new Setup("python", "shm", 2), new Setup("python", "uds", 2),
                new Setup("nodejs", "uds", 1), new Setup("nodejs", "uds", 2));
        Map<Setup, List<Result>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (Setup s : setups) {
                Result r = run(s, code, events);
                results.computeIfAbsent(s, k -> new ArrayList<>()).add(r);
                System.out.printf(
                        "round %d  %-16s %,10.0f events/s  p50 %6.1f us  p99 %7.1f us  cpu/event wrapper %5.1f us"
                                + " worker %5.1f us%n",
                        round + 1,
                        s.label(),
                        r.eventsPerSecond,
                        r.p50Nanos / 1e3,
                        r.p99Nanos / 1e3,
                        r.wrapperCpuMicros,
                        r.workerCpuMicros);
            }
        }
        System.out.printf(
                "%n%d events per worker per round, %d rounds, medians; 100-byte echo, handler returns the body%n",
                events, rounds);
        System.out.printf(
                "%-16s %12s %10s %10s %14s %14s%n",
                "setup", "events/s", "p50 us", "p99 us", "wrapper cpu us", "worker cpu us");
        Map<Setup, Double> median = new HashMap<>();
        for (Map.Entry<Setup, List<Result>> e : results.entrySet()) {
            double eps = median(
                    e.getValue().stream().mapToDouble(Result::eventsPerSecond).toArray());
            median.put(e.getKey(), eps);
            System.out.printf(
                    "%-16s %,12.0f %10.1f %10.1f %14.1f %14.1f%n",
                    e.getKey().label(),
                    eps,
                    median(e.getValue().stream()
                            .mapToDouble(r -> r.p50Nanos / 1e3)
                            .toArray()),
                    median(e.getValue().stream()
                            .mapToDouble(r -> r.p99Nanos / 1e3)
                            .toArray()),
                    median(e.getValue().stream()
                            .mapToDouble(Result::wrapperCpuMicros)
                            .toArray()),
                    median(e.getValue().stream()
                            .mapToDouble(Result::workerCpuMicros)
                            .toArray()));
        }
        for (int w : new int[] {1, 2}) {
            System.out.printf(
                    "python shm / uds, %d worker%s: %.2f%n",
                    w,
                    w == 1 ? "" : "s",
                    median.get(new Setup("python", "shm", w)) / median.get(new Setup("python", "uds", w)));
        }
        deleteTree(code);
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static Result run(Setup s, Path code, int events) throws Exception {
        ExternalRuntimeConfig config = new ExternalRuntimeConfig();
        config.transport = s.transport;
        config.codeDir = code.toString();
        String spin = System.getProperty("spinTime");
        if (spin != null) {
            config.spinTime = io.nucleon.spi.Durations.parse(spin);
        }
        RuntimeContext context = new BenchRuntimeContext(config);
        FunctionRuntime rt = s.runtime.equals("python")
                ? new PythonRuntimeFactory().create(context)
                : new NodeRuntimeFactory().create(context);
        try {
            int warmup = Math.min(20_000, events / 5);
            long[][] latencies = new long[s.workers][];
            long[] elapsed = new long[s.workers];
            long[] wrapperTicks = new long[s.workers];
            long[] workerCpu = new long[s.workers];
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            CyclicBarrier ready = new CyclicBarrier(s.workers);
            List<Thread> threads = new ArrayList<>();
            Throwable[] failure = new Throwable[1];
            for (int w = 0; w < s.workers; w++) {
                int id = w;
                Thread t = new Thread(
                        () -> {
                            try {
                                Context ctx = new BenchContext(id);
                                WorkerRuntime worker = rt.startWorker(ctx);
                                Event event = new EchoEvent();
                                for (int i = 0; i < warmup; i++) {
                                    check(worker.invoke(ctx, event));
                                }
                                long[] lat = new long[events];
                                long pid = wrapperPid(rt, ctx);
                                ready.await();
                                long ticks = cpuTicks(pid);
                                long cpu = mx.getCurrentThreadCpuTime();
                                long start = System.nanoTime();
                                long prev = start;
                                for (int i = 0; i < events; i++) {
                                    check(worker.invoke(ctx, event));
                                    long now = System.nanoTime();
                                    lat[i] = now - prev;
                                    prev = now;
                                }
                                elapsed[id] = prev - start;
                                workerCpu[id] = mx.getCurrentThreadCpuTime() - cpu;
                                wrapperTicks[id] = cpuTicks(pid) - ticks;
                                latencies[id] = lat;
                                worker.close(ctx);
                            } catch (Throwable e) {
                                failure[0] = e;
                            }
                        },
                        "bench-worker-" + w);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure[0] != null) {
                throw new IllegalStateException(s.label() + " failed", failure[0]);
            }
            long[] all = Arrays.stream(latencies)
                    .flatMapToLong(Arrays::stream)
                    .sorted()
                    .toArray();
            long wall = Arrays.stream(elapsed).max().orElseThrow();
            double n = (double) events * s.workers;
            return new Result(
                    n / (wall / 1e9),
                    all[all.length / 2],
                    all[(int) (all.length * 0.99)],
                    Arrays.stream(wrapperTicks).sum() * 10_000.0 / n,
                    Arrays.stream(workerCpu).sum() / 1e3 / n);
        } finally {
            rt.close();
        }
    }

    /** The pid of the wrapper of the worker of {@code ctx}, as the runtime's status shows it. */
    @SuppressWarnings("unchecked")
    static long wrapperPid(FunctionRuntime rt, Context ctx) {
        String key = ctx.triggerName() + "/" + ctx.workerId();
        for (Map<String, Object> w : (List<Map<String, Object>>) rt.status().get("wrappers")) {
            if (key.equals(w.get("worker"))) {
                return ((Number) w.get("pid")).longValue();
            }
        }
        throw new IllegalStateException("no wrapper for worker " + key + " in " + rt.status());
    }

    /** utime + stime of a process in clock ticks (1/100 s). */
    static long cpuTicks(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static void check(Object result) {
        if (!(result instanceof Response r) || r.body().length != BODY.length) {
            throw new IllegalStateException("unexpected answer " + result);
        }
    }

    /** An HTTP-like event: id, trigger, method, path, timestamp and a 100-byte body. */
    static final class EchoEvent implements Event {
        private final Instant ts = Instant.now();

        public String id() {
            return "7f3c2a91-5b1e-4c0d-9a7e-2f6b8c4d1e05";
        }

        public String triggerClass() {
            return "sync";
        }

        public String triggerKind() {
            return "http";
        }

        public String triggerName() {
            return "web";
        }

        public String contentType() {
            return "application/octet-stream";
        }

        public Map<String, String> headers() {
            return Map.of();
        }

        public Map<String, Object> fields() {
            return Map.of();
        }

        public byte[] body() {
            return BODY;
        }

        public Instant timestamp() {
            return ts;
        }

        public String path() {
            return "/echo";
        }

        @Override
        public String method() {
            return "POST";
        }
    }

    static final class BenchRuntimeContext implements RuntimeContext {
        private final ExternalRuntimeConfig config;
        private final MeterRegistry registry = new SimpleMeterRegistry();

        BenchRuntimeContext(ExternalRuntimeConfig config) {
            this.config = config;
        }

        public String functionName() {
            return "bench";
        }

        public String handler() {
            return "echo:handler";
        }

        public Map<String, String> env() {
            return Map.of();
        }

        public Duration eventTimeout() {
            return Duration.ofSeconds(30);
        }

        public Path baseDirectory() {
            return null;
        }

        public <T> T attributes(Class<T> type) {
            return type.cast(config);
        }

        public FunctionConfigException attributeError(String attribute, String message) {
            return new FunctionConfigException("spec.runtimeAttributes." + attribute, message);
        }

        public MeterRegistry meterRegistry() {
            return registry;
        }
    }

    static final class BenchContext implements Context {
        private final int id;
        private final Map<String, Object> userData = new HashMap<>();

        BenchContext(int id) {
            this.id = id;
        }

        public Logger logger() {
            return new Logger() {
                public void debug(String message, Object... kv) {}

                public void info(String message, Object... kv) {}

                public void warn(String message, Object... kv) {
                    System.err.println("WARN " + message + " " + Arrays.toString(kv));
                }

                public void error(String message, Object... kv) {
                    System.err.println("ERROR " + message + " " + Arrays.toString(kv));
                }

                public boolean isDebugEnabled() {
                    return false;
                }
            };
        }

        public String functionName() {
            return "bench";
        }

        public int workerId() {
            return id;
        }

        public String triggerKind() {
            return "http";
        }

        public String triggerName() {
            return "web";
        }

        public Map<String, Object> userData() {
            return userData;
        }

        public String env(String name) {
            return System.getenv(name);
        }

        public <T> T binding(String name, Class<T> type) {
            throw new IllegalArgumentException("no bindings");
        }
    }
}
