package io.nucleon.test;

import io.nucleon.api.Event;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Trigger;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A trigger of a {@link TestFunction}: it opens nothing, and hands the events a test sends to the
 * {@link Dispatcher} the engine started it with, the worker pool a real trigger of its kind and name
 * would dispatch to. Thread-safe.
 */
final class SyntheticTrigger implements Trigger {
    private final String function;
    private final String name;
    private final String kind;
    private final TriggerTraits traits;
    /** The real trigger made to check the attributes; never started, closed with this one. */
    private final Trigger checked;

    private final AtomicLong ticks = new AtomicLong();
    /** The next offset of each topic-partition, for records sent without one. */
    private final Map<String, AtomicLong> nextOffsets = new ConcurrentHashMap<>();

    private volatile Dispatcher dispatcher;
    private volatile boolean accepting;

    SyntheticTrigger(String function, String name, String kind, TriggerTraits traits, Trigger checked) {
        this.function = function;
        this.name = name;
        this.kind = kind;
        this.traits = traits;
        this.checked = checked;
    }

    String function() {
        return function;
    }

    String name() {
        return name;
    }

    String kind() {
        return kind;
    }

    TriggerTraits traits() {
        return traits;
    }

    /** The number of the next tick of this (cron or kickstart) trigger: 1 for the first. */
    long nextTick() {
        return ticks.incrementAndGet();
    }

    /** The offset of a record sent to {@code topic}-{@code partition}: {@code offset} when given (≥ 0), else the next. */
    long offset(String topic, int partition, long offset) {
        AtomicLong next = nextOffsets.computeIfAbsent(topic + "-" + partition, k -> new AtomicLong());
        if (offset >= 0) {
            next.accumulateAndGet(offset + 1, Math::max);
            return offset;
        }
        return next.getAndIncrement();
    }

    /** Dispatches {@code event} as this trigger would; the future completes with its outcome. */
    CompletableFuture<EventResult> dispatch(Event event) {
        Dispatcher d = dispatcher;
        if (d == null || !accepting) {
            throw new IllegalStateException("trigger '" + name + "' of function '" + function + "' takes no events: "
                    + (d == null
                            ? "the function is not started (call start(), or register the TestFunction as a JUnit extension)"
                            : "the function is stopping or stopped"));
        }
        CompletableFuture<EventResult> result = new CompletableFuture<>();
        d.dispatch(
                event, (e, outcome, response, error) -> result.complete(new EventResult(e, outcome, response, error)));
        return result;
    }

    @Override
    public void start(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        this.accepting = true;
    }

    @Override
    public boolean isReady() {
        return accepting;
    }

    @Override
    public void stopAccepting() {
        accepting = false;
    }

    @Override
    public void close() {
        accepting = false;
        checked.close();
    }

    @Override
    public Map<String, Object> status() {
        return Map.of("synthetic", true);
    }
}
