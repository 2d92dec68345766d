package io.nucleon.core.control;

import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control connection: reads requests into a buffer of {@link ControlLimits#maxHeadBytes()},
 * answers them one at a time in the order they came (so pipelined requests are answered in order)
 * and writes without blocking. Only the selector thread touches it.
 *
 * <p>Its phases: {@code HEAD} (waiting for a request line and headers; idle when nothing of a
 * request has come yet), {@code BODY} (reading a {@code Content-Length} body), {@code WORKING} (an
 * endpoint thread is answering), {@code CLOSING} (a last response is being written), {@code
 * LINGERING} (output shut, reading and dropping what the client still sends), {@code CLOSED}.
 * Each phase has one deadline; see {@link #deadline()}.
 */
final class ControlConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ControlConnection.class);
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private enum Phase {
        HEAD,
        BODY,
        WORKING,
        CLOSING,
        LINGERING,
        CLOSED
    }

    private final ControlEventLoop loop;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final boolean withinCap;
    private final SocketAddress peer;
    private final byte[] in;
    private final HttpHead.Scanner scanner = new HttpHead.Scanner();
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();

    private Phase phase = Phase.HEAD;
    private long phaseSince;
    /** In HEAD: nothing of the next request has arrived yet (a keep-alive connection at rest). */
    private boolean idle;
    /** In HEAD: not parsing because the client has not read what is already queued for it. */
    private boolean pausedForOutput;

    private boolean inputEnded;
    private int inEnd;
    private int consumed;
    private long outBytes;
    private long lastWrite;
    private int interest = -1;

    private HttpHead head;
    private byte[] body = EMPTY;
    private int bodyFilled;
    private boolean keepAlive;
    private boolean headMethod;
    private String path = "";
    /** Counts requests, so that an endpoint's late answer for an abandoned one is dropped. */
    private long sequence;

    ControlConnection(ControlEventLoop loop, SocketChannel channel, SelectionKey key, boolean withinCap, long now) {
        this.loop = loop;
        this.channel = channel;
        this.key = key;
        this.withinCap = withinCap;
        this.in = new byte[loop.limits.maxHeadBytes()];
        this.phaseSince = now;
        this.lastWrite = now;
        SocketAddress p;
        try {
            p = channel.getRemoteAddress();
        } catch (IOException e) {
            p = null;
        }
        this.peer = p;
    }

    boolean withinCap() {
        return withinCap;
    }

    boolean isClosed() {
        return phase == Phase.CLOSED;
    }

    /** Answers {@code response} at once and closes: for a connection over the cap. */
    void refuse(long now, Response response) {
        respond(now, response, true, true);
    }

    void onReadable(long now) throws IOException {
        if (phase == Phase.LINGERING) {
            discardInput();
            return;
        }
        int room = in.length - inEnd;
        if (room == 0 || inputEnded || phase == Phase.CLOSING || phase == Phase.CLOSED) {
            return;
        }
        int n = channel.read(ByteBuffer.wrap(in, inEnd, room));
        if (n < 0) {
            inputEnded = true;
        } else if (n > 0) {
            if (phase == Phase.HEAD && idle) {
                idle = false;
                phaseSince = now; // the read timeout counts from a request's first byte
            }
            inEnd += n;
        }
    }

    void onWritable(long now) throws IOException {
        flush(now);
    }

    /** Parses and answers what has arrived, writes what it can, and updates what it waits for. */
    void pump(long now) throws IOException {
        while (phase != Phase.CLOSED) {
            advance(now);
            flush(now);
            if (!(phase == Phase.HEAD && pausedForOutput && outBytes <= loop.limits.outputHighWater())) {
                break; // otherwise the client has read enough for the next pipelined request
            }
        }
        if (phase != Phase.CLOSED) {
            updateInterest();
        }
    }

    /** An endpoint thread's answer to request number {@code forSequence}, now on the selector thread. */
    void answered(long forSequence, Response response) {
        if (phase != Phase.WORKING || forSequence != sequence) {
            return; // the connection was closed or timed out meanwhile
        }
        long now = loop.now();
        respond(now, response, !headMethod, false);
        try {
            pump(now);
        } catch (IOException e) {
            LOG.debug("control connection {} failed", this, e);
            close();
        } catch (RuntimeException e) {
            loop.warn("control connection " + this + " failed", e);
            close();
        }
    }

    /**
     * When this connection next needs attention if nothing happens ({@link Long#MAX_VALUE} for
     * never): queued output must make progress within the idle timeout; a request must arrive
     * whole within the read timeout; a connection at rest gets the idle timeout, an endpoint thread
     * the endpoint timeout; lingering ends after the linger timeout.
     */
    long deadline() {
        long d = outBytes > 0 ? lastWrite + loop.idleTimeoutNanos : Long.MAX_VALUE;
        switch (phase) {
            case HEAD -> {
                if (idle) {
                    if (outBytes == 0) {
                        d = Math.max(phaseSince, lastWrite) + loop.idleTimeoutNanos;
                    }
                } else if (!pausedForOutput) {
                    d = Math.min(d, phaseSince + loop.readTimeoutNanos);
                }
            }
            case BODY -> d = Math.min(d, phaseSince + loop.readTimeoutNanos);
            case WORKING -> d = Math.min(d, phaseSince + loop.endpointTimeoutNanos);
            case LINGERING -> d = Math.min(d, phaseSince + loop.lingerNanos);
            default -> {}
        }
        return d;
    }

    /** Acts on a {@link #deadline()} that has passed. */
    void expire(long now) throws IOException {
        if (outBytes > 0 && now >= lastWrite + loop.idleTimeoutNanos) {
            LOG.debug("control connection {} closed: its client read nothing for {}", this, loop.limits.idleTimeout());
            close();
            return;
        }
        switch (phase) {
            case HEAD -> {
                if (idle) {
                    close();
                    return;
                }
                timedOut(now);
            }
            case BODY -> timedOut(now);
            case WORKING -> {
                String within = words(loop.limits.endpointTimeout());
                loop.warn(
                        "control endpoint " + path + " did not answer within " + within
                                + "; answered 503 and the connection closed",
                        null);
                respond(
                        now,
                        ErrorResponses.overloaded(
                                "control endpoint timed out", path + " did not answer within " + within, 1),
                        !headMethod,
                        true);
            }
            case LINGERING -> {
                close();
                return;
            }
            default -> {
                return;
            }
        }
        pump(now);
    }

    private void timedOut(long now) {
        respond(
                now,
                ErrorResponses.error(
                        408,
                        "request timeout",
                        null,
                        "the request did not arrive whole within " + words(loop.limits.readTimeout())),
                true,
                true);
    }

    /** Closes the socket at once; idempotent. */
    void close() {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        sequence++;
        out.clear();
        outBytes = 0;
        key.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing control connection {}", this, e);
        }
        loop.forget(this);
    }

    // ---- reading requests ----------------------------------------------------------------------

    private void advance(long now) {
        while (true) {
            switch (phase) {
                case HEAD -> {
                    if (outBytes > loop.limits.outputHighWater()) {
                        pausedForOutput = true;
                        return;
                    }
                    pausedForOutput = false;
                    int end = scanner.scan(in, inEnd);
                    if (end < 0) {
                        if (inEnd == in.length) {
                            tooLong(now);
                        } else if (inputEnded) {
                            finish(now);
                        }
                        return;
                    }
                    try {
                        head = HttpHead.parse(in, scanner.start(), end);
                        long length = bodyLength(head);
                        consumed = end;
                        if (length == 0) {
                            body = EMPTY;
                            dispatch(now);
                        } else {
                            body = new byte[(int) length];
                            bodyFilled = 0;
                            phase = Phase.BODY;
                            if (consumed == inEnd
                                    && head.http11
                                    && !head.values("expect").isEmpty()) {
                                queue(now, ByteBuffer.wrap(CONTINUE)); // the client waits for this before it sends
                            }
                        }
                    } catch (HttpHead.Rejection r) {
                        respond(now, ErrorResponses.error(r.status, r.error, null, r.getMessage()), true, true);
                        return;
                    }
                }
                case BODY -> {
                    int n = Math.min(inEnd - consumed, body.length - bodyFilled);
                    System.arraycopy(in, consumed, body, bodyFilled, n);
                    bodyFilled += n;
                    consumed += n;
                    if (consumed == inEnd) {
                        consumed = 0;
                        inEnd = 0;
                    }
                    if (bodyFilled < body.length) {
                        if (inputEnded) {
                            finish(now);
                        }
                        return;
                    }
                    dispatch(now);
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** The {@code Content-Length} of a request, checked against what the server accepts. */
    private long bodyLength(HttpHead h) throws HttpHead.Rejection {
        List<String> hosts = h.values("host");
        if (h.http11 && hosts.size() != 1) {
            throw new HttpHead.Rejection(
                    400,
                    "bad request",
                    "an HTTP/1.1 request carries exactly one Host header, this one " + hosts.size());
        }
        if (!h.values("transfer-encoding").isEmpty()) {
            throw new HttpHead.Rejection(
                    411,
                    "length required",
                    "the control server takes request bodies with Content-Length"
                            + " (at most " + loop.limits.maxBodyBytes() + " bytes), not Transfer-Encoding "
                            + String.join(", ", h.values("transfer-encoding")));
        }
        for (String expect : h.values("expect")) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                throw new HttpHead.Rejection(
                        417, "expectation failed", "the only expectation served is 100-continue, not " + expect);
            }
        }
        long length = -1;
        for (String value : h.values("content-length")) {
            for (String part : value.split(",", -1)) {
                String digits = part.trim();
                if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new HttpHead.Rejection(
                            400, "bad request", "Content-Length must be a number, got '" + value + "'");
                }
                long n = Long.parseLong(digits);
                if (length >= 0 && n != length) {
                    throw new HttpHead.Rejection(
                            400, "bad request", "the request carries different Content-Length values");
                }
                length = n;
            }
        }
        if (length > loop.limits.maxBodyBytes()) {
            throw new HttpHead.Rejection(
                    413,
                    "request body too large",
                    "a control request body is at most " + loop.limits.maxBodyBytes() + " bytes, this one " + length);
        }
        return Math.max(0, length);
    }

    private void tooLong(long now) {
        int max = loop.limits.maxHeadBytes();
        Response r = scanner.requestLineSeen()
                ? ErrorResponses.error(
                        431,
                        "request header fields too large",
                        null,
                        "the request line and headers exceed " + max + " bytes")
                : ErrorResponses.error(414, "URI too long", null, "the request line exceeds " + max + " bytes");
        respond(now, r, true, true);
    }

    /** The client closed its side with nothing left to answer: write what is queued, then close. */
    private void finish(long now) {
        phase = Phase.CLOSING;
        phaseSince = now;
    }

    /** Routes the request just read and answers it, now or through an endpoint thread. */
    private void dispatch(long now) {
        HttpHead h = head;
        keepAlive = h.http11 ? !h.lists("connection", "close") : h.lists("connection", "keep-alive");
        headMethod = h.method.equals("HEAD");
        String target = h.target;
        if (target.startsWith("http://") || target.startsWith("https://")) { // absolute form: keep the path
            int slash = target.indexOf('/', target.indexOf("//") + 2);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        if (!target.startsWith("/")) {
            respond(
                    now,
                    ErrorResponses.error(
                            400, "bad request", null, "the request target must be a path, got " + h.target),
                    !headMethod,
                    false);
            return;
        }
        int q = target.indexOf('?');
        path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        ControlRoutes.Route route = loop.routes.find(path);
        if (route == null) {
            respond(now, loop.notFound(), !headMethod, false);
            return;
        }
        if (!route.allows(h.method)) {
            respond(
                    now,
                    Response.status(405)
                            .contentType(Response.APPLICATION_JSON)
                            .header("Allow", route.allowHeader())
                            .body(ErrorResponses.body(
                                    "method not allowed",
                                    null,
                                    path + " accepts " + route.allowHeader() + ", not " + h.method))
                            .build(),
                    !headMethod,
                    false);
            return;
        }
        ControlRequest request = new ControlRequest(h.method, path, query, h.headers, body);
        body = EMPTY;
        if (route.runs() == ControlRoutes.Runs.ON_SELECTOR) {
            respond(now, answer(route, request), !headMethod, false);
            return;
        }
        long forSequence = ++sequence;
        phase = Phase.WORKING;
        phaseSince = now;
        try {
            loop.execute(() -> {
                if (route.staged() == null) {
                    Response r = answer(route, request);
                    loop.post(() -> answered(forSequence, r));
                    return;
                }
                // the endpoint thread is free again at once; the answer comes when the stage completes
                answerLater(route, request).whenComplete((r, e) -> {
                    Response out = r != null
                            ? r
                            : failed(request, e != null ? e : new IllegalStateException("the endpoint answered null"));
                    loop.post(() -> answered(forSequence, out));
                });
            });
        } catch (RejectedExecutionException e) {
            sequence++;
            respond(
                    now,
                    ErrorResponses.overloaded(
                            "control server busy",
                            "the control endpoints' queue of " + loop.limits.workerQueue() + " requests is full",
                            1),
                    !headMethod,
                    false);
        }
    }

    /** The stage of a staged endpoint; a failed one when it throws. */
    private java.util.concurrent.CompletionStage<Response> answerLater(
            ControlRoutes.Route route, ControlRequest request) {
        try {
            java.util.concurrent.CompletionStage<Response> stage =
                    route.staged().answer(request);
            return stage != null
                    ? stage
                    : java.util.concurrent.CompletableFuture.failedFuture(
                            new IllegalStateException("the endpoint answered null"));
        } catch (Exception e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** The 500 for an endpoint that failed: the cause goes to the log under the answer's error id. */
    private Response failed(ControlRequest request, Throwable e) {
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        String errorId = ErrorResponses.newErrorId();
        if (loop.closed()) {
            LOG.debug("control endpoint {} stopped by the server's close", request.path(), e);
        } else {
            LOG.atError()
                    .addKeyValue("errorId", errorId)
                    .setCause(e)
                    .log("control endpoint " + request.path() + " failed");
        }
        return ErrorResponses.error(500, "internal error", errorId, "see the processor's log for this error id");
    }

    /** What the endpoint answers, or a 500 (and a log line) when it throws. */
    private Response answer(ControlRoutes.Route route, ControlRequest request) {
        try {
            Response r = route.endpoint().answer(request);
            if (r == null) {
                throw new IllegalStateException("the endpoint answered null");
            }
            return r;
        } catch (Exception e) {
            return failed(request, e);
        }
    }

    // ---- writing responses ---------------------------------------------------------------------

    /**
     * Queues {@code r}; then reads the next request, or closes once it is written when
     * {@code close} is set or the request asked for it.
     */
    private void respond(long now, Response r, boolean withBody, boolean close) {
        boolean last = close || !keepAlive || !withinCap || loop.closed();
        boolean sayKeepAlive = !last && head != null && !head.http11;
        queue(now, loop.encodeHead(r, last, sayKeepAlive));
        if (withBody && r.body().length > 0) {
            queue(now, ByteBuffer.wrap(r.body()));
        }
        head = null;
        if (last) {
            phase = Phase.CLOSING;
            phaseSince = now;
            return;
        }
        // the next request: move what has arrived of it to the front of the buffer
        System.arraycopy(in, consumed, in, 0, inEnd - consumed);
        inEnd -= consumed;
        consumed = 0;
        scanner.reset();
        phase = Phase.HEAD;
        phaseSince = now;
        idle = inEnd == 0;
    }

    private void queue(long now, ByteBuffer bytes) {
        if (outBytes == 0) {
            lastWrite = now;
        }
        out.add(bytes);
        outBytes += bytes.remaining();
    }

    private void flush(long now) throws IOException {
        while (outBytes > 0) {
            long n = channel.write(out.toArray(new ByteBuffer[0]));
            if (n > 0) {
                outBytes -= n;
                lastWrite = now;
            }
            while (!out.isEmpty() && !out.peekFirst().hasRemaining()) {
                out.removeFirst();
            }
            if (n == 0) {
                break; // the socket's buffer is full: wait for OP_WRITE
            }
        }
        if (outBytes == 0 && phase == Phase.CLOSING) {
            if (inputEnded) {
                close();
                return;
            }
            channel.shutdownOutput(); // the client sees the end of the response, then EOF
            phase = Phase.LINGERING;
            phaseSince = now;
            discardInput();
        }
    }

    /** Reads and drops what the client sends after its last response, until it closes its side. */
    private void discardInput() throws IOException {
        for (int i = 0; i < 8 && phase == Phase.LINGERING; i++) {
            ByteBuffer scratch = loop.scratch;
            scratch.clear();
            int n = channel.read(scratch);
            if (n < 0) {
                close();
            } else if (n == 0) {
                return;
            }
        }
    }

    private void updateInterest() {
        int ops = outBytes > 0 ? SelectionKey.OP_WRITE : 0;
        boolean read = switch (phase) {
            case HEAD, BODY, WORKING -> !inputEnded && inEnd < in.length;
            case LINGERING -> true;
            default -> false;
        };
        if (read) {
            ops |= SelectionKey.OP_READ;
        }
        if (ops != interest) {
            interest = ops;
            key.interestOps(ops);
        }
    }

    private static String words(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    @Override
    public String toString() {
        return String.valueOf(peer);
    }
}
