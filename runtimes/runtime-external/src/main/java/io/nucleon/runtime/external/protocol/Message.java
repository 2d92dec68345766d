package io.nucleon.runtime.external.protocol;

/** One decoded frame from a wrapper ({@link Protocol#decode}); the JSON payloads are left as text for the caller to parse. */
public sealed interface Message
        permits Message.Hello,
                Message.InitFailed,
                Message.Answer,
                Message.Failure,
                Message.Log,
                Message.Metric,
                Message.BindingCall,
                Message.BatchAnswer,
                Message.Doorbell,
                Message.Skipped {

    /** The one {@link Doorbell}: it carries nothing. */
    Doorbell DOORBELL = new Doorbell();

    /** {@code HELLO}: the JSON as text (parsed by the caller, which checks the version). */
    record Hello(String json) implements Message {}

    /** {@code INIT_FAILED}: loading the handler or its init hook failed; JSON with the message and traceback. */
    record InitFailed(String json) implements Message {}

    /** {@code RESPONSE}: meta JSON text and the body bytes. */
    record Answer(long seq, String metaJson, byte[] body) implements Message {}

    /** {@code ERROR}: the handler failed. */
    record Failure(long seq, String json) implements Message {}

    /** {@code LOG}: one call of the handler's logger. */
    record Log(String json) implements Message {}

    /** {@code METRIC}: an increment of one of the handler's counters. */
    record Metric(String json) implements Message {}

    /** {@code BINDING_CALL}: the handler calls a data binding; meta JSON text (binding, operation, args) and the body bytes. */
    record BindingCall(long callId, String metaJson, byte[] body) implements Message {}

    /** {@code RESPONSE_BATCH}: one answer per event of the batch, in its order (meta JSON and body each). */
    record BatchAnswer(long seq, java.util.List<Answer> items) implements Message {}

    /** {@code DOORBELL}: "look at the ring" (shared-memory transport only). */
    record Doorbell() implements Message {}

    /** An ignorable frame type this processor does not know. */
    record Skipped(int type) implements Message {}
}
