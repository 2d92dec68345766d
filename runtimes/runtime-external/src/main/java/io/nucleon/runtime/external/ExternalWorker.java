package io.nucleon.runtime.external;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.runtime.external.Protocol.Message;
import io.nucleon.runtime.external.Protocol.ProtocolException;
import io.nucleon.spi.Durations;
import io.nucleon.spi.RuntimeFailure;
import io.nucleon.spi.WorkerRuntime;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One worker's wrapper: sends it events one at a time and reads its answers, restarting it in place
 * when it dies. Runs on the worker's thread; {@link #abort} comes from the timeout watchdog.
 */
final class ExternalWorker implements WorkerRuntime {
    private final ExternalRuntime rt;
    private final Context ctx;
    private final MetaCodec codec = new MetaCodec();
    private final WrapperLog log;
    private volatile WrapperProcess wrapper;
    private volatile boolean aborted;
    /** Wrappers in a row that died or failed to start without answering an event. */
    private int failures;
    private long lastFailureNanos;
    volatile int restarts;

    ExternalWorker(ExternalRuntime rt, Context ctx) throws WrapperProcess.StartFailure {
        this.rt = rt;
        this.ctx = ctx;
        this.log = new WrapperLog(rt, ctx);
        this.wrapper = WrapperProcess.launch(rt, ctx, rt.nextWrapperId(), log);
        rt.logStarted(ctx, wrapper, false);
    }

    /** The running wrapper's pid, or -1. */
    long pid() {
        WrapperProcess w = wrapper;
        return w == null ? -1 : w.pid;
    }

    boolean running() {
        WrapperProcess w = wrapper;
        return w != null && w.alive();
    }

    String key() {
        return ctx.triggerName() + "/" + ctx.workerId();
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
        long frameLength = 1L + Protocol.SEQ_META_BYTES + metaLength + body.length;
        if (frameLength > rt.maxFrame()) {
            throw new RuntimeFailure(413, "the event (" + body.length + " body bytes) is larger than the wrapper protocol's "
                    + "frame limit of " + rt.maxFrame() + " bytes (runtimeAttributes.maxFrameSize)");
        }
        long seq = ++w.seq;
        long start = System.nanoTime();
        try {
            w.wire.sendEvent(seq, codec.buffer(), metaLength, body);
            while (true) {
                Message m = w.wire.receive();
                if (m instanceof Protocol.Answer a) {
                    expect(seq, a.seq());
                    rt.recordInvocation(System.nanoTime() - start);
                    w.events++;
                    failures = 0;
                    return MetaCodec.response(a.metaJson(), a.body());
                } else if (m instanceof Protocol.Failure f) {
                    expect(seq, f.seq());
                    rt.recordInvocation(System.nanoTime() - start);
                    w.events++;
                    failures = 0;
                    throw handlerFailure(f.json());
                } else if (m instanceof Protocol.Log frame) {
                    log.frame(frame.json());
                } else if (m instanceof Protocol.Metric metric) {
                    rt.metricFromWrapper(metric.json());
                } else if (m instanceof Protocol.Hello || m instanceof Protocol.InitFailed) {
                    throw new ProtocolException(m.getClass().getSimpleName() + " after the handshake");
                }
            }
        } catch (IOException | ProtocolException e) {
            throw died(w, e);
        }
    }

    private static void expect(long seq, long got) throws ProtocolException {
        if (got != seq) {
            throw new ProtocolException("answer for event " + got + " while event " + seq + " is in flight");
        }
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
        String ending = protocol ? "broke the protocol (" + UntrustedText.oneLine(cause.getMessage()) + ")" : w.ending();
        w.release();
        if (aborted) {
            // the watchdog already answered 504 and counted the restart; the core drops this result
            return new RuntimeFailure(504, "the event timed out");
        }
        wrapper = null;
        failures++;
        lastFailureNanos = System.nanoTime();
        restarts++;
        rt.countRestart(protocol ? "protocol" : "crash");
        String tail = protocol ? "" : w.stderrTail();
        rt.log().atWarn().addKeyValue("function", ctx.functionName()).addKeyValue("trigger", ctx.triggerName())
                .addKeyValue("worker", ctx.workerId()).addKeyValue("pid", w.pid)
                .log("the " + rt.language().kind + " wrapper " + ending + " while handling an event; the event gets 502 and"
                        + " the wrapper is restarted" + (tail.isEmpty() ? "" : "; its stderr ended with:\n" + tail));
        return new RuntimeFailure(502, "the " + rt.language().kind + " wrapper " + (protocol ? "broke the protocol" : ending)
                + " while handling the event; it is being restarted");
    }

    /** Starts a new wrapper in place of {@code dead} (which may be {@code null}), after the backoff for repeated failures. */
    private WrapperProcess restart(WrapperProcess dead) throws RuntimeFailure {
        if (dead != null) {
            // it died between events: nobody was waiting on it
            dead.kill();
            String ending = dead.ending();
            dead.release();
            failures++;
            lastFailureNanos = System.nanoTime();
            restarts++;
            rt.countRestart("crash");
            rt.log().atWarn().addKeyValue("function", ctx.functionName()).addKeyValue("trigger", ctx.triggerName())
                    .addKeyValue("worker", ctx.workerId()).addKeyValue("pid", dead.pid)
                    .log("the " + rt.language().kind + " wrapper " + ending + " between events; restarting it");
            wrapper = null;
        }
        if (failures > 1) {
            Duration delay = Durations.backoff(rt.config().restartDelay, rt.config().maxRestartDelay, failures - 1);
            long waitNanos = lastFailureNanos + delay.toNanos() - System.nanoTime();
            if (waitNanos > rt.config().startTimeout.toNanos()) {
                throw new RuntimeFailure(503, "the " + rt.language().kind + " wrapper keeps failing (" + failures
                        + " times in a row); the next start is in " + TimeUnit.NANOSECONDS.toMillis(waitNanos) + " ms");
            }
            if (waitNanos > 0) {
                try {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RuntimeFailure(503, "interrupted while waiting to restart the wrapper");
                }
            }
        }
        try {
            WrapperProcess w = WrapperProcess.launch(rt, ctx, rt.nextWrapperId(), log);
            wrapper = w;
            rt.logStarted(ctx, w, true);
            return w;
        } catch (WrapperProcess.StartFailure e) {
            failures++;
            lastFailureNanos = System.nanoTime();
            String errorId = io.nucleon.spi.ErrorResponses.newErrorId();
            rt.log().atError().addKeyValue("errorId", errorId).log(e.getMessage());
            throw new RuntimeFailure(503, "the " + rt.language().kind + " wrapper could not be restarted (error id "
                    + errorId + " in the processor log)");
        }
    }

    @Override
    public void abort(Thread workerThread) {
        aborted = true;
        WrapperProcess w = wrapper;
        if (w != null) {
            restarts++;
            rt.countRestart("timeout");
            w.kill(); // the worker's blocked read fails; that thread releases the rest
        }
    }

    @Override
    public void close(Context context) {
        rt.closed(this);
        log.reportDrops();
        WrapperProcess w = wrapper;
        wrapper = null;
        if (w != null) {
            w.stop(rt.config().stopTimeout);
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
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("worker", key());
        WrapperProcess w = wrapper;
        if (w != null) {
            m.putAll(w.status());
        } else {
            m.put("alive", false);
        }
        m.put("restarts", restarts);
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
