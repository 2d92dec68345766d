package io.nucleon.async.journal;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What checking an {@code X-Callback-Url} costs when an async call is accepted (on the http
 * trigger's event loop), before and after the address rules: {@code before} is the check the intake
 * made until then (absolute http(s) with a host), {@code after} is {@link CallbackAddressRules#parse}
 * and {@link CallbackAddressRules#checkUrl} with the default rules and a processor listening on two
 * sockets (the supplier builds its set on each call, as the processor's does). In this package
 * because the rules are package-private.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar CallbackUrlCheckBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CallbackUrlCheckBenchmark {

    /** A name (judged when the callback connects) and a literal address (judged now). */
    @Param({
        "https://hooks.example.com/cb/42?token=0123456789abcdef",
        "http://93.184.215.14:8443/cb/42?token=0123456789abcdef"
    })
    public String url;

    private CallbackAddressRules rules;

    @Setup
    public void setUp() {
        List<InetSocketAddress> own =
                List.of(new InetSocketAddress("127.0.0.1", 8080), new InetSocketAddress("127.0.0.1", 8082));
        rules = CallbackAddressRules.of(List.of(), () -> {
            Set<InetSocketAddress> s = new LinkedHashSet<>(own);
            return java.util.Collections.unmodifiableSet(s);
        });
    }

    @Benchmark
    public boolean before() {
        try {
            URI u = URI.create(url);
            String scheme = u.getScheme();
            return scheme != null
                    && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && u.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Benchmark
    public CallbackFailure after() {
        return rules.checkUrl(CallbackAddressRules.parse(url));
    }
}
