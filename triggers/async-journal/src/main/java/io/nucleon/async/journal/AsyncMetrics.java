package io.nucleon.async.journal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The meters of one trigger's async calls, made once so that counting costs no lookup. Names
 * (Prometheus form), every one tagged with {@code function}, {@code trigger} and {@code kind}:
 * <ul>
 *   <li>{@code nucleon_async_accepted_total}: calls journaled and answered 202;</li>
 *   <li>{@code nucleon_async_refused_total}: calls answered 503 (the journal could not take them);</li>
 *   <li>{@code nucleon_async_completed_total{outcome=succeeded|failed}}: calls finished (failed:
 *       dead-lettered after every attempt);</li>
 *   <li>{@code nucleon_async_retries_total}: failed attempts that will be retried;</li>
 *   <li>{@code nucleon_async_callbacks_total{result=delivered|failed}}: callbacks finished (failed:
 *       given up: after {@code callbackMaxAttempts}, or at once when refused by an address rule);</li>
 *   <li>{@code nucleon_async_callbacks_refused_total{rule=loopback|link-local|private|multicast|unspecified|reserved|processor|not-allowed,
 *       at=accept|connect}}: callback URLs refused by the address rules ({@link CallbackAddressRules}):
 *       at {@code accept} a literal address (the call got 400), at {@code connect} an address a name
 *       resolved to (the callback was given up);</li>
 *   <li>{@code nucleon_async_callback_timeouts_total}: callback attempts cut by {@code callbackTimeout};</li>
 *   <li>{@code nucleon_async_dead_letters_expired_total}: dead letters dropped from the list by
 *       retention ({@code deadLetterRetention}, {@code maxDeadLetters}), never replayed;</li>
 *   <li>{@code nucleon_async_in_flight}, {@code nucleon_async_callbacks_pending} (held in memory: being
 *       sent or waiting for a retry), {@code nucleon_async_callbacks_owed} (waiting in the journal for
 *       room), {@code nucleon_async_dead_letters} (listed now): gauges.</li>
 * </ul>
 * The counters also give the numbers of the intake's {@code /status} block.
 */
final class AsyncMetrics {
    final Counter accepted;
    final Counter refused;
    final Counter succeeded;
    final Counter failed;
    final Counter retries;
    final Counter callbacksDelivered;
    final Counter callbacksFailed;
    final Counter deadLettersExpired;
    final Counter callbackTimeouts;
    private final Map<CallbackFailure, Counter> refusedAtAccept = new EnumMap<>(CallbackFailure.class);
    private final Map<CallbackFailure, Counter> refusedAtConnect = new EnumMap<>(CallbackFailure.class);

    AsyncMetrics(
            MeterRegistry registry,
            String function,
            String trigger,
            String kind,
            IntSupplier inFlight,
            IntSupplier callbacksPending,
            LongSupplier callbacksOwed,
            IntSupplier deadLetters) {
        Tags tags = Tags.of("function", function, "trigger", trigger, "kind", kind);
        accepted = Counter.builder("nucleon.async.accepted")
                .description("Async calls journaled and answered 202")
                .tags(tags)
                .register(registry);
        refused = Counter.builder("nucleon.async.refused")
                .description("Async calls answered 503: the journal could not take them")
                .tags(tags)
                .register(registry);
        succeeded = completed(registry, tags, "succeeded");
        failed = completed(registry, tags, "failed");
        retries = Counter.builder("nucleon.async.retries")
                .description("Failed attempts of async calls that are retried")
                .tags(tags)
                .register(registry);
        callbacksDelivered = callbacks(registry, tags, "delivered");
        callbacksFailed = callbacks(registry, tags, "failed");
        deadLettersExpired = Counter.builder("nucleon.async.dead.letters.expired")
                .description("Dead letters dropped from the list by retention (deadLetterRetention, maxDeadLetters)")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.async.in.flight", inFlight::getAsInt)
                .description("Async calls handed to the workers and not finished")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.async.callbacks.pending", callbacksPending::getAsInt)
                .description("Callbacks of async calls not yet delivered nor given up")
                .tags(tags)
                .register(registry);
        callbackTimeouts = Counter.builder("nucleon.async.callback.timeouts")
                .description("Callback attempts cut by callbackTimeout (connect to the last byte of the response)")
                .tags(tags)
                .register(registry);
        for (CallbackFailure f : CallbackFailure.values()) {
            if (f.refusal()) {
                refusedAtAccept.put(f, refused(registry, tags, f, "accept"));
                refusedAtConnect.put(f, refused(registry, tags, f, "connect"));
            }
        }
        Gauge.builder("nucleon.async.callbacks.owed", callbacksOwed::getAsLong)
                .description("Callbacks waiting in the journal for room (callbackMaxPending, callbackMaxPerHost)")
                .tags(tags)
                .register(registry);
        Gauge.builder("nucleon.async.dead.letters", deadLetters::getAsInt)
                .description("Dead letters listed (replayable) now")
                .tags(tags)
                .register(registry);
    }

    private static Counter completed(MeterRegistry registry, Tags tags, String outcome) {
        return Counter.builder("nucleon.async.completed")
                .description("Async calls finished, by outcome (failed: dead-lettered)")
                .tags(tags)
                .tag("outcome", outcome)
                .register(registry);
    }

    private static Counter refused(MeterRegistry registry, Tags tags, CallbackFailure rule, String at) {
        return Counter.builder("nucleon.async.callbacks.refused")
                .description("Callback URLs refused by the address rules (callbackAllowedHosts), by rule and where")
                .tags(tags)
                .tag("rule", rule.rule())
                .tag("at", at)
                .register(registry);
    }

    /** Counts a refusal by {@code rule} when a call was accepted ({@code atAccept}) or when its callback connected. */
    void callbackRefused(CallbackFailure rule, boolean atAccept) {
        Counter c = (atAccept ? refusedAtAccept : refusedAtConnect).get(rule);
        if (c != null) {
            c.increment();
        }
    }

    /** Every refusal so far, for {@code /status}. */
    long callbacksRefused() {
        long n = 0;
        for (Counter c : refusedAtAccept.values()) {
            n += (long) c.count();
        }
        for (Counter c : refusedAtConnect.values()) {
            n += (long) c.count();
        }
        return n;
    }

    private static Counter callbacks(MeterRegistry registry, Tags tags, String result) {
        return Counter.builder("nucleon.async.callbacks")
                .description("Callbacks finished, by result (failed: given up)")
                .tags(tags)
                .tag("result", result)
                .register(registry);
    }

    /** A counter's count, for {@code /status}. */
    static long count(Counter c) {
        return (long) c.count();
    }
}
