package io.nucleon.test;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A tick a test sends to a function's {@code cron} (or {@code kickstart}) trigger: the test decides
 * when the timer fires, e.g. {@code CronTick.at(Instant.parse("2026-01-01T00:00:00Z"))}. The synthetic
 * timers never fire by themselves (not even kickstart at start).
 *
 * <p>The handler gets the event the trigger makes on a tick: trigger class {@code async}, the trigger's
 * kind, a generated id; the body, headers, path and content type of the trigger's {@code event}
 * attribute; the scheduled time as timestamp and as the field {@code scheduledTime} (ISO-8601); the
 * field {@code tick}, 1 for the trigger's first tick and counting up unless the test sets it.
 */
public final class CronTick {
    private final Instant scheduledAt;
    private long tick;

    private CronTick(Instant scheduledAt) {
        this.scheduledAt = scheduledAt;
    }

    /** A tick scheduled for now. */
    public static CronTick now() {
        return new CronTick(Instant.now());
    }

    /** A tick scheduled for {@code time}. */
    public static CronTick at(Instant time) {
        return new CronTick(Objects.requireNonNull(time, "time"));
    }

    /** The tick's number; by default the trigger's next (1, 2, 3 … for the ticks a test sends it). */
    public CronTick tick(long tick) {
        if (tick < 1) {
            throw new IllegalArgumentException("the first tick is 1, got " + tick);
        }
        this.tick = tick;
        return this;
    }

    /** The event the timer {@code trigger} would make on this tick. */
    SyntheticEvent toEvent(SyntheticTrigger trigger, TriggerTraits.Timer template) {
        long n = tick > 0 ? tick : trigger.nextTick();
        SyntheticEvent event = new SyntheticEvent(
                UUID.randomUUID().toString(),
                "async",
                trigger.kind(),
                trigger.name(),
                template.body().clone(),
                scheduledAt);
        event.contentType = template.contentType();
        event.headers = template.headers();
        event.fields = Map.of("scheduledTime", scheduledAt.toString(), "tick", n);
        event.path = template.path();
        return event;
    }

    @Override
    public String toString() {
        return "CronTick{" + scheduledAt + (tick > 0 ? ", tick " + tick : "") + "}";
    }
}
