package io.nucleon.trigger.async;

import io.nucleon.api.Response;
import io.nucleon.spi.Durations;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs the final response of an async call to its {@code X-Callback-Url}: the handler's body as
 * the body, its content type, {@code X-Nucleon-Status} (the handler's HTTP status),
 * {@code X-Nucleon-State} ({@code succeeded}/{@code failed}) and {@code X-Nucleon-Event-Id}. Any 2xx
 * answer is a delivery; otherwise it retries with exponential backoff up to {@code maxAttempts},
 * then logs the failure. Fully asynchronous: never blocks the caller. Not durable: a callback still
 * pending when the process ends is not sent.
 */
final class CallbackSender {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackSender.class);

    private final HttpClient client;
    private final int maxAttempts;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final Duration timeout;
    private final String triggerName;
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
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

    void send(String url, String eventId, String state, Response response) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                    .header("X-Nucleon-Event-Id", eventId)
                    .header("X-Nucleon-Status", Integer.toString(response.status()))
                    .header("X-Nucleon-State", state)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(response.body()));
            if (response.contentType() != null) {
                b.header("Content-Type", response.contentType());
            }
        } catch (IllegalArgumentException e) {
            failed.incrementAndGet();
            LOG.atError().addKeyValue("trigger", triggerName).addKeyValue("eventId", eventId)
                    .log("callback to " + url + " not sent: " + e.getMessage());
            return;
        }
        attempt(b.build(), eventId, 1);
    }

    private void attempt(HttpRequest request, String eventId, int attempt) {
        if (closed) {
            return;
        }
        CompletableFuture<HttpResponse<Void>> f;
        try {
            f = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        } catch (RuntimeException e) {
            retryOrGiveUp(request, eventId, attempt, e.toString());
            return;
        }
        f.whenComplete((r, error) -> {
            if (error == null && r.statusCode() / 100 == 2) {
                delivered.incrementAndGet();
                return;
            }
            retryOrGiveUp(request, eventId, attempt, error != null ? error.toString() : "HTTP status " + r.statusCode());
        });
    }

    private void retryOrGiveUp(HttpRequest request, String eventId, int attempt, String why) {
        if (attempt >= maxAttempts || closed) {
            failed.incrementAndGet();
            LOG.atError().addKeyValue("trigger", triggerName).addKeyValue("eventId", eventId)
                    .log("callback to " + request.uri() + " failed after " + attempt + " attempt(s), giving up: " + why);
            return;
        }
        Duration d = Durations.backoff(firstDelay, maxDelay, attempt);
        LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", eventId)
                .log("callback to " + request.uri() + " failed (" + why + "), retrying in " + Durations.format(d));
        CompletableFuture.delayedExecutor(d.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> attempt(request, eventId, attempt + 1));
    }

    void close() {
        closed = true;
    }
}
