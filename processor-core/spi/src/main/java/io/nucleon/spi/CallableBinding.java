package io.nucleon.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A data binding that handlers of other runtimes (Python, Node.js …) can use: they name the binding,
 * an operation and its arguments, and get a result back ({@code docs/protocol.md}, binding calls). A
 * {@link io.nucleon.api.DataBinding} implements this besides its own Java API; the runtime finds it
 * with {@code ctx.binding(name, CallableBinding.class)}.
 *
 * <pre>
 *  handler (python) ── context.data_binding["out"].send(value, topic=…) ──▶ wrapper ── BINDING_CALL ──▶
 *  runtime ── call("send", {"topic": …}, value) ──▶ binding ── stage ──▶ runtime ── BINDING_RESULT ──▶ handler
 * </pre>
 *
 * <p>Operations by kind: {@code kafka} {@code send}; {@code rabbitmq}, {@code mqtt} and {@code nats}
 * {@code publish}; {@code http} {@code request} (each binding's README lists the arguments).
 * Implementations must be thread-safe: every worker may call at once.
 */
public interface CallableBinding {

    /** The operations this binding answers, for error messages. */
    Set<String> operations();

    /**
     * Runs {@code operation}.
     *
     * @param operation one of {@link #operations()}
     * @param args      the arguments, a JSON object (empty when none were given); {@link BindingArgs} reads them
     * @param body      the payload, raw bytes (empty when none was given), e.g. a Kafka record's value
     * @return a stage completing with the reply (a result {@link Json#mapper()} can write, and bytes),
     *         or failing: with a {@link BindingCallException} for what the caller got wrong, with any
     *         other exception when the outside system failed
     * @throws BindingCallException instead of a failed stage, for what can be told at once
     */
    CompletionStage<Reply> call(String operation, ObjectNode args, byte[] body);

    /**
     * What an operation returns: {@code result} becomes JSON ({@code null} for none), {@code body}
     * travels as raw bytes (e.g. an HTTP response's body).
     */
    record Reply(Object result, byte[] body) {
        private static final byte[] NONE = new byte[0];

        /** A reply without bytes. */
        public static Reply of(Object result) {
            return new Reply(result, NONE);
        }

        /** {@code body} may be {@code null} (no bytes). */
        public Reply {
            body = body == null ? NONE : body;
        }
    }
}
