package io.nucleon.trigger.cron;

import io.micrometer.core.instrument.Counter;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cron} trigger: fires an event on a cron schedule or at a fixed interval, from one
 * timer thread of its own. With {@code concurrencyPolicy: forbid} a tick that finds the previous
 * run still going is skipped and counted; with {@code allow} runs overlap up to the trigger's
 * workers (a tick that finds no worker free within the availability timeout is rejected and logged).
 *
 * <p>Ticks missed while the process was suspended, or while the timer thread was held up, are not
 * made up: the next tick is the first scheduled time after now.
 */
final class CronTrigger implements Trigger {
    static final String FORBID = "forbid";
    static final String ALLOW = "allow";
    private static final Logger LOG = LoggerFactory.getLogger(CronTrigger.class);

    private final String name;
    private final CronExpression schedule;
    private final Duration interval;
    private final ZoneId zone;
    private final boolean forbidOverlap;
    private final EventTemplate template;
    private final byte[] body;
    private final Counter skippedCounter;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private ScheduledExecutorService timer;
    private Dispatcher dispatcher;
    private volatile boolean accepting;
    private volatile Instant nextTick;
    private volatile Instant lastTick;

    CronTrigger(
            String name,
            CronExpression schedule,
            Duration interval,
            ZoneId zone,
            boolean forbidOverlap,
            EventTemplate template,
            Counter skippedCounter) {
        this.name = name;
        this.schedule = schedule;
        this.interval = interval;
        this.zone = zone;
        this.forbidOverlap = forbidOverlap;
        this.template = template;
        this.body = template.body.getBytes(StandardCharsets.UTF_8);
        this.skippedCounter = skippedCounter;
    }

    @Override
    public void start(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "nucleon-cron-" + name);
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer = t;
        accepting = true;
        scheduleAfter(Instant.now());
        LOG.atInfo()
                .addKeyValue("trigger", name)
                .addKeyValue("schedule", describe())
                .addKeyValue("next", nextTick)
                .log("cron trigger started");
    }

    private String describe() {
        return schedule != null ? schedule + " (" + zone + ")" : "every " + interval.toMillis() + " ms";
    }

    /** Schedules the first tick strictly after {@code previous} that is not already past. */
    private void scheduleAfter(Instant previous) {
        Instant now = Instant.now();
        Instant next;
        if (schedule != null) {
            next = schedule.next(ZonedDateTime.ofInstant(previous.isAfter(now) ? previous : now, zone), zone)
                    .toInstant();
        } else {
            next = previous.plus(interval);
            if (next.isBefore(now)) {
                next = now.plus(interval); // late by more than a period: do not make up missed ticks
            }
        }
        nextTick = next;
        long delayNanos = Math.max(0, Duration.between(now, next).toNanos());
        Instant scheduled = next;
        try {
            timer.schedule(() -> tick(scheduled), delayNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the trigger is stopping: no more ticks
        }
    }

    private void tick(Instant scheduled) {
        if (!accepting) {
            return;
        }
        try {
            lastTick = scheduled;
            long n = ticks.incrementAndGet();
            if (forbidOverlap && running.get() > 0) {
                skipped.incrementAndGet();
                skippedCounter.increment();
                LOG.atInfo()
                        .addKeyValue("trigger", name)
                        .addKeyValue("scheduledTime", scheduled)
                        .log("tick skipped: the previous run is still going (concurrencyPolicy: forbid)");
            } else {
                running.incrementAndGet();
                dispatcher.dispatch(
                        new TimerEvent(CronTriggerFactory.KIND, name, template, body, scheduled, n), completion);
            }
        } catch (RuntimeException e) {
            LOG.error("cron trigger '{}' failed to fire its tick of {}", name, scheduled, e);
        } finally {
            if (accepting) {
                scheduleAfter(scheduled);
            }
        }
    }

    /** Takes the outcome only: a tick's handler result goes nowhere, so it is never turned into a response. */
    private final Completion completion = new Completion() {
        @Override
        public boolean wantsResponse() {
            return false;
        }

        @Override
        public void complete(Event event, Outcome outcome, Response response, Throwable error) {
            running.decrementAndGet();
            if (outcome == Outcome.REJECTED) {
                LOG.atWarn()
                        .addKeyValue("trigger", name)
                        .addKeyValue("eventId", event.id())
                        .log("tick not run: " + response.bodyAsString());
            }
            // handler errors and timeouts are logged by the worker pool with their error id
        }
    };

    @Override
    public boolean isReady() {
        return accepting;
    }

    @Override
    public void stopAccepting() {
        accepting = false;
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    @Override
    public void close() {
        accepting = false;
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(schedule != null ? "schedule" : "interval", schedule != null ? schedule.toString() : interval.toString());
        if (schedule != null) {
            m.put("timezone", zone.getId());
        }
        m.put("concurrencyPolicy", forbidOverlap ? FORBID : ALLOW);
        m.put("nextTick", accepting && nextTick != null ? nextTick.toString() : null);
        m.put("lastTick", lastTick != null ? lastTick.toString() : null);
        m.put("ticks", ticks.get());
        m.put("skipped", skipped.get());
        m.put("running", running.get());
        return m;
    }
}
