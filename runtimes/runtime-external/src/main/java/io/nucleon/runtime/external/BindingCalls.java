package io.nucleon.runtime.external;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.Context;
import io.nucleon.api.DataBinding;
import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.MetaCodec;
import io.nucleon.runtime.external.protocol.Protocol;
import io.nucleon.runtime.external.protocol.ProtocolException;
import io.nucleon.runtime.external.supervision.UntrustedText;
import io.nucleon.runtime.external.transport.Transport;
import io.nucleon.spi.BindingCallException;
import io.nucleon.spi.BindingCallException.Reason;
import io.nucleon.spi.CallableBinding;
import io.nucleon.spi.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one worker's {@code BINDING_CALL} frames ({@code docs/protocol.md}, binding calls): finds the
 * {@link CallableBinding} by name through the worker's {@link Context}, runs the operation, waits for
 * its stage on the worker's thread and answers with a {@code BINDING_RESULT}. Calls come only while an
 * event is in flight (the worker reads the wrapper's frames only then), so the wait is bounded by the
 * event's deadline: the watchdog's {@link #abort} ends it, and {@code eventTimeout} bounds it as well.
 *
 * <pre>
 * BINDING_CALL {"binding": "out", "operation": "send", "args": {...}} + body
 *   ─▶ ctx.binding("out") as CallableBinding ─▶ call(operation, args, body) ─▶ wait for the stage
 *   ─▶ BINDING_RESULT {"ok": true, "result": ...} + body   or   {"ok": false, "error": code, "message": ...}
 * </pre>
 */
final class BindingCalls {
    private static final Logger LOG = LoggerFactory.getLogger(BindingCalls.class);
    private static final byte[] NO_BYTES = new byte[0];

    private final Context ctx;
    private final String kind;
    private final long maxWaitNanos;
    private final int maxFrame;
    /** The call being waited for, for {@link #abort}. */
    private volatile CompletableFuture<CallableBinding.Reply> waiting;

    BindingCalls(Context ctx, String kind, Duration eventTimeout, int maxFrame) {
        this.ctx = ctx;
        this.kind = kind;
        this.maxWaitNanos =
                eventTimeout.isZero() || eventTimeout.isNegative() ? Long.MAX_VALUE : eventTimeout.toNanos();
        this.maxFrame = maxFrame;
    }

    /**
     * Runs the call and sends its result.
     *
     * @throws ProtocolException when the call's meta is not a JSON object
     * @throws IOException       when the result cannot be sent, or the event was aborted while the call ran
     */
    void serve(Transport transport, Message.BindingCall call) throws IOException, ProtocolException {
        JsonNode meta = MetaCodec.object(call.metaJson(), "BINDING_CALL");
        ObjectNode result = Json.mapper().createObjectNode();
        byte[] body = NO_BYTES;
        String binding = meta.path("binding").asText("");
        String operation = meta.path("operation").asText("");
        try {
            CallableBinding.Reply reply = run(meta, binding, operation, call.body());
            result.put("ok", true);
            result.set("result", Json.mapper().valueToTree(reply.result()));
            body = reply.body();
        } catch (BindingCallException e) {
            failed(result, e.code(), e.getMessage(), binding, operation);
        } catch (IllegalArgumentException e) { // what valueToTree throws for a result it cannot write
            failed(
                    result,
                    Reason.FAILED.code(),
                    "the result cannot be written as JSON: " + e.getMessage(),
                    binding,
                    operation);
        }
        byte[] metaBytes = bytes(result);
        if (Protocol.eventFrameLength(metaBytes.length, body.length) > maxFrame) {
            ObjectNode tooLarge = Json.mapper().createObjectNode();
            failed(
                    tooLarge,
                    Reason.FAILED.code(),
                    "the result of '" + operation + "' of binding '" + binding + "' (" + body.length
                            + " bytes) is larger than the wrapper protocol's frame limit of " + maxFrame
                            + " bytes (runtimeAttributes.maxFrameSize)",
                    binding,
                    operation);
            metaBytes = bytes(tooLarge);
            body = NO_BYTES;
        }
        transport.sendBindingResult(call.callId(), metaBytes, metaBytes.length, body);
    }

    private CallableBinding.Reply run(JsonNode meta, String binding, String operation, byte[] body) throws IOException {
        if (binding.isEmpty() || operation.isEmpty()) {
            throw new BindingCallException(
                    Reason.BAD_ARGUMENTS, "a binding call names a binding and an operation (non-empty strings)");
        }
        JsonNode args = meta.path("args");
        if (!args.isMissingNode() && !args.isNull() && !args.isObject()) {
            throw new BindingCallException(
                    Reason.BAD_ARGUMENTS,
                    "the arguments of '" + operation + "' of binding '" + binding + "' must be an object");
        }
        ObjectNode argObject =
                args.isObject() ? (ObjectNode) args : Json.mapper().createObjectNode();
        CallableBinding target = callable(binding);
        if (!target.operations().contains(operation)) {
            DataBinding b = (DataBinding) target;
            throw BindingCallException.unknownOperation(binding, b.kind(), operation, target.operations());
        }
        CompletionStage<CallableBinding.Reply> stage;
        try {
            stage = target.call(operation, argObject, body);
        } catch (BindingCallException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BindingCallException(Reason.FAILED, describe(e));
        }
        return await(stage, binding, operation);
    }

    private CallableBinding callable(String name) {
        DataBinding b;
        try {
            b = ctx.binding(name, DataBinding.class);
        } catch (IllegalArgumentException e) {
            throw new BindingCallException(Reason.UNKNOWN_BINDING, e.getMessage());
        }
        if (!(b instanceof CallableBinding c)) {
            throw new BindingCallException(
                    Reason.UNKNOWN_BINDING,
                    "data binding '" + name + "' (kind " + b.kind() + ") cannot be called from " + kind
                            + " handlers (kafka, rabbitmq, http, mqtt and nats bindings can)");
        }
        return c;
    }

    private CallableBinding.Reply await(CompletionStage<CallableBinding.Reply> stage, String binding, String operation)
            throws IOException {
        CompletableFuture<CallableBinding.Reply> w = new CompletableFuture<>();
        stage.whenComplete((r, e) -> {
            if (e != null) {
                w.completeExceptionally(e);
            } else {
                w.complete(r == null ? CallableBinding.Reply.of(null) : r);
            }
        });
        waiting = w;
        try {
            return w.get(maxWaitNanos, TimeUnit.NANOSECONDS);
        } catch (CancellationException e) {
            throw new IOException("the event was aborted while binding '" + binding + "' ran '" + operation + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while binding '" + binding + "' ran '" + operation + "'");
        } catch (TimeoutException e) {
            throw new BindingCallException(
                    Reason.FAILED,
                    "'" + operation + "' of binding '" + binding + "' did not finish within the event timeout");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof BindingCallException bce) {
                throw bce;
            }
            throw new BindingCallException(Reason.FAILED, describe(cause));
        } finally {
            waiting = null;
        }
    }

    /** The watchdog aborts the event: a call being waited for ends now (the wrapper is being killed anyway). */
    void abort() {
        CompletableFuture<CallableBinding.Reply> w = waiting;
        if (w != null) {
            w.cancel(false);
        }
    }

    private void failed(ObjectNode result, String code, String message, String binding, String operation) {
        result.put("ok", false);
        result.put("error", code);
        result.put("message", message == null ? code : message);
        LOG.atDebug()
                .addKeyValue("function", ctx.functionName())
                .addKeyValue("trigger", ctx.triggerName())
                .addKeyValue("worker", ctx.workerId())
                .addKeyValue("binding", UntrustedText.oneLine(binding))
                .addKeyValue("operation", UntrustedText.oneLine(operation))
                .addKeyValue("error", code)
                .log("a binding call of the " + kind + " handler failed: "
                        + UntrustedText.oneLine(String.valueOf(message)));
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return Json.toBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of JSON nodes always serialises
        }
    }
}
