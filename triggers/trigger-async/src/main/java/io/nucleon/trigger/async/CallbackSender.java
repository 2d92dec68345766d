package io.nucleon.trigger.async;

import io.nucleon.spi.Durations;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs the final response of an async call to its {@code X-Callback-Url}: the handler's body as
 * the body, its content type, {@code X-Nucleon-Status} (the handler's HTTP status),
 * {@code X-Nucleon-State} ({@code succeeded}/{@code failed}) and {@code X-Nucleon-Event-Id}. Any 2xx
 * answer is a delivery; otherwise it retries with exponential backoff up to {@code maxAttempts},
 * then gives up (logged at ERROR). Fully asynchronous: never blocks the caller.
 *
 * <p>Not durable by itself: the caller records the end of a callback (the {@code done} of
 * {@link #send}) and keeps the entry in the journal until then. {@link #close} leaves callbacks not
 * finished without calling their {@code done}, so they are sent again after a restart.
 */
final class CallbackSender {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackSender.class);

    /**
     * One callback: where to send it, for which call, and the handler's last response.
     *
     * @param statusCode the handler's HTTP status (500/504 for a handler error or timeout)
     */
    record Callback(String url, String eventId, InvocationState state, int statusCode, String contentType, byte[] body) {
    }

    private final HttpClient client;
    private final int maxAttempts;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final Duration timeout;
    private final String triggerName;
    /** Callbacks sent and not finished: a request outstanding or a retry waiting. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Requests outstanding. */
    private final AtomicInteger sending = new AtomicInteger();
    private volatile boolean closing;
    private volatile boolean closed;

    CallbackSender(String triggerName, int maxAttempts, Duration firstDelay, Duration maxDelay, Duration timeout) {
        this.triggerName = triggerName;
        this.maxAttempts = maxAttempts;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Whether {@code url} is an absolute http(s) URL with a host. */
    static boolean valid(String url) {
        try {
            URI u = URI.create(url);
            String scheme = u.getScheme();
            return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) && u.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Callbacks sent and not yet delivered nor given up. */
    int pending() {
        return pending.get();
    }

    /**
     * Sends {@code c}, retrying as configured. {@code done} is called once, on an HTTP client thread,
     * with {@link CallbackState#DELIVERED} or {@link CallbackState#FAILED} (given up, or a URL that
     * cannot be requested), unless the sender is closed first.
     */
    void send(Callback c, Consumer<CallbackState> done) {
        HttpRequest request;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url())).timeout(timeout)
                    .header("X-Nucleon-Event-Id", c.eventId())
                    .header("X-Nucleon-Status", Integer.toString(c.statusCode()))
                    .header("X-Nucleon-State", c.state().name().toLowerCase(Locale.ROOT))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(c.body() != null ? c.body() : new byte[0]));
            if (c.contentType() != null) {
                b.header("Content-Type", c.contentType());
            }
            request = b.build();
        } catch (IllegalArgumentException e) {
            LOG.atError().addKeyValue("trigger", triggerName).addKeyValue("eventId", c.eventId())
                    .log("callback to " + c.url() + " not sent: " + e.getMessage());
            done.accept(CallbackState.FAILED);
            return;
        }
        pending.incrementAndGet();
        attempt(request, c.eventId(), 1, done);
    }

    private void attempt(HttpRequest request, String eventId, int attempt, Consumer<CallbackState> done) {
        if (closing) {
            pending.decrementAndGet(); // left for the next start
            return;
        }
        CompletableFuture<HttpResponse<Void>> f;
        sending.incrementAndGet();
        try {
            f = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        } catch (RuntimeException e) {
            sending.decrementAndGet();
            retryOrGiveUp(request, eventId, attempt, e.toString(), done);
            return;
        }
        f.whenComplete((r, error) -> {
            sending.decrementAndGet();
            if (error == null && r.statusCode() / 100 == 2) {
                finish(CallbackState.DELIVERED, done);
                return;
            }
            retryOrGiveUp(request, eventId, attempt, error != null ? error.toString() : "HTTP status " + r.statusCode(), done);
        });
    }

    private void retryOrGiveUp(HttpRequest request, String eventId, int attempt, String why, Consumer<CallbackState> done) {
        if (closing) {
            pending.decrementAndGet(); // not given up: left for the next start
            return;
        }
        if (attempt >= maxAttempts) {
            LOG.atError().addKeyValue("trigger", triggerName).addKeyValue("eventId", eventId)
                    .log("callback to " + request.uri() + " failed after " + attempt + " attempt(s), giving up: " + why);
            finish(CallbackState.FAILED, done);
            return;
        }
        Duration d = Durations.backoff(firstDelay, maxDelay, attempt);
        LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", eventId)
                .log("callback to " + request.uri() + " failed (" + why + "), retrying in " + Durations.format(d));
        CompletableFuture.delayedExecutor(d.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> attempt(request, eventId, attempt + 1, done));
    }

    private void finish(CallbackState result, Consumer<CallbackState> done) {
        try {
            if (!closed) {
                done.accept(result);
            }
        } finally {
            pending.decrementAndGet();
        }
    }

    /**
     * Stops sending: no new attempt starts, and a callback whose attempt fails is left as it is
     * (not given up). Waits up to {@code grace} for the requests outstanding to be answered (a
     * delivery then still calls its {@code done}). Returns how many callbacks are left unfinished:
     * their {@code done} is never called.
     */
    int close(Duration grace) {
        closing = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (sending.get() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        closed = true;
        return pending.get();
    }
}
