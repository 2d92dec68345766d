package io.nucleon.trigger.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import io.nucleon.trigger.http.async.AsyncIntake;
import io.nucleon.trigger.http.async.AsyncOptions;
import io.nucleon.trigger.http.async.AsyncRequest;
import io.nucleon.trigger.http.auth.AuthIdentity;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a request is an async call (path under {@code async.pathPrefix}, or the
 * {@code async.header} set to {@code true}) or one of the intake's endpoints under the prefix
 * ({@code /status/<id>}, and {@code /dead-letters…}, which only says where those went), and hands
 * it to the {@link AsyncIntake}. Only
 * exists when {@code async.enabled} is true. Event loop only; the intake answers without waiting
 * for a handler, and answers that take longer than a lookup are made on the intake's own thread.
 */
final class AsyncRoute {
    private static final Logger LOG = LoggerFactory.getLogger(AsyncRoute.class);
    static final String CALLBACK_HEADER = "X-Callback-Url";

    private final String triggerName;
    private final String prefix;
    private final String header;
    private final AsyncIntake intake;

    AsyncRoute(String triggerName, AsyncOptions options, AsyncIntake intake) {
        this.triggerName = triggerName;
        this.prefix = options.pathPrefix == null || options.pathPrefix.isEmpty() ? null : options.pathPrefix;
        this.header = options.header == null || options.header.isBlank() ? null : options.header;
        this.intake = intake;
    }

    /**
     * Takes an async call or an intake endpoint request and answers {@code exchange} (now, or later
     * from the intake's own thread); returns {@code false}, leaving {@code exchange} alone, when the
     * request is a normal (sync) one. The {@code identity} the request was let in as (null when
     * auth is off) is journaled with it as event fields, so the handler sees it when the call runs.
     */
    boolean route(
            HttpRequest request, byte[] body, CloudEvent structured, AuthIdentity identity, InFlightRequest exchange) {
        String uri = request.uri();
        String target;
        if (prefix != null && underPrefix(uri)) {
            target = uri.substring(prefix.length());
            if (target.isEmpty() || target.charAt(0) == '?') {
                target = "/" + target;
            }
            int q = target.indexOf('?');
            String path = q < 0 ? target : target.substring(0, q);
            if (path.startsWith("/status/") || path.equals("/dead-letters") || path.startsWith("/dead-letters/")) {
                CompletionStage<Response> r =
                        intake.control(request.method().name(), path, q < 0 ? null : target.substring(q + 1));
                if (r != null) {
                    r.whenComplete((response, error) -> exchange.answer(response != null ? response : failed(error)));
                    return true;
                }
            }
        } else if (header != null && "true".equalsIgnoreCase(request.headers().get(header))) {
            target = uri;
        } else {
            return false;
        }
        HttpHeaders h = request.headers();
        HttpEvent event = new HttpEvent(triggerName, request.method().name(), target, h, body, structured, identity);
        // the fields as a sync call's event has them (a repeated parameter is a list): the same event on both paths
        AsyncRequest ar = new AsyncRequest(
                event.method(),
                event.path(),
                event.url(),
                event.headers(),
                event.fields(),
                event.contentType(),
                body,
                h.get(CALLBACK_HEADER),
                System.currentTimeMillis());
        Response answer;
        try {
            answer = intake.accept(ar);
        } catch (RuntimeException e) {
            // never a silent drop: whatever went wrong, the caller learns that the call was not taken
            String errorId = ErrorResponses.newErrorId();
            LOG.atError()
                    .addKeyValue("errorId", errorId)
                    .addKeyValue("trigger", triggerName)
                    .setCause(e)
                    .log("async call not accepted");
            answer = ErrorResponses.error(
                    503, "async journal unavailable", errorId, "the call was not accepted: " + e.getMessage());
        }
        exchange.answer(answer);
        return true;
    }

    /** The answer when an endpoint's stage failed instead of giving a response. */
    private Response failed(Throwable error) {
        String errorId = ErrorResponses.newErrorId();
        LOG.atError()
                .addKeyValue("errorId", errorId)
                .addKeyValue("trigger", triggerName)
                .setCause(error)
                .log("async endpoint failed");
        return ErrorResponses.error(500, "internal error", errorId, "see the processor's log for this error id");
    }

    private boolean underPrefix(String uri) {
        if (!uri.startsWith(prefix)) {
            return false;
        }
        int n = prefix.length();
        return uri.length() == n || uri.charAt(n) == '/' || uri.charAt(n) == '?';
    }
}
