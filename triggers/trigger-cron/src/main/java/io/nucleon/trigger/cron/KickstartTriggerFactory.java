package io.nucleon.trigger.cron;

import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;

/** Registers the {@code kickstart} trigger kind: one event when the processor starts. */
public final class KickstartTriggerFactory implements TriggerFactory {
    /** The kind, as written in {@code spec.triggers.<name>.kind}. */
    public static final String KIND = "kickstart";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Trigger create(TriggerContext context) {
        KickstartTriggerConfig c = context.attributes(KickstartTriggerConfig.class);
        return new KickstartTrigger(context.name(), CronTriggerFactory.checked(context, c.event));
    }
}
