package io.nucleon.trigger.cron;

import java.time.Duration;

/**
 * The {@code attributes} of a {@code cron} trigger, with their defaults. Exactly one of
 * {@link #schedule} and {@link #interval} must be given.
 */
public final class CronTriggerConfig {
    /** A cron expression: 5 fields, or 6 with seconds first, or a macro such as {@code @hourly}. */
    public String schedule;
    /** A fixed period instead of a schedule, e.g. {@code 30s}; the first tick is one period after start. */
    public Duration interval;
    /** The time zone the schedule is read in, e.g. {@code Europe/Paris}. */
    public String timezone = "UTC";
    /**
     * {@code forbid}: a tick is skipped (and counted in {@code nucleon_cron_skipped_total}) while the
     * previous run is still going; {@code allow}: runs may overlap, up to the trigger's workers.
     */
    public String concurrencyPolicy = CronTrigger.FORBID;
    /** What each event carries. */
    public EventTemplate event = new EventTemplate();
}
