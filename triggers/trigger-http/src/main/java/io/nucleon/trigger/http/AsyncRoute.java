package io.nucleon.trigger.http;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.nucleon.api.Response;
import io.nucleon.core.worker.Responses;
import io.nucleon.spi.AsyncIntake;
import io.nucleon.spi.AsyncOptions;
import io.nucleon.spi.AsyncRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a request is an async call (path under {@code async.pathPrefix}, or the
 * {@code async.header} set to {@code true}) or one of the intake's endpoints under the prefix
 * ({@code /status/<id>}, {@code /dead-letters…}), and hands it to the {@link AsyncIntake}. Only
 * exists when {@code async.enabled} is true. Event loop only; the intake answers without waiting
 * for a handler.
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

    /** The reply for an async request or an intake endpoint, or null when the request is a normal (sync) one. */
    Response route(FullHttpRequest request, byte[] body, CloudEvent structured, SocketAddress remote) {
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
                Response r = intake.control(request.method().name(), path, isLoopback(remote));
                if (r != null) {
                    return r;
                }
            }
        } else if (header != null && "true".equalsIgnoreCase(request.headers().get(header))) {
            target = uri;
        } else {
            return null;
        }
        HttpHeaders h = request.headers();
        HttpEvent event = new HttpEvent(triggerName, request.method().name(), target, h, body, structured);
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, Object> f : event.fields().entrySet()) {
            Object v = f.getValue();
            fields.put(f.getKey(), v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                    : String.valueOf(v));
        }
        AsyncRequest ar = new AsyncRequest(event.method(), event.path(), event.url(), event.headers(),
                fields, event.contentType(), body, h.get(CALLBACK_HEADER), System.currentTimeMillis());
        try {
            return intake.accept(ar);
        } catch (RuntimeException e) {
            // never a silent drop: whatever went wrong, the caller learns that the call was not taken
            String errorId = Responses.newErrorId();
            LOG.atError().addKeyValue("errorId", errorId).addKeyValue("trigger", triggerName).setCause(e)
                    .log("async call not accepted");
            return Responses.error(503, "async journal unavailable", errorId, "the call was not accepted: " + e.getMessage());
        }
    }

    private boolean underPrefix(String uri) {
        if (!uri.startsWith(prefix)) {
            return false;
        }
        int n = prefix.length();
        return uri.length() == n || uri.charAt(n) == '/' || uri.charAt(n) == '?';
    }

    private static boolean isLoopback(SocketAddress remote) {
        return remote instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }
}
