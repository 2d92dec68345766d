package io.nucleon.spi;

/**
 * Why a {@link CallableBinding} call was refused or failed; the calling handler gets {@link #code()}
 * and the message (in Python and Node.js as a {@code BindingError}).
 */
public final class BindingCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as the wrapper protocol names it. */
    public enum Reason {
        /** No binding of that name, or one that cannot be called from other runtimes. */
        UNKNOWN_BINDING("unknownBinding"),
        /** The binding has no such operation. */
        UNKNOWN_OPERATION("unknownOperation"),
        /** An argument is missing, unknown or of the wrong type. */
        BAD_ARGUMENTS("badArguments"),
        /** The outside system failed (unreachable, timed out, refused …). */
        FAILED("failed");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The code on the wire. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    /** A refusal or failure, with a message that names what is wrong and what is allowed. */
    public BindingCallException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** The reason. */
    public Reason reason() {
        return reason;
    }

    /** The reason's code on the wire, e.g. {@code badArguments}. */
    public String code() {
        return reason.code();
    }

    /** An unknown operation of binding {@code binding}, listing those it has. */
    public static BindingCallException unknownOperation(
            String binding, String kind, String operation, java.util.Collection<String> operations) {
        return new BindingCallException(
                Reason.UNKNOWN_OPERATION,
                kind + " binding '" + binding + "' has no operation '" + operation + "'; it has "
                        + String.join(", ", new java.util.TreeSet<>(operations)));
    }
}
