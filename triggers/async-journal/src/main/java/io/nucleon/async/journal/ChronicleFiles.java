package io.nucleon.async.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of a journal and how its logs use Chronicle Queue: private directories, one queue per
 * log, one document per record, and cycle files deleted by retention. Stateless.
 */
final class ChronicleFiles {
    private static final Logger log = LoggerFactory.getLogger(ChronicleFiles.class);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private ChronicleFiles() {}

    /**
     * Creates {@code d} (0700) when missing, makes it private (0700) when it exists and others may read,
     * write or enter it, and checks that a file can be created in it.
     *
     * @throws JournalNotPrivateException when others have access and the mode cannot be changed
     */
    static void prepareDirectory(Path d) {
        try {
            if (!Files.isDirectory(d)) {
                if (Files.exists(d, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(d)) {
                    throw new JournalUnavailableException(
                            "the journal directory " + d + " exists and is not a directory");
                }
                try {
                    Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PRIVATE));
                } catch (UnsupportedOperationException notPosix) {
                    Files.createDirectories(d);
                }
            }
            makePrivate(d);
            Path probe = Files.createTempFile(d, ".write-probe", ".tmp");
            Files.delete(probe);
        } catch (JournalUnavailableException e) {
            throw e;
        } catch (IOException | SecurityException e) {
            throw new JournalUnavailableException("the journal directory " + d + " is not writable: " + e, e);
        }
    }

    /** Sets {@code d}'s mode to 0700 when group or others have any access (the journal holds callers' requests). */
    private static void makePrivate(Path d) {
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(d);
        } catch (UnsupportedOperationException | IOException notPosix) {
            return; // no POSIX modes on this file system: nothing to check
        }
        if (PRIVATE.containsAll(mode)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(d, PRIVATE);
            log.warn(
                    "the journal directory {} had mode {}; made it private (rwx------)",
                    d,
                    PosixFilePermissions.toString(mode));
        } catch (IOException | SecurityException e) {
            throw new JournalNotPrivateException(
                    "the journal directory " + d + " has mode " + PosixFilePermissions.toString(mode)
                            + " (others may reach the journaled calls) and cannot be made private: " + e
                            + "; run chmod 700 on it as its owner, or choose another async.directory",
                    e);
        }
    }

    /** Opens (creating when missing) the queue of one log, {@code <directory>/<name>}; with {@code sync}, appends can be msync'ed. */
    static SingleChronicleQueue openQueue(JournalSettings s, String name, boolean sync) {
        Path dir = s.directory().resolve(name);
        prepareDirectory(dir);
        SingleChronicleQueueBuilder b =
                SingleChronicleQueueBuilder.binary(dir).rollCycle(s.rollCycle()).timeProvider(s.clock()::getAsLong);
        if (s.blockSize() > 0) {
            b.blockSize(s.blockSize());
        }
        if (sync) {
            // without a sync mode, ExcerptAppender.sync() is a no-op; SYNC makes it msync(MS_SYNC)
            b.syncMode(SyncMode.SYNC);
        }
        return b.build();
    }

    /** {@code t}, for use under its owner's lock only (Chronicle's single-thread check then says nothing useful). */
    static <T extends SingleThreadedChecked> T lockedUse(T t) {
        t.singleThreadedCheckDisabled(true);
        return t;
    }

    /**
     * Appends one document written by {@code writer} (nothing, when it throws) and returns its index.
     * The caller holds the lock that guards {@code appender}.
     */
    static long append(ExcerptAppender appender, Consumer<Bytes<?>> writer) {
        try (DocumentContext dc = appender.writingDocument()) {
            try {
                writer.accept(dc.wire().bytes());
            } catch (Throwable t) {
                dc.rollbackOnClose();
                throw t;
            }
        }
        return appender.lastIndexAppended();
    }

    /**
     * What a failure to write means to the caller: a {@link JournalException} as it is; anything else
     * (an I/O error, the InternalError a SIGBUS on a full disk turns into) a {@link JournalUnavailableException}
     * saying {@code what} could not be done.
     */
    static JournalException writeFailure(String what, Throwable t) {
        return t instanceof JournalException j ? j : new JournalUnavailableException(what + ": " + t, t);
    }

    /**
     * Deletes the cycle files of {@code q} below {@code belowCycle} that ended before {@code endedBefore}
     * (epoch millis), never the cycle being written, adding each to {@code deleted}.
     */
    static void deleteCycles(
            SingleChronicleQueue q, RollCycle rollCycle, int belowCycle, long endedBefore, List<Path> deleted) {
        q.refreshDirectoryListing();
        int first = q.firstCycle();
        int last = q.lastCycle();
        int upper = Math.min(belowCycle, q.cycle()) - 1; // never the cycle being written
        if (first == Integer.MAX_VALUE || first < 0 || last < first || upper < first) {
            return;
        }
        long length = rollCycle.lengthInMillis();
        DateTimeFormatter fmt =
                DateTimeFormatter.ofPattern(rollCycle.format(), Locale.ROOT).withZone(ZoneOffset.UTC);
        boolean any = false;
        // both bounds must be cycles that have a file: list them all, then filter
        for (long cycle : q.listCyclesBetween(first, last)) {
            long end = (cycle + 1) * length;
            if (cycle > upper || end > endedBefore) {
                continue;
            }
            Path f = q.file()
                    .toPath()
                    .resolve(fmt.format(Instant.ofEpochMilli(cycle * length)) + SingleChronicleQueue.SUFFIX);
            try {
                if (Files.deleteIfExists(f)) {
                    deleted.add(f);
                    any = true;
                } else {
                    log.warn("journal cycle {} of {} has no file {}", cycle, q.file(), f);
                }
            } catch (IOException e) {
                log.warn("could not delete journal file {}: {}", f, e.toString());
            }
        }
        if (any) {
            q.refreshDirectoryListing();
        }
    }

    /** Closes each of {@code all} that is not null, logging (at DEBUG) what fails. */
    static void closeQuietly(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("closing {}: {}", c, e.toString());
                }
            }
        }
    }
}
