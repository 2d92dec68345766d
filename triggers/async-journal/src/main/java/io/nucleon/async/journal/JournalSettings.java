package io.nucleon.async.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;

/**
 * How a journal is opened and kept: immutable, made by a {@link Builder} ({@link AsyncJournal#builder}),
 * and shared by the journal's parts (its three logs and its retention), which read it and never
 * change it.
 *
 * @param directory           the journal directory (created 0700 when missing)
 * @param rollCycle           how often a new cycle file starts; fixed for a directory's life
 * @param retention           how long fully processed input cycles are kept after they end; null: forever
 * @param resultRetention     how long succeeded/failed statuses and their results are kept
 * @param deadLetterRetention how long a dead letter stays listed (and replayable)
 * @param maxDeadLetters      how many dead letters are listed at most
 * @param deadLettersExpired  told how many dead letters retention dropped, each time it drops some
 * @param syncOnAppend        whether each append is forced to disk (msync) before it returns
 * @param syncPosition        whether each store of the processed position is forced to disk
 * @param minFreeSpace        appends are refused when the disk has fewer bytes usable
 * @param blockSize           Chronicle's block (mapping) size; 0 for Chronicle's default
 * @param maintenanceInterval how often retention runs by itself; null or zero: never
 * @param clock               epoch milliseconds, for cycles, timestamps and expiry
 */
public record JournalSettings(
        Path directory,
        RollCycle rollCycle,
        Duration retention,
        Duration resultRetention,
        Duration deadLetterRetention,
        int maxDeadLetters,
        LongConsumer deadLettersExpired,
        boolean syncOnAppend,
        boolean syncPosition,
        long minFreeSpace,
        long blockSize,
        Duration maintenanceInterval,
        LongSupplier clock) {

    public JournalSettings {
        directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
        Objects.requireNonNull(rollCycle, "rollCycle");
        Objects.requireNonNull(resultRetention, "resultRetention");
        checkDeadLetterRetention(deadLetterRetention);
        checkMaxDeadLetters(maxDeadLetters);
        Objects.requireNonNull(deadLettersExpired, "deadLettersExpired");
        Objects.requireNonNull(clock, "clock");
    }

    private static Duration checkDeadLetterRetention(Duration d) {
        Objects.requireNonNull(d, "deadLetterRetention");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("deadLetterRetention must be longer than 0, got " + d);
        }
        return d;
    }

    private static int checkMaxDeadLetters(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxDeadLetters must be at least 1, got " + max);
        }
        return max;
    }

    /** Whether retention runs by itself, every {@link #maintenanceInterval}. */
    boolean maintained() {
        return maintenanceInterval != null && !maintenanceInterval.isZero();
    }

    /** The roll cycle named {@code name} (Chronicle's names, any case). */
    static RollCycle parseRollCycle(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        List<Enum<? extends RollCycle>> all = new ArrayList<>(List.of(RollCycles.values()));
        all.addAll(List.of(LegacyRollCycles.values()));
        List<String> allowed = new ArrayList<>();
        for (Enum<? extends RollCycle> r : all) {
            if (r.name().equals(n)) {
                return (RollCycle) r;
            }
            allowed.add(r.name());
        }
        throw new IllegalArgumentException("unknown rollCycle '" + name + "'; allowed: " + String.join(", ", allowed));
    }

    /** Collects the settings of a journal; {@link #open()} opens it. Not thread-safe. */
    public static final class Builder {
        private final Path directory;
        private RollCycle rollCycle = RollCycles.FAST_HOURLY;
        private Duration retention = Duration.ofDays(1);
        private Duration resultRetention = Duration.ofHours(1);
        private Duration deadLetterRetention = Duration.ofDays(7);
        private int maxDeadLetters = 10_000;
        private LongConsumer deadLettersExpired = n -> {};
        private boolean syncOnAppend;
        private boolean syncPosition;
        private long minFreeSpace = 64L << 20;
        private long blockSize;
        private Duration maintenanceInterval = Duration.ofMinutes(1);
        private LongSupplier clock = System::currentTimeMillis;

        Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /**
         * How often a new cycle file starts, by Chronicle's name: FIVE_MINUTELY, TEN_MINUTELY,
         * TWENTY_MINUTELY, HALF_HOURLY, FAST_HOURLY (default), TWO_HOURLY, FOUR_HOURLY, SIX_HOURLY,
         * FAST_DAILY, WEEKLY, or the legacy MINUTELY, HOURLY, DAILY. Fixed for a journal's life: a
         * directory written with one roll cycle must be reopened with the same.
         */
        public Builder rollCycle(String name) {
            return rollCycle(parseRollCycle(name));
        }

        public Builder rollCycle(RollCycle rollCycle) {
            this.rollCycle = Objects.requireNonNull(rollCycle, "rollCycle");
            return this;
        }

        /** Keep fully processed input cycles this long after they end (null: forever). Default 1 day. */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /** Keep succeeded/failed statuses and their results this long. Default 1 hour. */
        public Builder resultRetention(Duration resultRetention) {
            this.resultRetention = Objects.requireNonNull(resultRetention, "resultRetention");
            return this;
        }

        /**
         * Keep a dead letter listed (and replayable) this long after it was dead-lettered; older ones
         * are dropped by the sweep that runs at open and every {@code maintenanceInterval}. Default 7 days.
         */
        public Builder deadLetterRetention(Duration deadLetterRetention) {
            this.deadLetterRetention = checkDeadLetterRetention(deadLetterRetention);
            return this;
        }

        /**
         * List at most this many dead letters: a dead letter beyond it drops the oldest at once.
         * Bounds the heap the list takes (about 200 bytes each). Default 10 000.
         */
        public Builder maxDeadLetters(int max) {
            this.maxDeadLetters = checkMaxDeadLetters(max);
            return this;
        }

        /**
         * Told how many dead letters retention dropped each time it drops some (on the thread that
         * dropped them: a dead-lettering worker, the maintenance thread, or the opening one). Must
         * neither block nor throw (a counter). Default: nothing.
         */
        public Builder onDeadLettersExpired(LongConsumer listener) {
            this.deadLettersExpired = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Force each append to disk (msync) before {@link AsyncJournal#append} returns. Default false (page cache). */
        public Builder syncOnAppend(boolean sync) {
            this.syncOnAppend = sync;
            return this;
        }

        /** Force each store of the processed position to disk. Default false (page cache). */
        public Builder syncPosition(boolean sync) {
            this.syncPosition = sync;
            return this;
        }

        /** Refuse appends (503) when the disk has less than this many bytes usable. Default 64 MiB. */
        public Builder minFreeSpace(long bytes) {
            this.minFreeSpace = bytes;
            return this;
        }

        /** Chronicle's block (mapping) size; 0 for Chronicle's default. */
        public Builder blockSize(long bytes) {
            this.blockSize = bytes;
            return this;
        }

        /** How often {@link AsyncJournal#purge()} runs by itself; null or zero: never. Default 1 minute. */
        public Builder maintenanceInterval(Duration every) {
            this.maintenanceInterval = every;
            return this;
        }

        /** The clock, in epoch milliseconds, for cycles, timestamps and expiry (tests move it). */
        public Builder clock(LongSupplier millis) {
            this.clock = Objects.requireNonNull(millis, "clock");
            return this;
        }

        /** The settings collected so far. */
        public JournalSettings build() {
            return new JournalSettings(
                    directory,
                    rollCycle,
                    retention,
                    resultRetention,
                    deadLetterRetention,
                    maxDeadLetters,
                    deadLettersExpired,
                    syncOnAppend,
                    syncPosition,
                    minFreeSpace,
                    blockSize,
                    maintenanceInterval,
                    clock);
        }

        /** Opens (creating when missing) the journal with these settings. */
        public AsyncJournal open() {
            return AsyncJournal.open(build());
        }
    }
}
