package io.nucleon.trigger.cron;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;

/** Registers the {@code cron} trigger kind. */
public final class CronTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "cron";

    @Override
    public String kind() {
        return KIND;
    }

    /** Nuclio's {@code cron} attributes: see {@link NuclioCronAttributes}. */
    @Override
    public NuclioAttributes nuclioAttributes() {
        return NuclioCronAttributes.TRANSLATION;
    }

    @Override
    public Trigger create(TriggerContext context) {
        CronTriggerConfig c = context.attributes(CronTriggerConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        boolean hasSchedule = c.schedule != null && !c.schedule.isBlank();
        if (hasSchedule == (c.interval != null)) {
            problems.add(
                    hasSchedule ? "interval" : "schedule",
                    "give exactly one of schedule (a cron expression such as \"*/5 * * * *\") and interval (such as 30s)");
        }
        ZoneId zone = ZoneOffset.UTC;
        try {
            zone = ZoneId.of(c.timezone);
        } catch (DateTimeException | NullPointerException e) {
            problems.add("timezone", "unknown time zone \"" + c.timezone + "\"; use an id such as UTC or Europe/Paris");
        }
        CronExpression schedule = null;
        if (hasSchedule) {
            try {
                schedule = CronExpression.parse(c.schedule);
                schedule.next(ZonedDateTime.now(zone), zone); // e.g. "0 0 30 2 *" never fires: say so now
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.add("schedule", e.getMessage());
            }
        } else if (c.interval != null && (c.interval.isNegative() || c.interval.toMillis() < 1)) {
            problems.add("interval", "must be at least 1ms, got " + c.interval);
        }
        if (!CronTrigger.FORBID.equals(c.concurrencyPolicy) && !CronTrigger.ALLOW.equals(c.concurrencyPolicy)) {
            problems.add("concurrencyPolicy", "must be forbid or allow, got \"" + c.concurrencyPolicy + "\"");
        }
        EventTemplate event = null;
        try {
            event = checked(context, c.event);
        } catch (FunctionConfigException e) {
            problems.addAll(e);
        }
        problems.throwIfAny();
        return new CronTrigger(
                context.name(),
                schedule,
                c.interval,
                zone,
                CronTrigger.FORBID.equals(c.concurrencyPolicy),
                event,
                context.counter("nucleon.cron.skipped", "Cron ticks skipped because the previous run was still going"));
    }

    /** Validates an {@code event} attribute and freezes its headers; shared with the kickstart kind. */
    static EventTemplate checked(TriggerContext context, EventTemplate event) {
        EventTemplate e = event != null ? event : new EventTemplate();
        if (e.body == null) {
            e.body = "";
        }
        if (e.path == null) {
            e.path = "";
        }
        if (e.contentType == null || e.contentType.isBlank()) {
            throw context.attributeError("event.contentType", "must not be empty");
        }
        e.headers =
                Collections.unmodifiableMap(new LinkedHashMap<>(e.headers != null ? e.headers : java.util.Map.of()));
        return e;
    }
}
