package io.nucleon.trigger.cron;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;

/** Registers the {@code cron} trigger kind. */
public final class CronTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "cron";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Trigger create(TriggerContext context) {
        CronTriggerConfig c = context.attributes(CronTriggerConfig.class);
        List<FunctionConfigException.ConfigProblem> problems = new ArrayList<>();
        boolean hasSchedule = c.schedule != null && !c.schedule.isBlank();
        if (hasSchedule == (c.interval != null)) {
            problems.addAll(context.attributeError(hasSchedule ? "interval" : "schedule",
                    "give exactly one of schedule (a cron expression such as \"*/5 * * * *\") and interval (such as 30s)").problems());
        }
        ZoneId zone = ZoneOffset.UTC;
        try {
            zone = ZoneId.of(c.timezone);
        } catch (DateTimeException | NullPointerException e) {
            problems.addAll(context.attributeError("timezone", "unknown time zone \"" + c.timezone
                    + "\"; use an id such as UTC or Europe/Paris").problems());
        }
        CronExpression schedule = null;
        if (hasSchedule) {
            try {
                schedule = CronExpression.parse(c.schedule);
                schedule.next(ZonedDateTime.now(zone), zone); // e.g. "0 0 30 2 *" never fires: say so now
            } catch (IllegalArgumentException | IllegalStateException e) {
                problems.addAll(context.attributeError("schedule", e.getMessage()).problems());
            }
        } else if (c.interval != null && (c.interval.isNegative() || c.interval.toMillis() < 1)) {
            problems.addAll(context.attributeError("interval", "must be at least 1ms, got " + c.interval).problems());
        }
        if (!CronTrigger.FORBID.equals(c.concurrencyPolicy) && !CronTrigger.ALLOW.equals(c.concurrencyPolicy)) {
            problems.addAll(context.attributeError("concurrencyPolicy", "must be forbid or allow, got \"" + c.concurrencyPolicy
                    + "\"").problems());
        }
        EventTemplate event = null;
        try {
            event = checked(context, c.event);
        } catch (FunctionConfigException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            throw new FunctionConfigException(problems);
        }
        return new CronTrigger(context.name(), schedule, c.interval, zone, CronTrigger.FORBID.equals(c.concurrencyPolicy), event,
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
        e.headers = Collections.unmodifiableMap(new LinkedHashMap<>(e.headers != null ? e.headers : java.util.Map.of()));
        return e;
    }
}
