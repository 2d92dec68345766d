package io.nucleon.trigger.cron;

/** The {@code attributes} of a {@code kickstart} trigger: only the event it fires once at start. */
public final class KickstartTriggerConfig {
    /** What the event carries. */
    public EventTemplate event = new EventTemplate();
}
