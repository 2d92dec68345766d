package io.nucleon.runtime.external.supervision;

import io.nucleon.spi.Durations;
import io.nucleon.spi.RuntimeFailure;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The pause before one worker starts its next wrapper: none after a first failure, then
 * {@code restartDelay} doubling up to {@code maxRestartDelay} while wrappers keep dying or failing to
 * start without answering an event. An event never waits longer than {@code startTimeout} for it:
 * it gets 503 instead. Used on the worker's thread only.
 */
public final class RestartBackoff {
    private final WrapperSettings settings;
    /** Wrappers in a row that died or failed to start without answering an event. */
    private int failures;

    private long lastFailureNanos;

    /** The backoff of one worker, with the delays and the start timeout of {@code settings}. */
    public RestartBackoff(WrapperSettings settings) {
        this.settings = settings;
    }

    /** A wrapper died, or failed to start. */
    public void failed() {
        failures++;
        lastFailureNanos = System.nanoTime();
    }

    /** A wrapper answered an event: the next failure starts the count afresh. */
    public void answered() {
        failures = 0;
    }

    /**
     * Waits out the pause before the next start.
     *
     * @throws RuntimeFailure 503 when the pause is longer than {@code startTimeout}, or the wait is interrupted
     */
    public void awaitNextStart() throws RuntimeFailure {
        if (failures <= 1) {
            return;
        }
        Duration delay = Durations.backoff(settings.restartDelay(), settings.maxRestartDelay(), failures - 1);
        long waitNanos = lastFailureNanos + delay.toNanos() - System.nanoTime();
        if (waitNanos > settings.startTimeout().toNanos()) {
            throw new RuntimeFailure(
                    503,
                    "the " + settings.kind() + " wrapper keeps failing (" + failures
                            + " times in a row); the next start is in " + TimeUnit.NANOSECONDS.toMillis(waitNanos)
                            + " ms");
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
}
