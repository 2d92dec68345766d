package io.nucleon.examples.telemetry;

/**
 * A message that is not a valid reading, and never will be: it is published to
 * {@code telemetry.rejected} with this reason instead of being retried.
 */
public final class InvalidReadingException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field  what is wrong: a field of the reading ({@code temperature}), or {@code topic} or
     *               {@code payload} for the message itself
     * @param reason why, saying what is allowed
     */
    InvalidReadingException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
    }

    /** The field at fault, or {@code topic} or {@code payload}. */
    public String field() {
        return field;
    }
}
