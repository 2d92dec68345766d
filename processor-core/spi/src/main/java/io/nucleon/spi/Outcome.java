package io.nucleon.spi;

/** How an event ended; a trigger uses it to reply, commit, ack or retry. */
public enum Outcome {
    /** The handler returned (or its stage completed) normally. The response may still carry a 4xx/5xx status. */
    SUCCESS("success"),
    /** The handler threw, or its result could not be turned into a response. */
    HANDLER_ERROR("error"),
    /** The handler ran past the event timeout and was abandoned. */
    TIMEOUT("timeout"),
    /** No worker took the event in time, or the processor is stopping; the handler never saw it. */
    REJECTED("rejected");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** The lower-case name used in metrics and status, e.g. {@code timeout}. */
    public String label() {
        return label;
    }
}
