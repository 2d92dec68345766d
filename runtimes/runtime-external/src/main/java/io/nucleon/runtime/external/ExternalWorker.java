package io.nucleon.runtime.external;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.MetaCodec;
import io.nucleon.runtime.external.protocol.Protocol;
import io.nucleon.runtime.external.protocol.ProtocolException;
import io.nucleon.runtime.external.supervision.RestartBackoff;
import io.nucleon.runtime.external.supervision.UntrustedText;
import io.nucleon.runtime.external.supervision.WrapperLauncher;
import io.nucleon.runtime.external.supervision.WrapperLog;
import io.nucleon.runtime.external.supervision.WrapperMetrics;
import io.nucleon.runtime.external.supervision.WrapperMetrics.Restart;
import io.nucleon.runtime.external.supervision.WrapperProcess;
import io.nucleon.runtime.external.supervision.WrapperSettings;
import io.nucleon.runtime.external.transport.Transport;
import io.nucleon.spi.ErrorResponses;
import io.nucleon.spi.EventBatch;
import io.nucleon.spi.RuntimeFailure;
import io.nucleon.spi.WorkerRuntime;
import io.nucleon.spi.WorkerRuntime.BatchOutcome;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's wrapper: sends it events one at a time and reads its answers, restarting it in place
 * when it dies. Runs on the worker's thread; {@link #abort} comes from the timeout watchdog.
 *
 * <pre>
 * invoke: meta JSON into a reused buffer ─▶ transport.sendEvent ─▶ transport.receive … until the answer
 *         (LOG frames to the worker's logger, METRIC frames to the handler's counters, BINDING_CALL
 *         frames to {@link BindingCalls} on the way)
 * </pre>
 */
final class ExternalWorker implements WorkerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalWorker.class);

    private final WrapperSettings settings;
    private final WrapperLauncher launcher;
    private final WrapperMetrics metrics;
    private final Context ctx;
    private final Consumer<ExternalWorker> onClose;
    private final MetaCodec codec = new MetaCodec();
    private final WrapperLog log;
    private final RestartBackoff backoff;
    /** The sequence numbers and frame lengths of the events of the batch in hand (see {@link #invokeAll}). */
    private final long[] seqs;

    private final long[] frames;
    private final BindingCalls bindingCalls;
    private volatile WrapperProcess wrapper;
    private volatile boolean aborted;
    /** Events sent to the wrapper while it had another one in hand; written by the worker's thread only. */
    private volatile long sentAhead;

    private volatile int restarts;

    ExternalWorker(
            WrapperSettings settings,
            WrapperLauncher launcher,
            WrapperMetrics metrics,
            Context ctx,
            Consumer<ExternalWorker> onClose)
            throws WrapperLauncher.StartFailure {
        this.settings = settings;
        this.launcher = launcher;
        this.metrics = metrics;
        this.ctx = ctx;
        this.onClose = onClose;
        this.backoff = new RestartBackoff(settings);
        this.seqs = new long[settings.transport().eventsInFlight()];
        this.frames = new long[settings.transport().eventsInFlight()];
        this.bindingCalls = new BindingCalls(
                ctx,
                settings.kind(),
                settings.eventTimeout(),
                settings.transport().maxFrame());
        this.log = launcher.newLog(ctx);
        this.wrapper = launcher.launch(ctx, log);
        logStarted(wrapper, false);
    }

    boolean running() {
        WrapperProcess w = wrapper;
        return w != null && w.alive();
    }

    String key() {
        return ctx.triggerName() + "/" + ctx.workerId();
    }

    int restarts() {
        return restarts;
    }

    @Override
    public Object invoke(Context context, Event event) throws Exception {
        aborted = false; // an abort is about the event in flight; a worker that carries on after one starts afresh
        WrapperProcess w = wrapper;
        if (w == null || !w.alive()) {
            w = restart(w);
        }
        int metaLength = codec.encode(event);
        byte[] body = event.body();
        int maxFrame = settings.transport().maxFrame();
        if (Protocol.eventFrameLength(metaLength, body.length) > maxFrame) {
            throw new RuntimeFailure(
                    413,
                    "the event (" + body.length + " body bytes) is larger than the wrapper protocol's "
                            + "frame limit of " + maxFrame + " bytes (runtimeAttributes.maxFrameSize)");
        }
        Transport transport = w.transport();
        long seq = w.nextSeq();
        long start = System.nanoTime();
        try {
            transport.sendEvent(seq, codec.buffer(), metaLength, body);
            while (true) {
                Message m = transport.receive();
                if (m instanceof Message.Answer a) {
                    answered(w, seq, a.seq(), start);
                    return codec.answer(a.metaJson(), a.body());
                } else if (m instanceof Message.Failure f) {
                    answered(w, seq, f.seq(), start);
                    throw handlerFailure(f.json());
                } else if (m instanceof Message.Log frame) {
                    log.frame(frame.json());
                } else if (m instanceof Message.Metric metric) {
                    metrics.handlerMetric(metric.json());
                } else if (m instanceof Message.BindingCall call) {
                    bindingCalls.serve(transport, call);
                } else if (m instanceof Message.Hello || m instanceof Message.InitFailed) {
                    throw new ProtocolException(m.getClass().getSimpleName() + " after the handshake");
                }
            }
        } catch (IOException | ProtocolException e) {
            throw died(w, e);
        }
    }

    @Override
    public int batchLimit() {
        return settings.transport().eventsInFlight();
    }

    /**
     * Sends the wrapper the batch's events ahead of its answers, as many as fit in
     * {@link io.nucleon.runtime.external.transport.TransportSettings#aheadBytes()} (an event larger than
     * that goes alone), and reports each answer as it comes, topping up as answers free room. The
     * wrapper runs them one after another, as it would have one at a time, but never waits for the next
     * one: the round trip to this worker is off its path.
     *
     * <p>When the wrapper dies, or is killed because the running event timed out, it had not begun the
     * events after the running one (it takes them in order): they go back to the pool. Only when an
     * answer comes just after its event timed out may the wrapper have begun the next one: it is
     * stopped then, and the events sent ahead end with 502.
     */
    @Override
    public void invokeAll(Context context, EventBatch batch) throws Exception {
        aborted = false;
        WrapperProcess w = wrapper;
        if (w == null || !w.alive()) {
            w = restart(w);
        }
        Transport transport = w.transport();
        int n = batch.size();
        int maxFrame = settings.transport().maxFrame();
        long ahead = settings.transport().aheadBytes();
        int sent = 0;
        int done = 0;
        long outstanding = 0;
        long start = System.nanoTime();
        Runnable flush = batch::flush;
        try {
            while (done < n) {
                transport.hold(); // the events sent now go in one write, or with one doorbell
                while (sent < n) {
                    Event event = batch.event(sent);
                    int metaLength = codec.encode(event);
                    byte[] body = event.body();
                    long frame = Protocol.eventFrameLength(metaLength, body.length);
                    if (frame > maxFrame) {
                        if (sent > done) {
                            break; // reported once it is the running one
                        }
                        if (!batch.failed(done, tooLarge(body.length, maxFrame))) {
                            return;
                        }
                        done++;
                        sent++;
                        start = System.nanoTime();
                        continue;
                    }
                    if (sent > done && outstanding + frame > ahead) {
                        break;
                    }
                    long seq = w.nextSeq();
                    seqs[sent] = seq;
                    frames[sent] = frame;
                    transport.sendEvent(seq, codec.buffer(), metaLength, body);
                    if (sent > done) {
                        sentAhead++; // one writer: the worker's thread
                    }
                    outstanding += frame;
                    sent++;
                }
                transport.flush();
                if (done >= n) {
                    return;
                }
                Message m = transport.receive(flush);
                boolean carryOn;
                if (m instanceof Message.Answer a) {
                    answered(w, seqs[done], a.seq(), start);
                    carryOn = batch.succeeded(done, codec.answer(a.metaJson(), a.body()));
                } else if (m instanceof Message.Failure f) {
                    answered(w, seqs[done], f.seq(), start);
                    carryOn = batch.failed(done, handlerFailure(f.json()));
                } else {
                    other(transport, m);
                    continue;
                }
                outstanding -= frames[done];
                done++;
                start = System.nanoTime();
                if (!carryOn) {
                    // the event just answered had timed out; the wrapper may hold the ones sent after it
                    giveUpAhead(w, batch, done, sent);
                    return;
                }
            }
        } catch (IOException | ProtocolException e) {
            // The wrapper died (or was killed for a timeout) before answering the running event, so it had
            // not begun those after it: the running one ends with this failure, the others go back to the pool.
            throw died(w, e);
        }
    }

    /**
     * Sends the events as one EVENT_BATCH and reads the RESPONSE_BATCH: one outcome per event, in
     * order ({@code docs/protocol.md} section 4b). The handler raising fails every event of the batch;
     * an item the wrapper marks as an error fails only its event. Whatever fails the wrapper (a crash,
     * a protocol error, a timeout) fails the whole call, as for one event.
     */
    @Override
    public List<BatchOutcome> invokeBatch(Context context, List<Event> events) throws Exception {
        aborted = false;
        WrapperProcess w = wrapper;
        if (w == null || !w.alive()) {
            w = restart(w);
        }
        int maxFrame = settings.transport().maxFrame();
        java.io.ByteArrayOutputStream items = new java.io.ByteArrayOutputStream(256 * events.size());
        byte[] lengths = new byte[8];
        java.nio.ByteBuffer lb = java.nio.ByteBuffer.wrap(lengths).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Event event : events) {
            int metaLength = codec.encode(event);
            byte[] body = event.body();
            lb.putInt(0, metaLength).putInt(4, body.length);
            items.write(lengths);
            items.write(codec.buffer(), 0, metaLength);
            items.write(body);
            if (Protocol.TYPE_BYTES + Protocol.SEQ_META_BYTES + (long) items.size() > maxFrame) {
                throw new RuntimeFailure(
                        413,
                        "the batch of " + events.size() + " events is larger than the wrapper protocol's frame"
                                + " limit of " + maxFrame + " bytes (runtimeAttributes.maxFrameSize)");
            }
        }
        Transport transport = w.transport();
        long seq = w.nextSeq();
        long start = System.nanoTime();
        try {
            transport.sendEventBatch(seq, events.size(), items.toByteArray(), items.size());
            while (true) {
                Message m = transport.receive();
                if (m instanceof Message.BatchAnswer a) {
                    answered(w, seq, a.seq(), start);
                    if (a.items().size() != events.size()) {
                        throw new ProtocolException("RESPONSE_BATCH with "
                                + a.items().size() + " answers for " + events.size() + " events");
                    }
                    List<BatchOutcome> out = new ArrayList<>(events.size());
                    for (Message.Answer item : a.items()) {
                        out.add(batchItem(item));
                    }
                    return out;
                } else if (m instanceof Message.Failure f) {
                    answered(w, seq, f.seq(), start);
                    HandlerFailure failure = handlerFailure(f.json());
                    List<BatchOutcome> out = new ArrayList<>(events.size());
                    for (int i = 0; i < events.size(); i++) {
                        out.add(new BatchOutcome(null, failure));
                    }
                    return out;
                } else if (m instanceof Message.Log frame) {
                    log.frame(frame.json());
                } else if (m instanceof Message.Metric metric) {
                    metrics.handlerMetric(metric.json());
                } else if (m instanceof Message.BindingCall call) {
                    bindingCalls.serve(transport, call);
                } else if (!(m instanceof Message.Doorbell) && !(m instanceof Message.Skipped)) {
                    throw new ProtocolException(m.getClass().getSimpleName() + " while a batch is in flight");
                }
            }
        } catch (IOException | ProtocolException e) {
            throw died(w, e);
        }
    }

    /** Events {@code from} to {@code to - 1} were sent to {@code w} and will not be answered to us: stops it, ends them with 502. */
    private void giveUpAhead(WrapperProcess w, EventBatch batch, int from, int to) {
        if (from >= to) {
            return;
        }
        if (wrapper == w) {
            wrapper = null;
            w.kill();
            w.release();
            if (!aborted) { // an abort has counted its restart already
                restarts++;
                metrics.countRestart(Restart.TIMEOUT);
            }
        }
        RuntimeFailure failure = new RuntimeFailure(
                502,
                "the " + settings.kind() + " wrapper was stopped while this event was queued in it (an event ahead "
                        + "of it timed out or the wrapper died); it may or may not have run");
        for (int i = from; i < to; i++) {
            batch.failed(i, failure);
        }
    }

    private RuntimeFailure tooLarge(int bodyLength, int maxFrame) {
        return new RuntimeFailure(
                413,
                "the event (" + bodyLength + " body bytes) is larger than the wrapper protocol's frame limit of "
                        + maxFrame + " bytes (runtimeAttributes.maxFrameSize)");
    }

    /**
     * A frame that is not an answer while events are in flight: logs, metrics and binding calls (of the
     * running event) are served, a handshake frame breaks the protocol, the rest is skipped.
     */
    private void other(Transport transport, Message m) throws IOException, ProtocolException {
        if (m instanceof Message.Log frame) {
            log.frame(frame.json());
        } else if (m instanceof Message.Metric metric) {
            metrics.handlerMetric(metric.json());
        } else if (m instanceof Message.BindingCall call) {
            bindingCalls.serve(transport, call);
        } else if (m instanceof Message.Hello || m instanceof Message.InitFailed) {
            throw new ProtocolException(m.getClass().getSimpleName() + " after the handshake");
        }
    }

    /** Python handlers take batches (Nuclio's batch API); the Node.js wrapper has none. */
    @Override
    public boolean takesBatches() {
        return settings.language() == io.nucleon.runtime.external.supervision.Language.PYTHON;
    }

    /** One RESPONSE_BATCH item: a response, or with an {@code error} key the failure of that event alone. */
    private static BatchOutcome batchItem(Message.Answer item) throws ProtocolException {
        JsonNode meta = item.metaJson().isEmpty() ? null : MetaCodec.object(item.metaJson(), "RESPONSE_BATCH item");
        if (meta != null && meta.has("error")) {
            JsonNode e = meta.get("error");
            return new BatchOutcome(null, handlerFailure(e.isObject() ? e.toString() : "{\"message\":" + e + "}"));
        }
        return new BatchOutcome(MetaCodec.response(item.metaJson(), item.body()), null);
    }

    private void answered(WrapperProcess w, long seq, long got, long startNanos) throws ProtocolException {
        if (got != seq) {
            throw new ProtocolException("answer for event " + got + " while event " + seq + " is in flight");
        }
        metrics.recordInvocation(System.nanoTime() - startNanos);
        w.answered();
        backoff.answered();
    }

    /** The handler's error as the log will show it: type and message on one line, the traceback indented below. */
    private static HandlerFailure handlerFailure(String json) {
        try {
            JsonNode n = MetaCodec.object(json, "ERROR");
            String type = n.path("type").asText("");
            String message = n.path("message").asText("");
            String trace = n.path("traceback").asText("");
            return new HandlerFailure(WrapperLog.text((type.isEmpty() ? "" : type + ": ") + message)
                    + (trace.isEmpty() ? "" : "\n\t" + WrapperLog.traceback(trace)));
        } catch (ProtocolException e) {
            return new HandlerFailure(WrapperLog.text(json));
        }
    }

    /** The wrapper failed while it held an event: the caller gets 502, the wrapper is replaced at the next event. */
    private Exception died(WrapperProcess w, Exception cause) {
        boolean protocol = cause instanceof ProtocolException;
        w.kill();
        String ending =
                protocol ? "broke the protocol (" + UntrustedText.oneLine(cause.getMessage()) + ")" : w.ending();
        w.release();
        if (aborted) {
            // the watchdog already answered 504 and counted the restart; the core drops this result
            return new RuntimeFailure(504, "the event timed out");
        }
        wrapper = null;
        backoff.failed();
        restarts++;
        metrics.countRestart(protocol ? Restart.PROTOCOL : Restart.CRASH);
        String tail = protocol ? "" : w.stderrTail();
        LOG.atWarn()
                .addKeyValue("function", ctx.functionName())
                .addKeyValue("trigger", ctx.triggerName())
                .addKeyValue("worker", ctx.workerId())
                .addKeyValue("pid", w.pid())
                .log("the " + settings.kind() + " wrapper " + ending
                        + " while handling an event; the event gets 502 and" + " the wrapper is restarted"
                        + (tail.isEmpty() ? "" : "; its stderr ended with:\n" + tail));
        return new RuntimeFailure(
                502,
                "the " + settings.kind() + " wrapper " + (protocol ? "broke the protocol" : ending)
                        + " while handling the event; it is being restarted");
    }

    /** Starts a new wrapper in place of {@code dead} (which may be {@code null}), after the backoff for repeated failures. */
    private WrapperProcess restart(WrapperProcess dead) throws RuntimeFailure {
        if (dead != null) {
            // it died between events: nobody was waiting on it
            dead.kill();
            String ending = dead.ending();
            dead.release();
            backoff.failed();
            restarts++;
            metrics.countRestart(Restart.CRASH);
            LOG.atWarn()
                    .addKeyValue("function", ctx.functionName())
                    .addKeyValue("trigger", ctx.triggerName())
                    .addKeyValue("worker", ctx.workerId())
                    .addKeyValue("pid", dead.pid())
                    .log("the " + settings.kind() + " wrapper " + ending + " between events; restarting it");
            wrapper = null;
        }
        backoff.awaitNextStart();
        try {
            WrapperProcess w = launcher.launch(ctx, log);
            wrapper = w;
            logStarted(w, true);
            return w;
        } catch (WrapperLauncher.StartFailure e) {
            backoff.failed();
            String errorId = ErrorResponses.newErrorId();
            LOG.atError().addKeyValue("errorId", errorId).log(e.getMessage());
            throw new RuntimeFailure(
                    503,
                    "the " + settings.kind() + " wrapper could not be restarted (error id " + errorId
                            + " in the processor log)");
        }
    }

    private void logStarted(WrapperProcess w, boolean restarted) {
        LOG.atDebug()
                .addKeyValue("function", ctx.functionName())
                .addKeyValue("trigger", ctx.triggerName())
                .addKeyValue("worker", ctx.workerId())
                .addKeyValue("pid", w.pid())
                .addKeyValue("transport", w.transport().name())
                .log(settings.kind() + " wrapper " + (restarted ? "restarted" : "started"));
    }

    @Override
    public void abort(Thread workerThread) {
        aborted = true;
        bindingCalls.abort();
        WrapperProcess w = wrapper;
        if (w != null) {
            restarts++;
            metrics.countRestart(Restart.TIMEOUT);
            w.kill(); // the worker's blocked read fails; that thread releases the rest
        }
    }

    /**
     * Stops the wrapper (asked to stop, then killed after {@code stopTimeout}): when the processor
     * stops, and when the pool retires this idle worker ({@code minWorkers} below {@code numWorkers}).
     */
    @Override
    public void close(Context context) {
        onClose.accept(this);
        log.reportDrops();
        WrapperProcess w = wrapper;
        wrapper = null;
        if (w != null) {
            w.stop(settings.stopTimeout());
            LOG.atDebug()
                    .addKeyValue("function", ctx.functionName())
                    .addKeyValue("trigger", ctx.triggerName())
                    .addKeyValue("worker", ctx.workerId())
                    .addKeyValue("pid", w.pid())
                    .log(settings.kind() + " wrapper stopped");
        }
    }

    /** Kills the wrapper when the runtime closes without this worker having been closed (an abandoned worker). */
    void killIfRunning() {
        log.reportDrops();
        WrapperProcess w = wrapper;
        if (w != null) {
            w.kill();
        }
    }

    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("worker", key());
        WrapperProcess w = wrapper;
        if (w != null) {
            m.putAll(w.status());
        } else {
            m.put("alive", false);
        }
        m.put("restarts", restarts);
        m.put("eventsSentAhead", sentAhead);
        return m;
    }

    /** The handler raised: the caller gets 500 with an error id, the log gets this message with the wrapper's traceback. */
    static final class HandlerFailure extends Exception {
        HandlerFailure(String message) {
            super(message, null, false, false);
        }

        @Override
        public String toString() {
            return "handler error: " + getMessage();
        }
    }
}
