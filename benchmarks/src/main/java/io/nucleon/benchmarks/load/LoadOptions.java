package io.nucleon.benchmarks.load;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command line of {@link OpenLoop}, checked: every problem is an {@link IllegalArgumentException}
 * naming the option and what it takes. Immutable.
 */
final class LoadOptions {
    static final String USAGE = String.join(
            "\n",
            "usage: java -cp benchmarks.jar io.nucleon.benchmarks.load.OpenLoop --url http://HOST:PORT/PATH",
            "           (--rate R | --closed-loop) [options]",
            "  --url URL              the request target (http only; host, port, path and query are used)",
            "  --rate R               requests per second, sent at fixed intended times (open loop)",
            "  --closed-loop          instead of a rate: each of --connections connections sends its next",
            "                         request as soon as the previous one is answered (measures capacity)",
            "  --duration S           seconds measured (default 10; decimals allowed)",
            "  --warmup S             seconds run before, not counted (default 2)",
            "  --ramp S               open loop: the rate grows linearly from 0 over the first S seconds of",
            "                         the warm-up (default: half the warm-up)",
            "  --tick-us N            open loop: wake up at most every N microseconds and send what is due",
            "                         (default 0: at each intended time); latency still counts from each",
            "                         request's intended time",
            "  --connections C        connections opened before the start (default 16; closed loop: exactly C)",
            "  --max-connections M    open loop: at most M connections; a send that finds all M busy waits",
            "                         for one and is counted as late (default 1024)",
            "  --timeout S            a request not answered within S seconds of its intended send time",
            "                         counts as a timeout and its connection is closed (default 10)",
            "  --method M             the request method (default GET)",
            "  --header 'Name: value' an extra request header (repeatable)",
            "  --body TEXT            the request body (sent with a Content-Length)",
            "  --transport T          auto, epoll or nio (default auto: epoll where available)",
            "  --label TEXT           a name put in the summary line (default: none)",
            "  --progress             print one line per second on stderr (sent, ended, in flight, waiting, open)",
            "  --server-pid PID       also report the CPU time process PID used in the measured window,",
            "                         per thread group (Linux /proc)",
            "Prints a table and then one summary line that starts with 'openloop:' and holds key=value pairs.");

    final URI url;
    final String host;
    final int port;
    final String target;
    final double rate;
    final boolean closedLoop;
    final double durationSeconds;
    final double warmupSeconds;
    final double rampSeconds;
    final double tickMicros;
    final int connections;
    final int maxConnections;
    final double timeoutSeconds;
    final String method;
    final List<String> headers;
    final String body;
    final String transport;
    final String label;
    final long serverPid;
    final boolean progress;

    private LoadOptions(Builder b) {
        this.url = b.url;
        this.host = b.url.getHost();
        this.port = b.url.getPort() > 0 ? b.url.getPort() : 80;
        String path = b.url.getRawPath() == null || b.url.getRawPath().isEmpty() ? "/" : b.url.getRawPath();
        this.target = b.url.getRawQuery() == null ? path : path + "?" + b.url.getRawQuery();
        this.rate = b.rate;
        this.closedLoop = b.closedLoop;
        this.durationSeconds = b.duration;
        this.warmupSeconds = b.warmup;
        this.rampSeconds = b.ramp >= 0 ? Math.min(b.ramp, b.warmup) : b.warmup / 2;
        this.tickMicros = b.tick;
        this.connections = b.connections;
        this.maxConnections = b.closedLoop ? b.connections : Math.max(b.maxConnections, b.connections);
        this.timeoutSeconds = b.timeout;
        this.method = b.method;
        this.headers = List.copyOf(b.headers);
        this.body = b.body;
        this.transport = b.transport;
        this.label = b.label;
        this.serverPid = b.serverPid;
        this.progress = b.progress;
    }

    private static final class Builder {
        URI url;
        double rate = -1;
        boolean closedLoop;
        double duration = 10;
        double warmup = 2;
        double ramp = -1;
        double tick;
        int connections = 16;
        int maxConnections = 1024;
        double timeout = 10;
        String method = "GET";
        final List<String> headers = new ArrayList<>();
        String body;
        String transport = "auto";
        String label;
        long serverPid = -1;
        boolean progress;
    }

    /** Parses and checks the command line. */
    static LoadOptions parse(String[] args) {
        Builder b = new Builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--closed-loop")) {
                b.closedLoop = true;
                continue;
            }
            if (a.equals("--progress")) {
                b.progress = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--url" -> b.url = url(v);
                case "--rate" -> b.rate = positive(a, v);
                case "--duration" -> b.duration = positive(a, v);
                case "--warmup" -> b.warmup = nonNegative(a, v);
                case "--ramp" -> b.ramp = nonNegative(a, v);
                case "--tick-us" -> b.tick = nonNegative(a, v);
                case "--connections" -> b.connections = count(a, v);
                case "--max-connections" -> b.maxConnections = count(a, v);
                case "--timeout" -> b.timeout = positive(a, v);
                case "--method" -> b.method = token(a, v.toUpperCase(Locale.ROOT));
                case "--header" -> {
                    int colon = v.indexOf(':');
                    if (colon <= 0 || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                        throw new IllegalArgumentException("--header takes 'Name: value', got '" + v + "'");
                    }
                    b.headers.add(v.substring(0, colon).trim() + ": "
                            + v.substring(colon + 1).trim());
                }
                case "--body" -> b.body = v;
                case "--transport" -> {
                    if (!v.equals("auto") && !v.equals("epoll") && !v.equals("nio")) {
                        throw new IllegalArgumentException("--transport takes auto, epoll or nio, got '" + v + "'");
                    }
                    b.transport = v;
                }
                case "--label" -> b.label = token(a, v);
                case "--server-pid" -> {
                    try {
                        b.serverPid = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--server-pid takes a process id, got '" + v + "'");
                    }
                    if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc", v, "task"))) {
                        throw new IllegalArgumentException("--server-pid " + v + ": no such process in /proc");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (b.url == null) {
            throw new IllegalArgumentException("--url is required");
        }
        if (b.closedLoop == (b.rate > 0)) {
            throw new IllegalArgumentException("give either --rate or --closed-loop");
        }
        return new LoadOptions(b);
    }

    private static URI url(String v) {
        URI u;
        try {
            u = new URI(v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("--url must be http://HOST[:PORT]/PATH, got '" + v + "'");
        }
        return u;
    }

    private static double positive(String option, String v) {
        double d = number(option, v);
        if (!(d > 0)) {
            throw new IllegalArgumentException(option + " must be more than 0, got " + v);
        }
        return d;
    }

    private static double nonNegative(String option, String v) {
        double d = number(option, v);
        if (!(d >= 0)) {
            throw new IllegalArgumentException(option + " must be 0 or more, got " + v);
        }
        return d;
    }

    private static double number(String option, String v) {
        try {
            double d = Double.parseDouble(v);
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a number, got '" + v + "'");
        }
    }

    private static int count(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n < 1 || n > 100_000) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number from 1 to 100000, got '" + v + "'");
        }
    }

    private static String token(String option, String v) {
        if (v.isEmpty() || v.chars().anyMatch(c -> c <= ' ' || c == '=' || c > '~')) {
            throw new IllegalArgumentException(option + " takes one word without spaces or '=', got '" + v + "'");
        }
        return v;
    }
}
