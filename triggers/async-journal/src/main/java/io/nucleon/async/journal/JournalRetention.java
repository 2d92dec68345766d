package io.nucleon.async.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a journal keeps and for how long, applied to its three logs:
 *
 * <pre>
 *  input/        a cycle file goes once every entry in it is done and it ended more than {@code retention} ago
 *  status/       a cycle file (and the status index files, and the statuses on the heap) after {@code resultRetention}
 *  dead-letter/  a dead letter leaves the list after {@code deadLetterRetention} (and beyond {@code maxDeadLetters},
 *                at once, see {@link DeadLetterLog}); a cycle file goes once it holds no listed dead letter
 * </pre>
 *
 * <p>Runs at open (the dead-letter part), on {@link #purge()}, and every {@code maintenanceInterval}
 * on a daemon thread of its own ({@code nucleon-journal-maintenance}) when that is set. Thread-safe.
 */
final class JournalRetention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalRetention.class);

    private final JournalSettings settings;
    private final InputLog input;
    private final StatusLog statuses;
    private final DeadLetterLog deadLetters;
    private ScheduledExecutorService maintenance;

    JournalRetention(JournalSettings settings, InputLog input, StatusLog statuses, DeadLetterLog deadLetters) {
        this.settings = settings;
        this.input = input;
        this.statuses = statuses;
        this.deadLetters = deadLetters;
    }

    /** The part that runs at open: dead letters past their retention leave the list (a failure is logged, not thrown). */
    void atOpen() {
        try {
            deadLetters.sweep(settings.clock().getAsLong()
                    - settings.deadLetterRetention().toMillis());
        } catch (RuntimeException e) {
            // the list is right in memory; the next sweep records what this one could not
            log.warn("dead-letter retention at open failed in {}: {}", settings.directory(), e.toString());
        }
    }

    /** Starts running {@link #purge} every {@code maintenanceInterval}, when that is set. */
    synchronized void start() {
        if (!settings.maintained() || maintenance != null) {
            return;
        }
        long every = settings.maintenanceInterval().toMillis();
        maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nucleon-journal-maintenance");
            t.setDaemon(true);
            return t;
        });
        maintenance.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.MILLISECONDS);
    }

    /** Applies every rule once; returns the files deleted. */
    List<Path> purge() {
        long now = settings.clock().getAsLong();
        List<Path> deleted = new ArrayList<>();
        if (settings.retention() != null) {
            input.deleteProcessedCycles(now - settings.retention().toMillis(), deleted);
        }
        statuses.deleteOlderThan(now - settings.resultRetention().toMillis(), deleted);
        deadLetters.sweep(now - settings.deadLetterRetention().toMillis());
        deadLetters.deleteUnlistedCycles(deleted);
        return deleted;
    }

    private void maintain() {
        try {
            List<Path> deleted = purge();
            if (!deleted.isEmpty()) {
                log.info("journal retention removed {} file(s) from {}", deleted.size(), settings.directory());
            }
        } catch (JournalUnavailableException closedNow) {
            // closing
        } catch (RuntimeException e) {
            log.warn("journal maintenance failed in {}: {}", settings.directory(), e.toString());
        }
    }

    /** Stops the maintenance thread (a purge under way finds the logs closed and stops). */
    @Override
    public synchronized void close() {
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
    }
}
