package io.nucleon.binding.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.BindingArgs;
import io.nucleon.spi.BindingCallException;
import io.nucleon.spi.CallableBinding;
import io.nucleon.spi.Durations;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code http} data binding: one pooled {@link HttpClient} (keep-alive connections shared by every
 * worker) with a base URL, default headers, timeouts and retries. Thread-safe.
 *
 * <pre>{@code
 * HttpBinding api = ctx.binding("api", HttpBinding.class);
 * return api.get("users/" + id)                        // baseUrl + "/users/42"
 *         .thenApply(r -> r.statusCode() == 200 ? r.body() : Response.status(502).build());
 * }</pre>
 *
 * <p>Every call returns a stage at once (the worker need not wait), completing with the response
 * whatever its status, or failing with an {@link HttpBindingException} when no response came.
 * Idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) are retried up to {@code maxRetries} times,
 * with exponential backoff, after a connection error (refused, reset, connect timeout) or a 502, 503
 * or 504; the last 5xx response is returned when the retries run out. POST and PATCH are sent once.
 * A request timeout ({@code requestTimeout}, per attempt) is not retried.
 *
 * <p>Paths are resolved against {@code baseUrl} by joining them with one {@code /}: with
 * {@code https://h/api}, both {@code users?id=1} and {@code /users?id=1} are
 * {@code https://h/api/users?id=1}; a full {@code http://} or {@code https://} URL is used as it is.
 *
 * <p>Header values are never logged nor shown in {@code /status}, and URLs are shown without their
 * query and user info. Meters (tagged {@code function} and {@code binding}):
 * {@code nucleon.binding.http.requests} (tagged {@code outcome}: {@code 2xx} … {@code 5xx} or
 * {@code error}) and {@code nucleon.binding.http.retries}.
 */
public final class HttpBinding implements DataBinding, CallableBinding {
    private static final Set<String> REQUEST_ARGS = Set.of("method", "path", "headers");

    private static final Logger LOG = LoggerFactory.getLogger(HttpBinding.class);
    /** The methods that are retried. */
    public static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");

    private static final Set<Integer> RETRY_STATUSES = Set.of(502, 503, 504);
    private static final String[] OUTCOMES = {"1xx", "2xx", "3xx", "4xx", "5xx", "error"};

    private final String functionName;
    private final String name;
    private final HttpBindingConfig config;
    private final String base;
    private final Counter[] requests = new Counter[OUTCOMES.length];
    private final Counter retries;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile HttpClient client;
    private ExecutorService executor;
    private ScheduledThreadPoolExecutor timers;
    private volatile boolean closed;

    /**
     * A binding made in code, for {@code Processor.builder().dataBinding(binding)}; its meters go to a
     * registry of its own.
     *
     * @throws FunctionConfigException when an attribute is wrong
     */
    public HttpBinding(String name, HttpBindingConfig config) {
        this("", name, validated(name, config), new SimpleMeterRegistry());
    }

    HttpBinding(String functionName, String name, HttpBindingConfig config, MeterRegistry registry) {
        this.functionName = functionName;
        this.name = name;
        this.config = config;
        String b = config.baseUrl;
        this.base = b.isEmpty() ? null : b.endsWith("/") ? b : b + "/";
        for (int i = 0; i < OUTCOMES.length; i++) {
            requests[i] = Counter.builder("nucleon.binding.http.requests")
                    .description("Requests of the http binding, by outcome")
                    .tags("function", functionName, "binding", name, "outcome", OUTCOMES[i])
                    .register(registry);
        }
        this.retries = Counter.builder("nucleon.binding.http.retries")
                .description("Attempts of the http binding after the first")
                .tags("function", functionName, "binding", name)
                .register(registry);
    }

    private static HttpBindingConfig validated(String name, HttpBindingConfig config) {
        AttributeProblems problems = AttributeProblems.at("dataBindings." + name + ".attributes.");
        check(config, problems);
        problems.throwIfAny();
        return config;
    }

    /** Adds to {@code problems} what is wrong with {@code c}. */
    static void check(HttpBindingConfig c, AttributeProblems problems) {
        if (c.baseUrl == null) {
            c.baseUrl = "";
        }
        if (!c.baseUrl.isEmpty()) {
            try {
                URI u = new URI(c.baseUrl);
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    problems.add("baseUrl", "must be an http:// or https:// URL with a host");
                } else if (u.getRawQuery() != null || u.getRawFragment() != null) {
                    problems.add("baseUrl", "must have no query nor fragment (give those with each request)");
                }
            } catch (URISyntaxException e) {
                problems.add("baseUrl", "is not a URL: " + e.getReason());
            }
        }
        if (c.connectTimeout == null || c.connectTimeout.toMillis() < 1) {
            problems.add("connectTimeout", "must be at least 1ms");
        }
        if (c.requestTimeout == null || c.requestTimeout.toMillis() < 1) {
            problems.add("requestTimeout", "must be at least 1ms");
        }
        if (c.maxRetries < 0 || c.maxRetries > 100) {
            problems.add("maxRetries", "must be from 0 to 100, got " + c.maxRetries);
        }
        if (c.retryDelay == null || c.retryDelay.isNegative()) {
            problems.add("retryDelay", "must not be negative");
        } else if (c.maxRetryDelay == null || c.maxRetryDelay.compareTo(c.retryDelay) < 0) {
            problems.add("maxRetryDelay", "must be at least retryDelay");
        }
        if (!"1.1".equals(c.httpVersion) && !"2".equals(c.httpVersion)) {
            problems.add("httpVersion", "must be \"1.1\" or \"2\", got \"" + c.httpVersion + "\"");
        }
        if (c.closeTimeout == null || c.closeTimeout.isNegative()) {
            problems.add("closeTimeout", "must not be negative");
        }
        if (c.headers == null) {
            c.headers = new LinkedHashMap<>();
        }
        for (Map.Entry<String, String> h : c.headers.entrySet()) {
            try {
                HttpRequest.newBuilder(URI.create("http://check/"))
                        .header(h.getKey(), h.getValue() == null ? "" : h.getValue());
            } catch (IllegalArgumentException e) {
                // the client's message may quote the value: not repeated
                problems.add(
                        "headers." + h.getKey(),
                        "cannot be set: the HTTP client manages it, or the name or value has characters a header cannot have");
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return HttpBindingFactory.KIND;
    }

    /** Creates the client; connects to nothing (connections are opened on demand and kept alive). */
    @Override
    public void open() {
        if (closed) {
            throw new IllegalStateException("http binding '" + name + "' is closed");
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "nucleon-http-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nucleon-http-" + name + "-retries");
            t.setDaemon(true);
            return t;
        });
        client = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout)
                .followRedirects(config.followRedirects ? HttpClient.Redirect.NORMAL : HttpClient.Redirect.NEVER)
                .version("2".equals(config.httpVersion) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .executor(executor)
                .build();
        LOG.atInfo()
                .addKeyValue("binding", name)
                .addKeyValue("baseUrl", base == null ? "(none)" : safe(URI.create(base)))
                .addKeyValue("headers", new TreeMap<>(config.headers).keySet())
                .log("http binding open");
    }

    /** {@code GET path}. */
    public CompletionStage<HttpResponse<byte[]>> get(String path) {
        return send("GET", path, null, null);
    }

    /** {@code POST path} with {@code body} of {@code contentType}; never retried. */
    public CompletionStage<HttpResponse<byte[]>> post(String path, String contentType, byte[] body) {
        return send("POST", path, contentType == null ? null : Map.of("Content-Type", contentType), body);
    }

    /** {@code PUT path} with {@code body} of {@code contentType}. */
    public CompletionStage<HttpResponse<byte[]>> put(String path, String contentType, byte[] body) {
        return send("PUT", path, contentType == null ? null : Map.of("Content-Type", contentType), body);
    }

    /** {@code DELETE path}. */
    public CompletionStage<HttpResponse<byte[]>> delete(String path) {
        return send("DELETE", path, null, null);
    }

    /**
     * Sends a request, retrying it as the class describes when {@code method} is idempotent.
     *
     * @param method  the method, e.g. {@code GET} (any case)
     * @param path    resolved against {@code baseUrl}, or a full URL
     * @param headers added to (and winning over) the binding's default headers; may be {@code null}
     * @param body    the body, or {@code null} for none
     * @return a stage completing with the response (any status), or failing with an {@link HttpBindingException}
     *         when no response came
     * @throws IllegalArgumentException when the path cannot be resolved or a header cannot be set
     */
    public CompletionStage<HttpResponse<byte[]>> send(
            String method, String path, Map<String, String> headers, byte[] body) {
        HttpClient c = client;
        if (c == null || closed) {
            throw new IllegalStateException("http binding '" + name + "' is " + (closed ? "closed" : "not open yet"));
        }
        String m = method.toUpperCase(Locale.ROOT);
        URI uri = resolve(path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(config.requestTimeout)
                .method(
                        m,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, String> h : config.headers.entrySet()) {
            if (headers == null || headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase(h.getKey()))) {
                b.header(h.getKey(), h.getValue());
            }
        }
        if (headers != null) {
            headers.forEach(b::header);
        }
        HttpRequest request = b.build();
        CompletableFuture<HttpResponse<byte[]>> result = new CompletableFuture<>();
        inFlight.incrementAndGet();
        result.whenComplete((r, e) -> inFlight.decrementAndGet());
        attempt(c, request, IDEMPOTENT.contains(m), 1, result);
        return result;
    }

    private void attempt(
            HttpClient c,
            HttpRequest request,
            boolean retryable,
            int attempt,
            CompletableFuture<HttpResponse<byte[]>> result) {
        if (closed && attempt > 1) {
            fail(request, attempt - 1, new IOException("the binding closed before the retry"), result);
            return;
        }
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = c.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (RuntimeException e) {
            fail(request, attempt, e, result);
            return;
        }
        sent.whenComplete((response, error) -> {
            boolean more = retryable && attempt <= config.maxRetries && !closed;
            if (error != null) {
                Throwable cause =
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (more && connectionError(cause)) {
                    retry(c, request, attempt, result, backoff(attempt, null), cause.toString());
                } else {
                    fail(request, attempt, cause, result);
                }
            } else if (more && RETRY_STATUSES.contains(response.statusCode())) {
                retry(
                        c,
                        request,
                        attempt,
                        result,
                        backoff(
                                attempt,
                                response.headers().firstValue("Retry-After").orElse(null)),
                        "status " + response.statusCode());
            } else {
                requests[Math.min(Math.max(response.statusCode() / 100 - 1, 0), 4)].increment();
                result.complete(response);
            }
        });
    }

    /** Refused, reset, closed or not connected in time: the request may be sent again. A request timeout is not. */
    private static boolean connectionError(Throwable e) {
        if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
            return true;
        }
        return e instanceof IOException && !(e instanceof HttpTimeoutException);
    }

    private Duration backoff(int attempt, String retryAfter) {
        Duration d = Durations.backoff(config.retryDelay, config.maxRetryDelay, attempt);
        if (retryAfter != null) {
            try {
                Duration asked = Duration.ofSeconds(Long.parseLong(retryAfter.trim()));
                if (asked.compareTo(d) > 0) {
                    d = asked.compareTo(config.maxRetryDelay) > 0 ? config.maxRetryDelay : asked;
                }
            } catch (NumberFormatException | ArithmeticException dateOrJunk) {
                // an HTTP date, or nonsense: the backoff stands
            }
        }
        return d;
    }

    private void retry(
            HttpClient c,
            HttpRequest request,
            int attempt,
            CompletableFuture<HttpResponse<byte[]>> result,
            Duration delay,
            String why) {
        retries.increment();
        LOG.atDebug()
                .addKeyValue("binding", name)
                .addKeyValue("method", request.method())
                .addKeyValue("url", safe(request.uri()))
                .addKeyValue("attempt", attempt)
                .log("retrying in " + delay.toMillis() + " ms after " + why);
        try {
            timers.schedule(
                    () -> attempt(c, request, true, attempt + 1, result), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            fail(request, attempt, new IOException("the binding closed before the retry"), result);
        }
    }

    private void fail(
            HttpRequest request, int attempts, Throwable cause, CompletableFuture<HttpResponse<byte[]>> result) {
        requests[5].increment();
        String what = cause instanceof HttpConnectTimeoutException
                ? "could not connect within " + Durations.format(config.connectTimeout)
                : cause instanceof HttpTimeoutException
                        ? "got no response within " + Durations.format(config.requestTimeout)
                        : cause.getClass().getSimpleName()
                                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        result.completeExceptionally(new HttpBindingException(
                request.method() + " " + safe(request.uri()) + " failed"
                        + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": " + what,
                attempts,
                cause));
    }

    @Override
    public Set<String> operations() {
        return Set.of("request");
    }

    /**
     * {@code request} for handlers of other runtimes: {@code method} (default {@code GET}), {@code path}
     * (default: the base URL) and {@code headers}; the body (none when empty) is the request's. The reply
     * is {@code {"status", "headers"}} (a header's values joined with ", ") and the response's body, whatever
     * the status.
     */
    @Override
    public CompletionStage<Reply> call(String operation, ObjectNode args, byte[] body) {
        // the caller checked that the operation is one of operations()
        BindingArgs a = BindingArgs.of(args, name, operation, REQUEST_ARGS);
        String method = a.string("method");
        String path = a.string("path");
        Map<String, String> headers = a.stringMap("headers");
        CompletionStage<HttpResponse<byte[]>> sent;
        try {
            sent = send(
                    method == null || method.isEmpty() ? "GET" : method,
                    path == null ? "" : path,
                    headers,
                    body.length == 0 ? null : body);
        } catch (IllegalArgumentException e) {
            throw new BindingCallException(
                    BindingCallException.Reason.BAD_ARGUMENTS,
                    "'request' of http binding '" + name + "': " + e.getMessage());
        }
        return sent.thenApply(r -> {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("status", r.statusCode());
            Map<String, String> h = new LinkedHashMap<>();
            r.headers().map().forEach((k, v) -> h.put(k, String.join(", ", v)));
            result.put("headers", h);
            return new Reply(result, r.body());
        });
    }

    /**
     * {@code path} resolved against {@code baseUrl}: joined with one {@code /}, or used as it is when
     * it is a full {@code http(s)://} URL.
     *
     * @throws IllegalArgumentException when {@code path} is relative and there is no {@code baseUrl}, or it is not a valid URL
     */
    public URI resolve(String path) {
        String p = path == null ? "" : path;
        String lower = p.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return URI.create(p);
        }
        if (base == null) {
            throw new IllegalArgumentException(
                    "http binding '" + name + "' has no baseUrl: give a full URL, not '" + p + "'");
        }
        return URI.create(base + (p.startsWith("/") ? p.substring(1) : p));
    }

    /** The URL without user info, query nor fragment: what logs, errors and status show. */
    static String safe(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    @Override
    public boolean isReady() {
        return client != null && !closed;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (base != null) {
            m.put("baseUrl", safe(URI.create(base)));
        }
        m.put("headers", List.copyOf(new TreeMap<>(config.headers).keySet())); // names only
        m.put("inFlight", inFlight.get());
        Map<String, Long> byOutcome = new LinkedHashMap<>();
        for (int i = 0; i < OUTCOMES.length; i++) {
            long n = (long) requests[i].count();
            if (n > 0) {
                byOutcome.put(OUTCOMES[i], n);
            }
        }
        m.put("requests", byOutcome);
        m.put("retries", (long) retries.count());
        return m;
    }

    /** Waits up to {@code closeTimeout} for requests in flight, then releases the client's threads. */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + config.closeTimeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        HttpClient c = client;
        if (c != null) {
            try { // JDK 21+: stop the client's selector thread now rather than when it is collected
                HttpClient.class.getMethod("shutdownNow").invoke(c);
            } catch (ReflectiveOperationException olderJdk) {
                // JDK 17: the client goes with its last reference
            }
        }
        if (timers != null) {
            timers.shutdownNow().forEach(Runnable::run); // retries still waiting: they fail now
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        LOG.atInfo()
                .addKeyValue("binding", name)
                .addKeyValue("retries", (long) retries.count())
                .log("http binding closed");
    }

    @Override
    public String toString() {
        return "HttpBinding[" + name + (base == null ? "" : " -> " + safe(URI.create(base))) + "]";
    }
}
