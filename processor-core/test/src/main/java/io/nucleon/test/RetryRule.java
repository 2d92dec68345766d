package io.nucleon.test;

import io.nucleon.spi.Durations;
import io.nucleon.spi.Outcome;
import java.time.Duration;

/**
 * What a message trigger (kafka, rabbitmq) does with an event once it has ended, from its own
 * {@code maxRetries}, {@code retryDelay} and {@code maxRetryDelay}: the rule both triggers apply in
 * their completions (a failed attempt is retried while {@code attempt <= maxRetries}, after
 * {@link Durations#backoff}; a rejected event is handed out again and is not an attempt).
 */
record RetryRule(int maxRetries, Duration retryDelay, Duration maxRetryDelay) {

    MessageDecision decide(Outcome outcome, int attempt) {
        return switch (outcome) {
            case SUCCESS -> MessageDecision.ACKNOWLEDGE;
            case REJECTED -> MessageDecision.REDELIVER;
            case HANDLER_ERROR, TIMEOUT -> attempt <= maxRetries ? MessageDecision.RETRY : MessageDecision.DEAD_LETTER;
        };
    }

    /** The delay before the retry that follows attempt {@code attempt}. */
    Duration delayAfter(int attempt) {
        return Durations.backoff(retryDelay, maxRetryDelay, attempt);
    }
}
