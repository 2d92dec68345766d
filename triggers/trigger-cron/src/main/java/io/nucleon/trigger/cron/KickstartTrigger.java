package io.nucleon.trigger.cron;

import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kickstart} trigger: fires one event when the processor starts (a warm-up, a one-off
 * migration, a job that runs once per deployment), then stays ready and idle.
 */
final class KickstartTrigger implements Trigger {
    private static final Logger LOG = LoggerFactory.getLogger(KickstartTrigger.class);

    private final String name;
    private final EventTemplate template;
    private volatile boolean started;
    private volatile String outcome = "pending";

    KickstartTrigger(String name, EventTemplate template) {
        this.name = name;
        this.template = template;
    }

    @Override
    public void start(Dispatcher dispatcher) {
        started = true;
        TimerEvent event = new TimerEvent(
                KickstartTriggerFactory.KIND,
                name,
                template,
                template.body.getBytes(StandardCharsets.UTF_8),
                Instant.now(),
                1);
        dispatcher.dispatch(event, new Completion() {
            @Override
            public boolean wantsResponse() {
                return false; // the outcome is all that is kept
            }

            @Override
            public void complete(Event e, Outcome result, Response response, Throwable error) {
                outcome = result.label();
                if (result == Outcome.REJECTED) {
                    LOG.atWarn()
                            .addKeyValue("trigger", name)
                            .log("kickstart event not run: " + response.bodyAsString());
                }
            }
        });
    }

    @Override
    public boolean isReady() {
        return started;
    }

    @Override
    public void stopAccepting() {}

    @Override
    public void close() {
        started = false;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outcome", outcome);
        return m;
    }
}
