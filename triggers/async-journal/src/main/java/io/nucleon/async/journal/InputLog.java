package io.nucleon.async.journal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The input log: the accepted entries in order ({@code input/}), where the dispatcher stands in it
 * (its tailer, the entries handed out and not yet done) and the durable processed position
 * ({@code processed.pos}).
 *
 * <p>Three locks, so that the accept path never waits for a reader: appends ({@link #append}),
 * the dispatcher's reads ({@link #poll}), and reads by index ({@link #entryAt}). {@link #markDone}
 * takes none of them. Thread-safe.
 */
final class InputLog implements InputProgress, AutoCloseable {
    static final String DIRECTORY = "input";
    static final String POSITION_FILE = "processed.pos";

    private static final Logger log = LoggerFactory.getLogger(InputLog.class);
    /** How long a reading of the free disk space is trusted. */
    private static final long SPACE_CHECK_NANOS = 100_000_000L;

    /** An entry handed out by {@link #poll}; {@code derivedId} when its id is made from its index. */
    record Polled(long index, JournalEntry entry, boolean derivedId) {}

    private final JournalSettings settings;
    private final Path dir;
    private final EventIds ids;
    private final SingleChronicleQueue queue;
    private final ProcessedPosition position;
    private final InFlightWindow window = new InFlightWindow();
    /** The last index when opened: entries up to it may have finished before a restart. */
    private final long lastIndexAtOpen;

    private final FileStore fileStore;
    private volatile long spaceCheckedAt = Long.MIN_VALUE;
    private volatile long usableSpace = Long.MAX_VALUE;

    private final ReentrantLock appendLock = new ReentrantLock();
    private final ExcerptAppender appender;
    private final ReentrantLock tailLock = new ReentrantLock();
    private final ExcerptTailer tailer;
    private final ReentrantLock entryLock = new ReentrantLock();
    private final ExcerptTailer entryReader;
    private volatile boolean closed;

    /** Opens the input log of {@code s.directory()}; its tailer stands just after the processed position. */
    InputLog(JournalSettings s, EventIds ids) throws IOException {
        this.settings = s;
        this.dir = s.directory();
        this.ids = ids;
        this.fileStore = Files.getFileStore(dir);
        this.queue = ChronicleFiles.openQueue(s, DIRECTORY, s.syncOnAppend());
        try {
            this.position = ProcessedPosition.open(dir.resolve(POSITION_FILE), s.syncPosition());
        } catch (IOException | RuntimeException e) {
            queue.close();
            throw e;
        }
        this.lastIndexAtOpen = queue.lastIndex();
        this.appender = ChronicleFiles.lockedUse(queue.createAppender());
        this.tailer = ChronicleFiles.lockedUse(queue.createTailer());
        this.entryReader = ChronicleFiles.lockedUse(queue.createTailer());
        positionAfter(tailer, position.get());
    }

    /**
     * Appends one entry written by {@code writer}; returns its index. Refused when the disk has less
     * than {@code minFreeSpace} usable.
     *
     * @throws JournalUnavailableException when nothing could be written (closed, disk full, I/O error)
     */
    long append(Consumer<Bytes<?>> writer) {
        checkWritable();
        appendLock.lock();
        try {
            checkOpen();
            long index = ChronicleFiles.append(appender, writer);
            if (settings.syncOnAppend()) {
                appender.sync();
            }
            return index;
        } catch (Throwable t) {
            throw ChronicleFiles.writeFailure("could not append to the journal in " + dir, t);
        } finally {
            appendLock.unlock();
        }
    }

    private void checkWritable() {
        checkOpen();
        long now = System.nanoTime();
        if (spaceCheckedAt == Long.MIN_VALUE || now - spaceCheckedAt > SPACE_CHECK_NANOS) {
            try {
                usableSpace = fileStore.getUsableSpace();
            } catch (IOException e) {
                throw new JournalUnavailableException("cannot read the free space of " + dir + ": " + e, e);
            }
            spaceCheckedAt = now;
        }
        if (usableSpace < settings.minFreeSpace()) {
            throw new JournalUnavailableException("the journal's disk is full: " + dir + " has " + usableSpace
                    + " bytes usable, below the minimum of " + settings.minFreeSpace());
        }
    }

    /**
     * The next entry not yet handed out, now in the window of entries handed out; null when there is
     * none now. An entry that cannot be read is logged with its position and passed over (marked
     * done), so the log moves on.
     */
    Polled poll() {
        tailLock.lock();
        try {
            checkOpen();
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return null;
                    }
                    long index = dc.index();
                    window.add(index);
                    Bytes<?> b = dc.wire().bytes();
                    try {
                        boolean derived = EntryCodec.hasDerivedId(b);
                        return new Polled(index, EntryCodec.readEntry(b, ids, index), derived);
                    } catch (RuntimeException e) {
                        // never silently: logged with its position, then passed over so the journal moves on
                        log.error(
                                "unreadable journal entry at index {} in {} passed over: {}", index, dir, e.toString());
                        markDone(index);
                    }
                }
            }
        } finally {
            tailLock.unlock();
        }
    }

    /**
     * The entry at {@code index}, read again; empty when there is none there (its cycle was
     * deleted) or it cannot be read (logged). Does not move {@link #poll}'s position.
     */
    Optional<JournalEntry> entryAt(long index) {
        entryLock.lock();
        try {
            checkOpen();
            if (!entryReader.moveToIndex(index)) {
                return Optional.empty();
            }
            try (DocumentContext dc = entryReader.readingDocument()) {
                if (!dc.isPresent() || dc.index() != index) {
                    return Optional.empty();
                }
                return Optional.of(EntryCodec.readEntry(dc.wire().bytes(), ids, index));
            } catch (RuntimeException e) {
                log.error("unreadable journal entry at index {} in {}: {}", index, dir, e.toString());
                return Optional.empty();
            }
        } finally {
            entryLock.unlock();
        }
    }

    /**
     * Marks the entry at {@code index} finished, in any order from any thread; the processed position
     * moves only past a contiguous run of finished entries.
     *
     * @throws IllegalArgumentException if the index was not handed out by {@link #poll()}
     */
    void markDone(long index) {
        long advancedTo = window.markDone(index, position.get());
        if (advancedTo != InFlightWindow.NO_ADVANCE) {
            position.advanceTo(advancedTo);
        }
    }

    @Override
    public long processedIndex() {
        return position.get();
    }

    @Override
    public boolean handedOut(long index) {
        return window.contains(index);
    }

    /** Whether the entry at {@code index} was in the log when it was opened (it may have finished before a restart). */
    boolean fromBeforeOpen(long index) {
        return index <= lastIndexAtOpen;
    }

    /** How many entries are handed out and not yet done. */
    int inFlight() {
        return window.size();
    }

    /**
     * Tells {@code explicitId} the id of each entry after the processed position that has an
     * explicit id (the backlog left by an earlier run); entries with a derived id need no such
     * registration. Reads the head of each entry only.
     */
    void forEachExplicitIdInBacklog(Consumer<String> explicitId) {
        try (ExcerptTailer scan = queue.createTailer()) {
            positionAfter(scan, position.get());
            while (true) {
                try (DocumentContext dc = scan.readingDocument()) {
                    if (!dc.isPresent()) {
                        return;
                    }
                    String id = EntryCodec.readExplicitId(dc.wire().bytes());
                    if (id != null) {
                        explicitId.accept(id);
                    }
                } catch (RuntimeException e) {
                    log.warn("unreadable entry in the backlog of {}: {}", dir, e.toString());
                }
            }
        }
    }

    /** Deletes the cycle files before the one of the processed position that ended before {@code endedBefore}. */
    void deleteProcessedCycles(long endedBefore, List<Path> deleted) {
        long committed = position.get();
        if (committed != ProcessedPosition.NONE) {
            ChronicleFiles.deleteCycles(
                    queue, settings.rollCycle(), settings.rollCycle().toCycle(committed), endedBefore, deleted);
        }
    }

    /** Positions {@code t} so that its next read is the first entry after {@code committed}. */
    private static void positionAfter(ExcerptTailer t, long committed) {
        if (committed == ProcessedPosition.NONE) {
            t.toStart();
            return;
        }
        if (t.moveToIndex(committed)) {
            try (DocumentContext dc = t.readingDocument()) {
                if (dc.isPresent() && dc.index() == committed) {
                    return; // the committed entry is consumed
                }
                if (dc.isPresent()) {
                    dc.rollbackOnClose();
                }
            }
        }
        // its cycle is gone (retention), or the index is odd: start from the first entry after it
        t.toStart();
        while (true) {
            try (DocumentContext dc = t.readingDocument()) {
                if (!dc.isPresent()) {
                    return;
                }
                if (dc.index() > committed) {
                    dc.rollbackOnClose();
                    return;
                }
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new JournalUnavailableException("the journal in " + dir + " is closed");
        }
    }

    @Override
    public void close() {
        appendLock.lock();
        tailLock.lock();
        entryLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ChronicleFiles.closeQuietly(appender, tailer, entryReader, queue, position);
        } finally {
            entryLock.unlock();
            tailLock.unlock();
            appendLock.unlock();
        }
    }
}
