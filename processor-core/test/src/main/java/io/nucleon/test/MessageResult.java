package io.nucleon.test;

import java.time.Duration;

/** How a Kafka record or a RabbitMQ message ended, and what its trigger does with it. */
public final class MessageResult extends EventResult {
    private final MessageDecision decision;
    private final int attempt;
    private final Duration retryDelay;

    MessageResult(EventResult result, RetryRule rule, int attempt) {
        super(result);
        this.decision = rule.decide(result.outcome(), attempt);
        this.attempt = attempt;
        this.retryDelay = decision == MessageDecision.RETRY ? rule.delayAfter(attempt) : null;
    }

    /** What the trigger does with the message: acknowledge, retry, dead-letter, or hand it out again. */
    public MessageDecision decision() {
        return decision;
    }

    /** The attempt this was: 1 for the first delivery to the handler, 2 for the first retry, …. */
    public int attempt() {
        return attempt;
    }

    /** How long the trigger waits before the retry, when {@link #decision()} is {@link MessageDecision#RETRY}; otherwise {@code null}. */
    public Duration retryDelay() {
        return retryDelay;
    }

    @Override
    public String toString() {
        return "MessageResult{" + decision + " after attempt " + attempt + ", " + super.toString() + "}";
    }
}
