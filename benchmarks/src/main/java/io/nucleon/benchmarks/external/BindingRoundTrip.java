package io.nucleon.benchmarks.external;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nucleon.api.Context;
import io.nucleon.api.DataBinding;
import io.nucleon.api.Event;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Logger;
import io.nucleon.api.Response;
import io.nucleon.runtime.external.ExternalRuntimeConfig;
import io.nucleon.runtime.external.NodeRuntimeFactory;
import io.nucleon.runtime.external.PythonRuntimeFactory;
import io.nucleon.spi.CallableBinding;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.WorkerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Data binding calls from Python and Node.js handlers ({@code docs/protocol.md} section 4a) against
 * a plain event round trip, over shared memory and a Unix socket, one worker:
 * {@code java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.external.BindingRoundTrip [events] [rounds] [calls]}.
 *
 * <p>The binding is an in-process echo (it answers at once with the 100 bytes it was sent), so the
 * figures are the cost of the call itself: the handler's client, the BINDING_CALL and BINDING_RESULT
 * frames, the worker's lookup and dispatch. Each event makes {@code calls} calls (10 by default)
 * and then echoes its body; the row with 0 calls is the plain round trip. The time of one call is
 * the difference between the two rows' time per event, divided by {@code calls}. Prints a table
 * and writes {@code binding-round-trip.tsv} to {@code $RESULTS_DIR} (default {@code benchmarks/results}).
 */
public final class BindingRoundTrip {
    private static final byte[] BODY = new byte[100];

    record Setup(String runtime, String transport, int calls) {
        String label() {
            return runtime + " " + transport + " " + calls + " calls";
        }
    }

    /** Events/s and the CPU each side spent per event (µs). */
    record Result(double eventsPerSecond, double wrapperCpuMicros, double workerCpuMicros) {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Arrays.fill(BODY, (byte) 'x');
        Path code = Files.createTempDirectory("nucleon-bench-bindings");
        Files.writeString(code.resolve("caller.py"), """
            import os
            CALLS = int(os.environ["CALLS"])

            def handler(context, event):
                echo = context.data_binding["echo"]
                for _ in range(CALLS):
                    echo.call("echo", event.body)
                return event.body
            """);
        Files.writeString(code.resolve("caller.js"), """
            const CALLS = Number(process.env.CALLS)
            exports.handler = async function (context, event) {
              const echo = context.dataBinding.echo
              for (let i = 0; i < CALLS; i++) await echo.call('echo', event.body)
              return event.body
            }
            """);
        List<Setup> setups = new ArrayList<>();
        for (String[] rt : new String[][] {{"python", "shm"}, {"python", "uds"}, {"nodejs", "uds"}}) {
            setups.add(new Setup(rt[0], rt[1], 0));
            setups.add(new Setup(rt[0], rt[1], calls));
        }
        Map<Setup, List<Result>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (Setup s : setups) {
                Result r = run(s, code, s.calls == 0 ? events : Math.max(1, events / (1 + s.calls / 2)));
                results.computeIfAbsent(s, k -> new ArrayList<>()).add(r);
                System.out.printf(
                        "round %d  %-22s %,10.0f events/s  cpu/event wrapper %6.1f us  worker %6.1f us%n",
                        round + 1, s.label(), r.eventsPerSecond, r.wrapperCpuMicros, r.workerCpuMicros);
            }
        }
        System.out.printf("%nmedians of %d rounds; 100-byte bodies; an in-process echo binding; one worker%n", rounds);
        System.out.printf(
                "%-22s %12s %12s %12s %16s %16s%n",
                "setup", "events/s", "calls/s", "us/call", "wrapper cpu us", "worker cpu us");
        StringBuilder tsv = new StringBuilder(
                "runtime\ttransport\tcalls_per_event\tevents_per_s\tcalls_per_s\tus_per_call\twrapper_cpu_us_per_event"
                        + "\tworker_cpu_us_per_event\n");
        Map<String, Double> plainMicros = new HashMap<>();
        for (Map.Entry<Setup, List<Result>> e : results.entrySet()) {
            Setup s = e.getKey();
            double eps = WrapperRoundTrip.median(
                    e.getValue().stream().mapToDouble(Result::eventsPerSecond).toArray());
            double wrapperCpu = WrapperRoundTrip.median(
                    e.getValue().stream().mapToDouble(Result::wrapperCpuMicros).toArray());
            double workerCpu = WrapperRoundTrip.median(
                    e.getValue().stream().mapToDouble(Result::workerCpuMicros).toArray());
            double microsPerEvent = 1e6 / eps;
            String key = s.runtime + " " + s.transport;
            double perCall = Double.NaN;
            if (s.calls == 0) {
                plainMicros.put(key, microsPerEvent);
            } else {
                perCall = (microsPerEvent - plainMicros.get(key)) / s.calls;
            }
            System.out.printf(
                    "%-22s %,12.0f %,12.0f %12s %16.1f %16.1f%n",
                    s.label(),
                    eps,
                    eps * s.calls,
                    Double.isNaN(perCall) ? "-" : String.format("%.1f", perCall),
                    wrapperCpu,
                    workerCpu);
            tsv.append(String.format(
                    java.util.Locale.ROOT,
                    "%s\t%s\t%d\t%.0f\t%.0f\t%s\t%.1f\t%.1f%n",
                    s.runtime,
                    s.transport,
                    s.calls,
                    eps,
                    eps * s.calls,
                    Double.isNaN(perCall) ? "" : String.format(java.util.Locale.ROOT, "%.2f", perCall),
                    wrapperCpu,
                    workerCpu));
        }
        String dir = System.getenv("RESULTS_DIR");
        Path out = Path.of(dir == null || dir.isBlank() ? "benchmarks/results" : dir);
        Files.createDirectories(out);
        Files.writeString(out.resolve("binding-round-trip.tsv"), tsv);
        System.out.println("figures written to " + out.resolve("binding-round-trip.tsv"));
        WrapperRoundTrip.deleteTree(code);
    }

    static Result run(Setup s, Path code, int events) throws Exception {
        ExternalRuntimeConfig config = new ExternalRuntimeConfig();
        config.transport = s.transport;
        config.codeDir = code.toString();
        RuntimeContext context = new BindingsRuntimeContext(config, s.calls);
        FunctionRuntime rt = s.runtime.equals("python")
                ? new PythonRuntimeFactory().create(context)
                : new NodeRuntimeFactory().create(context);
        try {
            Context ctx = new BindingsContext();
            WorkerRuntime worker = rt.startWorker(ctx);
            Event event = new WrapperRoundTrip.EchoEvent();
            for (int i = 0; i < Math.min(5_000, events / 5); i++) {
                WrapperRoundTrip.check(worker.invoke(ctx, event));
            }
            long pid = WrapperRoundTrip.wrapperPid(rt, ctx);
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long ticks = WrapperRoundTrip.cpuTicks(pid);
            long cpu = mx.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (int i = 0; i < events; i++) {
                Object r = worker.invoke(ctx, event);
                if (!(r instanceof Response resp) || resp.body().length != BODY.length) {
                    throw new IllegalStateException("unexpected answer " + r);
                }
            }
            long wall = System.nanoTime() - start;
            long workerCpu = mx.getCurrentThreadCpuTime() - cpu;
            long wrapperTicks = WrapperRoundTrip.cpuTicks(pid) - ticks;
            worker.close(ctx);
            return new Result(events / (wall / 1e9), wrapperTicks * 10_000.0 / events, workerCpu / 1e3 / events);
        } finally {
            rt.close();
        }
    }

    /** Answers every call at once with the bytes it was sent. */
    static final class EchoBinding implements DataBinding, CallableBinding {
        @Override
        public String name() {
            return "echo";
        }

        @Override
        public String kind() {
            return "echo";
        }

        @Override
        public Set<String> operations() {
            return Set.of("echo");
        }

        @Override
        public CompletionStage<Reply> call(String operation, ObjectNode args, byte[] body) {
            return CompletableFuture.completedFuture(new Reply(null, body));
        }

        @Override
        public void close() {}
    }

    static final class BindingsRuntimeContext implements RuntimeContext {
        private final ExternalRuntimeConfig config;
        private final int calls;
        private final MeterRegistry registry = new SimpleMeterRegistry();

        BindingsRuntimeContext(ExternalRuntimeConfig config, int calls) {
            this.config = config;
            this.calls = calls;
        }

        public String functionName() {
            return "bench";
        }

        public String handler() {
            return "caller:handler";
        }

        public Map<String, String> env() {
            return Map.of("CALLS", Integer.toString(calls));
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

        @Override
        public Map<String, String> dataBindings() {
            return Map.of("echo", "echo");
        }
    }

    static final class BindingsContext implements Context {
        private final EchoBinding echo = new EchoBinding();
        private final Map<String, Object> userData = new HashMap<>();

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
            return 0;
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
            if (!name.equals("echo")) {
                throw new IllegalArgumentException("no data binding named '" + name + "'; it has echo");
            }
            return type.cast(echo);
        }
    }

    private BindingRoundTrip() {}
}
