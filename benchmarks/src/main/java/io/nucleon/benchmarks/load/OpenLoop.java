package io.nucleon.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Promise;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An open-loop HTTP/1.1 load generator, in the manner of wrk2: requests go out at a constant rate at
 * fixed intended times whatever the server does, and each latency is measured from the request's
 * intended send time, so a server that stalls is charged for every request it delays (no
 * coordinated omission). One request at most is in flight per keep-alive connection (no
 * pipelining, so a quick answer never waits behind a slow one); the pool opens connections as
 * needed up to a maximum and counts the sends that had to wait because it was reached.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.nucleon.benchmarks.load.OpenLoop \
 *     --rate 2000 --duration 10 --url http://127.0.0.1:18080/ [--connections 16] [--max-connections 1024] ...</pre>
 *
 * <p>Everything runs on one Netty event loop thread (native epoll where available, whose timers
 * have sub-millisecond precision, so sends are not bunched into millisecond steps). Latencies go to
 * fixed-size {@link LatencyHistogram}s, one per outcome: 200, 503, any other status, errors
 * (connect failures, connections closed before the answer, malformed answers) and timeouts. It
 * prints a table, then one line {@code openloop: key=value ...} for scripts (see {@link #summary}).
 * Exit code 0 after a run, 2 for a bad command line, 1 when the run could not be made (no
 * connection).
 */
public final class OpenLoop {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};

    private OpenLoop() {}

    public static void main(String[] args) throws Exception {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("openloop: " + e.getMessage() + "\n" + LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        System.exit(run(options, System.out));
    }

    static int run(LoadOptions options, PrintStream out) throws Exception {
        boolean epoll = switch (options.transport) {
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException(
                            "--transport epoll: native epoll is not available: " + Epoll.unavailabilityCause());
                }
                yield true;
            }
            case "nio" -> false;
            default -> Epoll.isAvailable();
        };
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("openloop", true), io);
        try {
            Bootstrap template = new Bootstrap().channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
            LoadGenerator g = new LoadGenerator(options, group.next(), template);
            Promise<Void> done = g.start();
            long boundSeconds =
                    (long) Math.ceil(options.warmupSeconds + options.durationSeconds + 2 * options.timeoutSeconds) + 30;
            Map<String, Long> serverCpu = Map.of();
            try {
                if (options.serverPid > 0) {
                    serverCpu = serverCpu(options.serverPid, g, done);
                }
                done.get(boundSeconds, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                System.err.println("openloop: " + e.getCause().getMessage());
                return 1;
            } catch (TimeoutException e) {
                System.err.println("openloop: the run did not end within " + boundSeconds + " s");
                return 1;
            }
            report(options, g, epoll ? "epoll" : "nio", serverCpu, out);
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * Reads the server's CPU at the start and at the end of the measured window (on this, the main,
     * thread: reading /proc takes a while and must not delay the event loop).
     */
    private static Map<String, Long> serverCpu(long pid, LoadGenerator g, Promise<Void> done) throws Exception {
        long[] window;
        try {
            window = g.window.get(g.timeoutForStart(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.CancellationException | TimeoutException e) {
            return Map.of(); // the run did not begin; done says why
        }
        sleepUntil(window[0], done);
        Map<String, Long> before = ProcessCpu.snapshot(pid);
        sleepUntil(window[1], done);
        return ProcessCpu.difference(before, ProcessCpu.snapshot(pid));
    }

    private static void sleepUntil(long nanoTime, Promise<Void> done) throws InterruptedException {
        for (long left; (left = nanoTime - System.nanoTime()) > 0 && !done.isDone(); ) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000));
        }
    }

    private static void report(
            LoadOptions o, LoadGenerator g, String transport, Map<String, Long> serverCpu, PrintStream out) {
        double seconds = o.durationSeconds;
        long ended = 0;
        for (LatencyHistogram h : g.latency) {
            ended += h.count();
        }
        StringBuilder t = new StringBuilder();
        if (o.closedLoop) {
            t.append(String.format(
                    Locale.ROOT,
                    "closed loop: %d connections for %s s (after %s s warm-up), %s %s%n",
                    o.connections,
                    num(seconds),
                    num(o.warmupSeconds),
                    o.method,
                    o.url));
        } else {
            t.append(String.format(
                    Locale.ROOT,
                    "open loop: %s requests/s for %s s (after %s s warm-up, the first %s s a ramp; tick %s us), %s %s%n",
                    num(o.rate),
                    num(seconds),
                    num(o.warmupSeconds),
                    num(o.rampSeconds),
                    num(o.tickMicros),
                    o.method,
                    o.url));
        }
        t.append(String.format(
                Locale.ROOT,
                "%-8s %10s %7s %9s %9s %9s %9s %9s %12s%n",
                "outcome",
                "count",
                "share",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "p99.9 ms",
                "max ms",
                "ended/s"));
        for (LoadGenerator.Kind k : LoadGenerator.Kind.values()) {
            LatencyHistogram h = g.latency[k.ordinal()];
            if (h.count() == 0 && k != LoadGenerator.Kind.OK) {
                continue;
            }
            t.append(String.format(
                    Locale.ROOT,
                    "%-8s %10d %6.2f%% %9s %9s %9s %9s %9s %12.1f%n",
                    k.label,
                    h.count(),
                    ended == 0 ? 0.0 : 100.0 * h.count() / ended,
                    ms(h.percentile(50)),
                    ms(h.percentile(90)),
                    ms(h.percentile(99)),
                    ms(h.percentile(99.9)),
                    ms(h.max()),
                    g.endedInWindow[k.ordinal()] / seconds));
        }
        t.append("(count, share and latencies: the requests intended in the measured window, latency from the intended"
                + " send time; ended/s: the requests that ended inside the window, per second)\n");
        StringBuilder other = new StringBuilder();
        for (int s = 0; s < g.statusCounts.length; s++) {
            if (g.statusCounts[s] > 0 && s != 200 && s != 503) {
                other.append(other.length() == 0 ? "" : ",")
                        .append(s)
                        .append(':')
                        .append(g.statusCounts[s]);
            }
        }
        if (other.length() > 0) {
            t.append("other statuses: ").append(other).append('\n');
        }
        if (!o.closedLoop) {
            t.append(String.format(
                    Locale.ROOT,
                    "sends: %d scheduled, %d sent, %d late (waited because all %d connections were busy);"
                            + " send lag p50 %s ms, p99 %s ms, max %s ms%n",
                    g.scheduled,
                    g.sent,
                    g.late,
                    o.maxConnections,
                    ms(g.sendLag.percentile(50)),
                    ms(g.sendLag.percentile(99)),
                    ms(g.sendLag.max())));
        }
        t.append(String.format(
                Locale.ROOT,
                "connections: %d opened (at most %d open), %d closed by the server,"
                        + " %d connect failures, %d protocol errors%s%n",
                g.connectionsOpened,
                g.maxOpen,
                g.closedByServer,
                g.connectFailures,
                g.protocolErrors,
                g.firstError != null ? "; first error: " + g.firstError : ""));
        long requests = Math.max(1, g.sent);
        t.append(String.format(
                Locale.ROOT,
                "load generator CPU (%s): event loop %.2f s = %.2f us/request, process %.2f s = %.2f us/request%n",
                transport,
                g.cpuThreadNanos / 1e9,
                g.cpuThreadNanos / 1e3 / requests,
                g.cpuProcessNanos / 1e9,
                g.cpuProcessNanos / 1e3 / requests));
        if (!serverCpu.isEmpty()) {
            long all = serverCpu.values().stream().mapToLong(Long::longValue).sum();
            t.append(String.format(
                    Locale.ROOT,
                    "server (pid %d) CPU in the measured window: %.2f s = %.2f cores = %.1f us/request;",
                    o.serverPid,
                    all * ProcessCpu.SECONDS_PER_TICK,
                    all * ProcessCpu.SECONDS_PER_TICK / seconds,
                    all * ProcessCpu.SECONDS_PER_TICK * 1e6 / requests));
            serverCpu.forEach(
                    (k, v) -> t.append(String.format(Locale.ROOT, " %s %.2f s", k, v * ProcessCpu.SECONDS_PER_TICK)));
            t.append('\n');
        }
        out.print(t);
        out.println(summary(o, g, transport, ended, serverCpu));
        out.flush();
    }

    /**
     * The machine-readable line: {@code openloop:} then space-separated {@code key=value} pairs.
     * Keys: {@code label mode transport rate duration warmup ramp tick_us connections max_connections scheduled
     * sent late ended connections_opened max_open closed_by_server connect_failures protocol_errors
     * lag_p50_ms lag_p99_ms lag_max_ms cpu_loop_us cpu_process_us} (CPU per request), and per outcome
     * {@code <o>_count <o>_per_s <o>_share <o>_p50_ms <o>_p90_ms <o>_p99_ms <o>_p999_ms <o>_max_ms}
     * with {@code <o>} one of {@code 200 503 other error timeout}: {@code _per_s} is of the requests
     * that ended inside the measured window (so {@code 200_per_s} is the goodput), the others are of
     * the requests intended in it, however late they ended; with {@code --server-pid} also
     * {@code server_cpu_s} and {@code server_cpu_s.<thread group>} (seconds of CPU in the measured
     * window). Durations in milliseconds, shares as fractions of the requests that ended.
     */
    static String summary(LoadOptions o, LoadGenerator g, String transport, long ended, Map<String, Long> serverCpu) {
        StringBuilder s = new StringBuilder("openloop:");
        kv(s, "label", o.label == null ? "-" : o.label);
        kv(s, "mode", o.closedLoop ? "closed" : "open");
        kv(s, "transport", transport);
        kv(s, "rate", o.closedLoop ? "-" : num(o.rate));
        kv(s, "duration", num(o.durationSeconds));
        kv(s, "warmup", num(o.warmupSeconds));
        kv(s, "ramp", o.closedLoop ? "-" : num(o.rampSeconds));
        kv(s, "tick_us", o.closedLoop ? "-" : num(o.tickMicros));
        kv(s, "connections", Integer.toString(o.connections));
        kv(s, "max_connections", Integer.toString(o.maxConnections));
        kv(s, "scheduled", Long.toString(g.scheduled));
        kv(s, "sent", Long.toString(g.sent));
        kv(s, "late", Long.toString(g.late));
        kv(s, "ended", Long.toString(ended));
        for (LoadGenerator.Kind k : LoadGenerator.Kind.values()) {
            LatencyHistogram h = g.latency[k.ordinal()];
            String p = k.label;
            kv(s, p + "_count", Long.toString(h.count()));
            kv(s, p + "_per_s", String.format(Locale.ROOT, "%.1f", g.endedInWindow[k.ordinal()] / o.durationSeconds));
            kv(s, p + "_share", String.format(Locale.ROOT, "%.5f", ended == 0 ? 0.0 : (double) h.count() / ended));
            kv(s, p + "_p50_ms", ms(h.percentile(50)));
            kv(s, p + "_p90_ms", ms(h.percentile(90)));
            kv(s, p + "_p99_ms", ms(h.percentile(99)));
            kv(s, p + "_p999_ms", ms(h.percentile(99.9)));
            kv(s, p + "_max_ms", ms(h.max()));
        }
        kv(s, "lag_p50_ms", ms(g.sendLag.percentile(50)));
        kv(s, "lag_p99_ms", ms(g.sendLag.percentile(99)));
        kv(s, "lag_max_ms", ms(g.sendLag.max()));
        kv(s, "connections_opened", Long.toString(g.connectionsOpened));
        kv(s, "max_open", Integer.toString(g.maxOpen));
        kv(s, "closed_by_server", Long.toString(g.closedByServer));
        kv(s, "connect_failures", Long.toString(g.connectFailures));
        kv(s, "protocol_errors", Long.toString(g.protocolErrors));
        long requests = Math.max(1, g.sent);
        kv(s, "cpu_loop_us", String.format(Locale.ROOT, "%.2f", g.cpuThreadNanos / 1e3 / requests));
        kv(s, "cpu_process_us", String.format(Locale.ROOT, "%.2f", g.cpuProcessNanos / 1e3 / requests));
        if (o.serverPid > 0) {
            long all = serverCpu.values().stream().mapToLong(Long::longValue).sum();
            kv(s, "server_cpu_s", String.format(Locale.ROOT, "%.2f", all * ProcessCpu.SECONDS_PER_TICK));
            serverCpu.forEach((k, v) -> kv(
                    s,
                    "server_cpu_s." + k.replaceAll("[^A-Za-z0-9_.-]", "_"),
                    String.format(Locale.ROOT, "%.2f", v * ProcessCpu.SECONDS_PER_TICK)));
        }
        return s.toString();
    }

    private static void kv(StringBuilder s, String key, String value) {
        s.append(' ').append(key).append('=').append(value);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String num(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
