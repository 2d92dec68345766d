package io.nucleon.async.journal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import io.nucleon.trigger.http.async.AsyncRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The durable journal behind asynchronous invocations, on Chronicle Queue.
 *
 * <p>Layout of the directory (created 0700 when missing):
 * <ul>
 *   <li>{@code input/}: the accepted entries, in order ({@link #append}, handed out by {@link #poll});</li>
 *   <li>{@code processed.pos}: the durable processed position (see {@link #markDone});</li>
 *   <li>{@code status/}: status records: terminal (succeeded/failed, with the result), attempts that
 *       failed and will be retried, callbacks finished;</li>
 *   <li>{@code status-index/}: where the final status of each accepted call is in {@code status/}
 *       ({@link StatusIndex}: on disk, so the heap holds nothing per finished call);</li>
 *   <li>{@code id.key}: the key that tags the ids of accepted calls ({@link EventIds});</li>
 *   <li>{@code dead-letter/}: entries that failed every attempt, replay tombstones and retention
 *       marks (see {@link #deadLetterPage}).</li>
 * </ul>
 *
 * <p>Guarantees: an entry is in the journal when {@link #append} returns (in the page cache, so it
 * survives the process being killed; forced to disk too with {@code syncOnAppend}). After a restart,
 * {@link #poll} resumes after the last position committed by {@link #markDone}; every entry not
 * committed is handed out again (at-least-once). A failure to write is an exception, never a silent
 * drop: {@link JournalUnavailableException} (answer 503) for an unwritable directory, a full disk or a
 * closed journal.
 *
 * <p>Thread-safety: every method may be called from any thread. {@code append} calls are serialised
 * (Chronicle writes one excerpt at a time anyway); {@code poll} is meant for one dispatcher thread
 * but is safe from several; {@code markDone} is meant to be called by concurrent workers, in any order.
 */
public final class AsyncJournal implements AutoCloseable {

    static {
        ChronicleSetup.prepare();
    }

    private static final Logger log = LoggerFactory.getLogger(AsyncJournal.class);

    static final String INPUT = "input";
    static final String STATUS = "status";
    static final String DEAD_LETTER = "dead-letter";
    static final String POSITION_FILE = "processed.pos";

    private final Options options;
    private final Path dir;
    private final LongSupplier clock;
    private final SingleChronicleQueue input;
    private final SingleChronicleQueue status;
    private final SingleChronicleQueue deadLetters;
    private final ProcessedPosition position;
    private final EventIds ids;
    private final StatusIndex statusIndex;
    /** The last input index when opened: entries up to it may have finished before a restart. */
    private final long lastIndexAtOpen;
    private final InFlightWindow window = new InFlightWindow();

    private final ReentrantLock appendLock = new ReentrantLock();
    private final ExcerptAppender appender;
    private final ReentrantLock tailLock = new ReentrantLock();
    private final ExcerptTailer tailer;
    /** Reads input entries back by index ({@link #entryAt}: callbacks owed); under {@link #entryLock}. */
    private final ReentrantLock entryLock = new ReentrantLock();
    private final ExcerptTailer entryReader;
    private final ReentrantLock statusLock = new ReentrantLock();
    private final ExcerptAppender statusAppender;
    private final ExcerptTailer statusReader;
    private final ReentrantLock deadLock = new ReentrantLock();
    private final ExcerptAppender deadAppender;
    /** Reads dead letters back by position (listing, replay); under {@link #deadLock}. */
    private final ExcerptTailer deadReader;
    /** The listed dead letters; under {@link #deadLock}. */
    private final DeadLetterList deadList = new DeadLetterList();
    /** {@code deadList}'s size, for readers that must not wait for the lock. */
    private volatile int deadLetterCount;
    /** Dead letters dropped because of maxDeadLetters since the last sweep logged them; under {@link #deadLock}. */
    private long droppedByCountSinceSweep;
    /**
     * The last position dropped by maxDeadLetters while the list was rebuilt at open, not yet
     * recorded by an {@code expired} record (the first sweep writes it); -1 when none. Under {@link #deadLock}.
     */
    private long unrecordedDropThrough = -1;
    private final AtomicLong deadLettersExpired = new AtomicLong();

    private final ConcurrentHashMap<String, Slot> statuses = new ConcurrentHashMap<>();
    private final FileStore fileStore;
    private volatile long spaceCheckedAt = Long.MIN_VALUE;
    private volatile long usableSpace = Long.MAX_VALUE;
    private final ScheduledExecutorService maintenance;
    private volatile boolean closed;

    /** Status of one id, as kept in memory; the result itself stays in the status journal. */
    private static final class Slot {
        final InvocationState state;
        final long updatedAt;
        final int attempts;
        final long statusIndex; // -1 for PENDING/RUNNING
        /** The last error of a PENDING/RUNNING id whose earlier attempt failed; null otherwise. */
        final String error;
        /** Where the callback of a terminal id stands; NONE while not terminal. */
        final CallbackState callback;
        /** Why that callback failed (FAILED only), else NONE. */
        final CallbackFailure callbackFailure;

        Slot(InvocationState state, long updatedAt, int attempts, long statusIndex) {
            this(state, updatedAt, attempts, statusIndex, null, CallbackState.NONE);
        }

        Slot(InvocationState state, long updatedAt, int attempts, long statusIndex, String error, CallbackState callback) {
            this(state, updatedAt, attempts, statusIndex, error, callback, CallbackFailure.NONE);
        }

        Slot(InvocationState state, long updatedAt, int attempts, long statusIndex, String error, CallbackState callback,
             CallbackFailure callbackFailure) {
            this.state = state;
            this.updatedAt = updatedAt;
            this.attempts = attempts;
            this.statusIndex = statusIndex;
            this.error = error;
            this.callback = callback;
            this.callbackFailure = callbackFailure;
        }

        /** RUNNING from now, keeping the attempts and error of failed attempts recorded before (a restart). */
        static Slot running(Slot prev, long now, int attempts) {
            return prev != null && prev.attempts > attempts
                    ? new Slot(InvocationState.RUNNING, now, prev.attempts, -1, prev.error, CallbackState.NONE)
                    : new Slot(InvocationState.RUNNING, now, attempts, -1);
        }

        /** This terminal slot with its callback now {@code c}; a slot that is not terminal is kept as it is. */
        Slot withCallback(CallbackState c, CallbackFailure why) {
            return state.terminal() ? new Slot(state, updatedAt, attempts, statusIndex, null, c, why) : this;
        }
    }

    /** Opens (creating when missing) a journal in {@code dir} with the default options. */
    public static AsyncJournal open(Path dir) {
        return builder(dir).open();
    }

    public static Options builder(Path dir) {
        return new Options(dir);
    }

    private AsyncJournal(Options o) {
        this.options = o;
        this.dir = o.dir.toAbsolutePath();
        this.clock = o.clock;
        prepareDirectory(dir);
        List<String> missing = ChronicleSetup.missingJvmFlags();
        if (!missing.isEmpty()) {
            log.warn("Chronicle Queue needs JVM flags that this JVM lacks: {}", String.join(" ", missing));
        }
        SingleChronicleQueue in = null;
        SingleChronicleQueue st = null;
        SingleChronicleQueue dl = null;
        ProcessedPosition pos = null;
        EventIds keys;
        StatusIndex sidx = null;
        try {
            keys = EventIds.open(dir);
            sidx = new StatusIndex(dir.resolve(StatusIndex.DIRECTORY), o.rollCycle);
            in = queue(INPUT, o.syncOnAppend);
            st = queue(STATUS, false);
            dl = queue(DEAD_LETTER, false);
            pos = ProcessedPosition.open(dir.resolve(POSITION_FILE), o.syncPosition);
            this.fileStore = Files.getFileStore(dir);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(in, st, dl, pos, sidx);
            String hint = missing.isEmpty() ? "" : " (the JVM lacks flags Chronicle needs: " + String.join(" ", missing) + ")";
            throw new JournalUnavailableException("could not open the journal in " + dir + ": " + e + hint, e);
        }
        this.input = in;
        this.status = st;
        this.deadLetters = dl;
        this.position = pos;
        this.ids = keys;
        this.statusIndex = sidx;
        this.lastIndexAtOpen = input.lastIndex();
        this.appender = singleLockedUse(input.createAppender());
        this.statusAppender = singleLockedUse(status.createAppender());
        this.deadAppender = singleLockedUse(deadLetters.createAppender());
        this.statusReader = singleLockedUse(status.createTailer());
        this.tailer = singleLockedUse(input.createTailer());
        this.entryReader = singleLockedUse(input.createTailer());
        this.deadReader = singleLockedUse(deadLetters.createTailer());
        rebuildStatuses();
        positionTailer();
        rebuildDeadLetters();
        try {
            sweepDeadLetters();
        } catch (RuntimeException e) {
            // the list is right in memory; the next sweep records what this one could not
            log.warn("dead-letter retention at open failed in {}: {}", dir, e.toString());
        }
        if (o.maintenanceInterval != null && !o.maintenanceInterval.isZero()) {
            long every = o.maintenanceInterval.toMillis();
            this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "nucleon-journal-maintenance");
                t.setDaemon(true);
                return t;
            });
            maintenance.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.MILLISECONDS);
        } else {
            this.maintenance = null;
        }
    }

    private static <T extends net.openhft.chronicle.core.io.SingleThreadedChecked> T singleLockedUse(T t) {
        t.singleThreadedCheckDisabled(true); // every use is under one of this class's locks
        return t;
    }

    private SingleChronicleQueue queue(String name, boolean sync) throws IOException {
        Path qdir = dir.resolve(name);
        prepareDirectory(qdir);
        LongSupplier c = clock;
        SingleChronicleQueueBuilder b = SingleChronicleQueueBuilder.binary(qdir)
                .rollCycle(options.rollCycle)
                .timeProvider(c::getAsLong);
        if (options.blockSize > 0) {
            b.blockSize(options.blockSize);
        }
        if (sync) {
            // without a sync mode, ExcerptAppender.sync() is a no-op; SYNC makes it msync(MS_SYNC)
            b.syncMode(SyncMode.SYNC);
        }
        return b.build();
    }

    // ---------------------------------------------------------------------------------- append

    /**
     * Appends an entry to the input journal. When this returns, the entry is in the journal (and on
     * disk with {@code syncOnAppend}); its status is PENDING.
     *
     * @throws JournalUnavailableException when nothing could be written (closed, disk full, I/O error)
     */
    public AcceptResult append(JournalEntry entry) {
        Objects.requireNonNull(entry, "entry");
        long index = append(entry.id(), entry.attempts(), b -> EntryCodec.writeEntry(b, entry));
        return new AcceptResult(entry.id(), index, options.syncOnAppend);
    }

    /**
     * Appends a request as a new entry with no attempts yet, its id derived from its index
     * ({@link EventIds}): the accept path, which writes the trigger's request straight into the
     * journal (no {@link JournalEntry} built, nothing recorded in memory).
     *
     * @throws JournalUnavailableException when nothing could be written (closed, disk full, I/O error)
     */
    public AcceptResult append(AsyncRequest request) {
        Objects.requireNonNull(request, "request");
        long index = append(null, 0, b -> EntryCodec.writeRequest(b, request));
        return new AcceptResult(ids.idOf(index), index, options.syncOnAppend);
    }

    /**
     * Appends one entry; returns its index. An entry with an explicit id is registered PENDING in
     * memory; one whose id is derived from its index ({@code id == null}) needs no registration:
     * {@link #status} reads its state off the journal positions.
     */
    private long append(String id, int attempts, Consumer<Bytes<?>> writer) {
        checkWritable();
        long index;
        appendLock.lock();
        try {
            checkOpen();
            try (DocumentContext dc = appender.writingDocument()) {
                try {
                    writer.accept(dc.wire().bytes());
                } catch (Throwable t) {
                    dc.rollbackOnClose();
                    throw t;
                }
            }
            index = appender.lastIndexAppended();
            if (options.syncOnAppend) {
                appender.sync();
            }
        } catch (JournalException e) {
            throw e;
        } catch (Throwable t) { // includes the InternalError a SIGBUS on a full disk turns into
            throw new JournalUnavailableException("could not append to the journal in " + dir + ": " + t, t);
        } finally {
            appendLock.unlock();
        }
        if (id != null) {
            statuses.put(id, new Slot(InvocationState.PENDING, clock.getAsLong(), attempts, -1));
        }
        return index;
    }

    private void checkWritable() {
        checkOpen();
        long now = System.nanoTime();
        if (now - spaceCheckedAt > 100_000_000L || spaceCheckedAt == Long.MIN_VALUE) {
            try {
                usableSpace = fileStore.getUsableSpace();
            } catch (IOException e) {
                throw new JournalUnavailableException("cannot read the free space of " + dir + ": " + e, e);
            }
            spaceCheckedAt = now;
        }
        if (usableSpace < options.minFreeSpace) {
            throw new JournalUnavailableException("the journal's disk is full: " + dir + " has " + usableSpace
                    + " bytes usable, below the minimum of " + options.minFreeSpace);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new JournalUnavailableException("the journal in " + dir + " is closed");
        }
    }

    // ---------------------------------------------------------------------------------- tail

    /**
     * The next entry not yet handed out, or null when there is none now. The entry is RUNNING until
     * {@link #succeeded}/{@link #deadLetter}; call {@link #markDone} with its index when finished with
     * it. An entry whose status is already SUCCEEDED/FAILED (finished before a restart, not yet
     * committed) keeps that status: check {@link #status} (and its {@link StatusRecord#callback()})
     * and just {@code markDone} it. An entry with failed attempts recorded ({@link #attemptFailed})
     * keeps their count and last error.
     */
    public JournalRecord poll() {
        tailLock.lock();
        try {
            checkOpen();
            while (true) {
                long index;
                JournalEntry entry;
                boolean derived;
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return null;
                    }
                    index = dc.index();
                    try {
                        derived = EntryCodec.hasDerivedId(dc.wire().bytes());
                        entry = EntryCodec.readEntry(dc.wire().bytes(), ids, index);
                    } catch (RuntimeException e) {
                        // never silently: logged with its position, then passed over so the journal moves on
                        log.error("unreadable journal entry at index {} in {} passed over: {}", index, dir, e.toString());
                        window.add(index);
                        commit(window.markDone(index, position.get()));
                        continue;
                    }
                }
                window.add(index);
                if (derived && index <= lastIndexAtOpen && statusIndex.statusIndex(index) >= 0) {
                    return new JournalRecord(index, entry, true); // finished before a restart: status() says so
                }
                if (!derived || index <= lastIndexAtOpen) {
                    // an explicit id is tracked in memory; a terminal status (recorded before a restart,
                    // after which the entry came again) is kept, so the dispatcher can pass over it;
                    // failed attempts recorded before a restart are kept, so that counting goes on
                    long now = clock.getAsLong();
                    int attempts = entry.attempts();
                    statuses.compute(entry.id(), (id, prev) -> prev != null && prev.state.terminal()
                            ? prev : Slot.running(prev, now, attempts));
                    return new JournalRecord(index, entry, true);
                }
                return new JournalRecord(index, entry, false);
            }
        } finally {
            tailLock.unlock();
        }
    }

    /** {@link #poll()}, waiting up to {@code timeout} for an entry (sleeping briefly between looks). */
    public JournalRecord poll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long park = 1_000;
        while (true) {
            JournalRecord r = poll();
            if (r != null) {
                return r;
            }
            if (System.nanoTime() - deadline >= 0) {
                return null;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, 1_000_000); // up to 1 ms
        }
    }

    /**
     * The entry at {@code index} of the input journal, read again (for a callback owed by an entry
     * handed out earlier, whose outcome is then read with {@link #status}); empty when there is none
     * there (its cycle was deleted) or it cannot be read (logged). Any thread; does not move
     * {@link #poll}'s position.
     */
    public Optional<JournalEntry> entryAt(long index) {
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
     * Marks the entry at {@code index} finished (succeeded, or dead-lettered). May be called in any
     * order from any thread; the durable processed position moves only past a contiguous run of
     * finished entries, so after a restart every entry not marked done is handed out again.
     *
     * @throws IllegalArgumentException if the index was not handed out by {@link #poll()}
     */
    public void markDone(long index) {
        commit(window.markDone(index, position.get()));
    }

    private void commit(long advancedTo) {
        if (advancedTo != InFlightWindow.NO_ADVANCE) {
            position.advanceTo(advancedTo);
        }
    }

    /** The durable processed position: the index of the last entry committed, or -1. */
    public long processedIndex() {
        return position.get();
    }

    /** How many ids have a status held on the heap (explicit ids, and failed attempts not finished); for tests. */
    int statusesInMemory() {
        return statuses.size();
    }

    /** How many entries are handed out and not yet committed. */
    public int inFlight() {
        return window.size();
    }

    // ---------------------------------------------------------------------------------- status

    /**
     * Records that {@code entry} succeeded, with the handler's response (kept for
     * {@code resultRetention}). When the entry has a callback URL its callback is PENDING until
     * {@link #callbackFinished}.
     */
    public void succeeded(JournalEntry entry, int attempts, int statusCode, String contentType, byte[] result) {
        recordStatus(entry.id(), InvocationState.SUCCEEDED, attempts, statusCode, callbackOf(entry), null, contentType, result);
    }

    /**
     * Records that an attempt of {@code id} failed and will be retried: a PENDING status with the
     * attempts made so far and the error. After a restart the entry keeps them (see {@link #poll}),
     * so that a retry limit counts the attempts made before the restart too.
     */
    public void attemptFailed(String id, int attempts, String error) {
        recordStatus(id, InvocationState.PENDING, attempts, 0, CallbackState.NONE, error, null, null);
    }

    /**
     * Records that the callback of the finished {@code id} is finished ({@code state} DELIVERED or
     * FAILED). Call it before {@link #markDone}: an entry marked done is not handed out again, and
     * one whose callback is not recorded finished gets its callback sent again after a restart.
     */
    public void callbackFinished(String id, CallbackState state) {
        callbackFinished(id, state, CallbackFailure.NONE);
    }

    /** {@link #callbackFinished(String, CallbackState)}, with why a FAILED callback was given up (shown by {@link #status}). */
    public void callbackFinished(String id, CallbackState state, CallbackFailure why) {
        if (!state.finished()) {
            throw new IllegalArgumentException("a finished callback is DELIVERED or FAILED, not " + state);
        }
        long now = clock.getAsLong();
        statusLock.lock();
        try {
            checkOpen();
            try (DocumentContext dc = statusAppender.writingDocument()) {
                try {
                    EntryCodec.writeCallback(dc.wire().bytes(), id, now, state, why);
                } catch (Throwable t) {
                    dc.rollbackOnClose();
                    throw t;
                }
            }
        } catch (JournalException e) {
            throw e;
        } catch (Throwable t) {
            throw new JournalUnavailableException("could not write a callback record in " + dir + ": " + t, t);
        } finally {
            statusLock.unlock();
        }
        long inputIndex = ids.indexOf(id);
        if (inputIndex >= 0) {
            statusIndex.setCallback(inputIndex, state, why);
        }
        statuses.computeIfPresent(id, (k, slot) -> slot.withCallback(state, why));
    }

    private static CallbackState callbackOf(JournalEntry entry) {
        return entry.callbackUrl() != null ? CallbackState.PENDING : CallbackState.NONE;
    }

    private void recordStatus(String id, InvocationState state, int attempts, int statusCode, CallbackState callback,
                              String error, String contentType, byte[] result) {
        long now = clock.getAsLong();
        long index = writeState(id, state, now, attempts, statusCode, callback, error, contentType, result);
        long inputIndex = state.terminal() ? ids.indexOf(id) : -1;
        if (inputIndex >= 0) {
            // a derived id: the final status is found through the on-disk index, not the heap
            statusIndex.put(inputIndex, index, callback);
            statuses.remove(id);
            return;
        }
        statuses.put(id, state.terminal()
                ? new Slot(state, now, attempts, index, null, callback)
                : new Slot(state, now, attempts, -1, error, CallbackState.NONE));
    }

    /** Appends a state record to the status journal (the in-memory status is the caller's); returns its index. */
    private long writeState(String id, InvocationState state, long now, int attempts, int statusCode,
                            CallbackState callback, String error, String contentType, byte[] result) {
        statusLock.lock();
        try {
            checkOpen();
            try (DocumentContext dc = statusAppender.writingDocument()) {
                try {
                    EntryCodec.writeState(dc.wire().bytes(), id, state, now, attempts, statusCode, callback, error,
                            contentType, result);
                } catch (Throwable t) {
                    dc.rollbackOnClose();
                    throw t;
                }
            }
            return statusAppender.lastIndexAppended();
        } catch (JournalException e) {
            throw e;
        } catch (Throwable t) {
            throw new JournalUnavailableException("could not write a status record in " + dir + ": " + t, t);
        } finally {
            statusLock.unlock();
        }
    }

    /**
     * The status of {@code id}: PENDING/RUNNING while in the journal (with the attempts made and the
     * last error after a failed attempt), SUCCEEDED/FAILED with the handler's last response and the
     * state of its callback for {@code resultRetention} after that; empty when unknown or expired.
     */
    public Optional<StatusRecord> status(String id) {
        Slot s = statuses.get(id);
        if (s == null) {
            long index = ids.indexOf(id);
            if (index < 0) {
                return Optional.empty(); // not an id of this journal
            }
            long at = statusIndex.statusIndex(index);
            if (at >= 0) {
                return readFinal(id, at, statusIndex.callback(index), statusIndex.callbackFailure(index));
            }
            s = statuses.get(id); // failed attempts recorded meanwhile
            if (s == null) {
                if (index <= position.get()) {
                    return Optional.empty(); // finished, and its status expired (or was lost with the index)
                }
                // accepted and not finished: handed out (running) or waiting in the journal (pending)
                InvocationState state = window.contains(index) ? InvocationState.RUNNING : InvocationState.PENDING;
                return Optional.of(new StatusRecord(id, state, 0L, 0, 0, null, new byte[0], null, CallbackState.NONE));
            }
        }
        if (!s.state.terminal()) {
            return Optional.of(new StatusRecord(id, s.state, s.updatedAt, s.attempts, 0, null, new byte[0], s.error,
                    CallbackState.NONE));
        }
        if (expired(s)) {
            statuses.remove(id, s);
            return Optional.empty();
        }
        return readFinal(id, s.statusIndex, s.callback, s.callbackFailure);
    }

    /** The final status record at {@code at} in the status journal, with {@code callback} (it moves on after the record). */
    private Optional<StatusRecord> readFinal(String id, long at, CallbackState callback, CallbackFailure callbackFailure) {
        statusLock.lock();
        try {
            checkOpen();
            if (!statusReader.moveToIndex(at)) {
                return Optional.empty(); // its cycle file was removed by retention
            }
            try (DocumentContext dc = statusReader.readingDocument()) {
                if (!dc.isPresent()) {
                    return Optional.empty();
                }
                Bytes<?> b = dc.wire().bytes();
                if (EntryCodec.readStatusKind(b) != EntryCodec.STATE) {
                    throw new JournalException("status record " + at + " of " + id + " in " + dir
                            + " is not a state record");
                }
                StatusRecord r = EntryCodec.readState(b, true);
                if (!r.id().equals(id) || r.updatedAtMillis() + options.resultRetention.toMillis() < clock.getAsLong()) {
                    return Optional.empty(); // expired (or an index file that outlived its journal)
                }
                return Optional.of(new StatusRecord(r.id(), r.state(), r.updatedAtMillis(), r.attempts(), r.statusCode(),
                        r.contentType(), r.result(), r.error(), callback, callbackFailure));
            }
        } finally {
            statusLock.unlock();
        }
    }

    private boolean expired(Slot s) {
        return s.state.terminal() && s.updatedAt + options.resultRetention.toMillis() < clock.getAsLong();
    }

    // ---------------------------------------------------------------------------------- dead letters

    /**
     * Writes {@code entry} to the dead-letter journal with its last error, and records it FAILED with
     * the handler's last response ({@code statusCode} 0, {@code contentType} and {@code result} null
     * when there was none); its callback, if it has a URL, is PENDING until {@link #callbackFinished}.
     * The caller still calls {@link #markDone} for the input entry. When {@code maxDeadLetters} are
     * listed already, the oldest is dropped first (an {@code expired} record before the new one).
     */
    public long deadLetter(JournalEntry entry, String error, int attempts, int statusCode, String contentType,
                           byte[] result) {
        long now = clock.getAsLong();
        long index;
        int dropped = 0;
        deadLock.lock();
        try {
            checkOpen();
            dropped = makeRoomFor(entry.id(), now);
            try (DocumentContext dc = deadAppender.writingDocument()) {
                try {
                    EntryCodec.writeDead(dc.wire().bytes(), entry, error, attempts, now);
                } catch (Throwable t) {
                    dc.rollbackOnClose();
                    throw t;
                }
            }
            index = deadAppender.lastIndexAppended();
            deadList.add(entry.id(), index, now);
            deadLetterCount = deadList.size();
        } catch (JournalException e) {
            throw e;
        } catch (Throwable t) {
            throw new JournalUnavailableException("could not write to the dead-letter journal in " + dir + ": " + t, t);
        } finally {
            deadLock.unlock();
            expired(dropped); // dropped for good even when the dead letter itself could not be written
        }
        recordStatus(entry.id(), InvocationState.FAILED, attempts, statusCode, callbackOf(entry), error, contentType, result);
        return index;
    }

    /**
     * Drops the oldest dead letters so that one more (with {@code id}) fits within maxDeadLetters;
     * none when {@code id} is listed already (the new one replaces it). Returns how many were dropped.
     */
    private int makeRoomFor(String id, long now) {
        int excess = deadList.size() + 1 - options.maxDeadLetters;
        if (excess <= 0 || deadList.contains(id)) {
            return 0;
        }
        long through = deadList.positionOfNth(excess);
        writeExpired(through, now);
        int dropped = deadList.dropThrough(through);
        droppedByCountSinceSweep += dropped;
        deadLetterCount = deadList.size();
        return dropped;
    }

    /** Appends an {@code expired} record: every dead letter up to {@code through} is off the list, for good. */
    private void writeExpired(long through, long now) {
        try (DocumentContext dc = deadAppender.writingDocument()) {
            try {
                EntryCodec.writeExpired(dc.wire().bytes(), through, now);
            } catch (Throwable t) {
                dc.rollbackOnClose();
                throw t;
            }
        }
    }

    /** Counts {@code n} dead letters dropped by retention and tells the listener. */
    private void expired(long n) {
        if (n > 0) {
            deadLettersExpired.addAndGet(n);
            options.deadLettersExpired.accept(n);
        }
    }

    /**
     * A page of the listed dead letters, oldest first: at most {@code limit} of them after the one
     * with id {@code after} (from the first when null). Empty when {@code after} is neither listed
     * nor one of the last dead letters that left the list (replayed or expired since the previous
     * page). Reads the page's records only (not their headers nor bodies): memory is bounded by the
     * page, whatever the number listed. May block on the dead-letter lock and on disk reads: do not
     * call it on an I/O thread.
     */
    public Optional<DeadLetterPage> deadLetterPage(String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        deadLock.lock();
        try {
            checkOpen();
            long from = -1;
            if (after != null) {
                from = deadList.cursorPosition(after);
                if (from < 0) {
                    return Optional.empty();
                }
            }
            List<DeadLetterSummary> page = new ArrayList<>(Math.min(limit, deadList.size()));
            String next = null;
            for (Map.Entry<Long, DeadLetterList.Live> e : deadList.after(from).entrySet()) {
                if (page.size() == limit) {
                    next = page.get(page.size() - 1).id();
                    break;
                }
                long at = e.getKey();
                page.add(readDeadAt(at, b -> EntryCodec.readDeadSummary(b, at)));
            }
            return Optional.of(new DeadLetterPage(page, next, deadList.size()));
        } finally {
            deadLock.unlock();
        }
    }

    /**
     * Every listed dead letter with its whole entry (body included), oldest first: at most
     * {@code maxDeadLetters} of them, all in memory at once. For tools and tests; the HTTP endpoint
     * pages with {@link #deadLetterPage}.
     */
    public List<DeadLetter> listDeadLetters() {
        deadLock.lock();
        try {
            checkOpen();
            List<DeadLetter> all = new ArrayList<>(deadList.size());
            for (long at : deadList.after(-1).keySet()) {
                all.add(readDeadAt(at, b -> EntryCodec.readDead(b, at)));
            }
            return all;
        } finally {
            deadLock.unlock();
        }
    }

    /** How many dead letters are listed (never more than {@code maxDeadLetters}). Does not block. */
    public int deadLetterCount() {
        return deadLetterCount;
    }

    /** How many dead letters retention dropped since this journal was opened (at open included). */
    public long deadLettersExpired() {
        return deadLettersExpired.get();
    }

    /** Reads the dead-letter record at {@code index} with {@code reader}; under {@link #deadLock}. */
    private <T> T readDeadAt(long index, Function<Bytes<?>, T> reader) {
        if (!deadReader.moveToIndex(index)) {
            throw new JournalException("the dead letter at index " + index + " is missing from " + deadLetters.file());
        }
        try (DocumentContext dc = deadReader.readingDocument()) {
            if (!dc.isPresent() || dc.index() != index) {
                throw new JournalException("the dead letter at index " + index + " is missing from " + deadLetters.file());
            }
            return reader.apply(dc.wire().bytes());
        }
    }

    /**
     * Appends the dead letter {@code id} to the input journal again (attempts reset to 0) and takes
     * it off the list. Empty when there is no such dead letter listed. May block (disk): not on an I/O thread.
     */
    public Optional<AcceptResult> replay(String id) {
        deadLock.lock();
        try {
            checkOpen();
            long at = deadList.position(id);
            return at < 0 ? Optional.empty() : Optional.of(replayLocked(readDeadAt(at, b -> EntryCodec.readDead(b, at))));
        } finally {
            deadLock.unlock();
        }
    }

    /**
     * Replays the oldest listed dead letters, at most {@code max} of them, and says how many are left.
     * The dead-letter lock is taken for each one in turn, so that a worker dead-lettering meanwhile
     * waits for one replay at most; a dead letter listed meanwhile may be replayed by this call too.
     * If the journal fails part way ({@link JournalException}), the ones replayed before stay replayed.
     * May block (disk): not on an I/O thread.
     */
    public ReplayBatch replayAll(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        List<AcceptResult> done = new ArrayList<>(Math.min(max, deadLetterCount));
        while (done.size() < max) {
            deadLock.lock();
            try {
                checkOpen();
                if (deadList.isEmpty()) {
                    break;
                }
                long at = deadList.firstPosition();
                done.add(replayLocked(readDeadAt(at, b -> EntryCodec.readDead(b, at))));
            } finally {
                deadLock.unlock();
            }
        }
        return new ReplayBatch(done, deadLetterCount);
    }

    private AcceptResult replayLocked(DeadLetter d) {
        // append first: a crash in between replays it twice rather than losing it
        AcceptResult r = append(d.entry().withAttempts(0));
        // a PENDING state after the old FAILED one, so that after a restart the replayed entry is run
        // rather than passed over as finished (memory already says PENDING since the append)
        writeState(d.entry().id(), InvocationState.PENDING, clock.getAsLong(), 0, 0, CallbackState.NONE, null, null, null);
        try (DocumentContext dc = deadAppender.writingDocument()) {
            EntryCodec.writeReplayed(dc.wire().bytes(), d.entry().id(), clock.getAsLong());
        }
        deadList.remove(d.entry().id());
        deadLetterCount = deadList.size();
        return r;
    }

    /**
     * Rebuilds the list from the dead-letter journal, as it was written: a dead letter is listed,
     * replaces an earlier one with its id, leaves with its replay or with an {@code expired} record
     * that covers it. Reads only the head of each record (kind, time, id). The list never holds more
     * than maxDeadLetters: beyond that (the limit was lowered) the oldest are dropped, and the first
     * sweep records it. A dead letter dropped here that a later {@code expired} record covers was
     * dropped before this start already, and is not counted again.
     */
    private void rebuildDeadLetters() {
        long started = System.nanoTime();
        long records = 0;
        // the positions dropped here that no expired record has covered yet, in order (both only grow)
        long[] trimmed = new long[16];
        int head = 0;
        int tail = 0;
        try (ExcerptTailer t = deadLetters.createTailer()) {
            while (true) {
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    records++;
                    EntryCodec.DeadRecordHead h = EntryCodec.readDeadHead(dc.wire().bytes());
                    switch (h.kind()) {
                        case EntryCodec.DEAD -> {
                            deadList.add(h.id(), dc.index(), h.atMillis());
                            if (deadList.size() > options.maxDeadLetters) {
                                long first = deadList.firstPosition();
                                deadList.dropThrough(first);
                                if (tail == trimmed.length) {
                                    int n = tail - head;
                                    long[] grown = n * 2 > trimmed.length ? new long[trimmed.length * 2] : trimmed;
                                    System.arraycopy(trimmed, head, grown, 0, n);
                                    trimmed = grown;
                                    head = 0;
                                    tail = n;
                                }
                                trimmed[tail++] = first;
                            }
                        }
                        case EntryCodec.REPLAYED -> deadList.remove(h.id());
                        default -> { // EXPIRED
                            deadList.dropThrough(h.throughPosition());
                            while (head < tail && trimmed[head] <= h.throughPosition()) {
                                head++; // dropped for good before this start
                            }
                        }
                    }
                } catch (RuntimeException e) {
                    // never silently: that dead letter (or its replay) is not known any more
                    log.error("unreadable dead-letter record in {} passed over: {}", dir, e.toString());
                }
            }
        }
        int dropped = tail - head;
        if (dropped > 0) {
            unrecordedDropThrough = trimmed[tail - 1];
        }
        droppedByCountSinceSweep += dropped;
        deadLetterCount = deadList.size();
        expired(dropped);
        if (records > 0) {
            log.info("dead-letter list of {} rebuilt from {} record(s) in {} ms: {} listed", dir, records,
                    (System.nanoTime() - started) / 1_000_000, deadLetterCount);
        }
    }

    /**
     * Drops the dead letters older than deadLetterRetention (from the oldest on, up to the first
     * younger one), records the drops with an {@code expired} record, and logs at INFO what this
     * sweep and the maxDeadLetters drops since the last sweep removed from the list.
     */
    private void sweepDeadLetters() {
        long now = clock.getAsLong();
        int byAge;
        long byCount;
        deadLock.lock();
        try {
            checkOpen();
            long through = Math.max(unrecordedDropThrough,
                    deadList.lastPositionDeadBefore(now - options.deadLetterRetention.toMillis()));
            byAge = 0;
            if (through >= 0) {
                writeExpired(through, now);
                unrecordedDropThrough = -1;
                byAge = deadList.dropThrough(through);
                deadLetterCount = deadList.size();
            }
            byCount = droppedByCountSinceSweep;
            droppedByCountSinceSweep = 0;
        } catch (JournalException e) {
            throw e;
        } catch (Throwable t) {
            throw new JournalUnavailableException("could not write to the dead-letter journal in " + dir + ": " + t, t);
        } finally {
            deadLock.unlock();
        }
        expired(byAge);
        if (byAge + byCount > 0) {
            log.info("dead-letter retention dropped {} dead letter(s) from the list in {}: {} older than "
                            + "deadLetterRetention {}, {} beyond maxDeadLetters {}; {} listed", byAge + byCount, dir, byAge,
                    options.deadLetterRetention, byCount, options.maxDeadLetters, deadLetterCount);
        }
    }

    /**
     * Deletes the dead-letter cycle files that hold no listed dead letter: every cycle before the one
     * of the oldest listed (every cycle when none is), except the cycle being written. A replayed or
     * expired dead letter thus stays on disk until its cycle has ended and every dead letter before
     * the oldest listed one is in earlier cycles.
     */
    private void deleteDeadLetterCycles(List<Path> deleted) {
        deadLock.lock();
        try {
            checkOpen();
            long first = deadList.firstPosition();
            int below = first < 0 ? Integer.MAX_VALUE : options.rollCycle.toCycle(first);
            deleteCycles(deadLetters, below, Long.MAX_VALUE, deleted);
        } finally {
            deadLock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------- retention

    /**
     * Deletes input cycle files that are fully processed and older than {@code retention}, status
     * cycle files older than {@code resultRetention}, and expired statuses from memory; drops dead
     * letters older than {@code deadLetterRetention} from the list and deletes the dead-letter cycle
     * files that hold no listed dead letter. Runs every {@code maintenanceInterval} when that is set
     * (and the dead-letter part at open). Returns the files deleted.
     */
    public List<Path> purge() {
        checkOpen();
        long now = clock.getAsLong();
        List<Path> deleted = new ArrayList<>();
        long committed = position.get();
        if (options.retention != null && committed != ProcessedPosition.NONE) {
            int processedCycle = options.rollCycle.toCycle(committed);
            deleteCycles(input, processedCycle, now - options.retention.toMillis(), deleted);
        }
        deleteCycles(status, Integer.MAX_VALUE, now - options.resultRetention.toMillis(), deleted);
        statuses.values().removeIf(this::expired);
        deleted.addAll(statusIndex.purge(now - options.resultRetention.toMillis()));
        sweepDeadLetters();
        deleteDeadLetterCycles(deleted);
        return deleted;
    }

    /** Deletes the cycles of {@code q} below {@code belowCycle} and below the current one that ended before {@code endedBefore}. */
    private void deleteCycles(SingleChronicleQueue q, int belowCycle, long endedBefore, List<Path> deleted) {
        q.refreshDirectoryListing();
        int first = q.firstCycle();
        int last = q.lastCycle();
        int upper = Math.min(belowCycle, q.cycle()) - 1; // never the cycle being written
        if (first == Integer.MAX_VALUE || first < 0 || last < first || upper < first) {
            return;
        }
        long length = options.rollCycle.lengthInMillis();
        DateTimeFormatter fmt = DateTimeFormatter.ofPattern(options.rollCycle.format(), Locale.ROOT)
                .withZone(ZoneOffset.UTC);
        boolean any = false;
        // both bounds must be cycles that have a file: list them all, then filter
        for (long cycle : q.listCyclesBetween(first, last)) {
            long end = (cycle + 1) * length;
            if (cycle > upper || end > endedBefore) {
                continue;
            }
            Path f = q.file().toPath().resolve(fmt.format(Instant.ofEpochMilli(cycle * length))
                    + SingleChronicleQueue.SUFFIX);
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

    private void maintain() {
        try {
            List<Path> deleted = purge();
            if (!deleted.isEmpty()) {
                log.info("journal retention removed {} file(s) from {}", deleted.size(), dir);
            }
        } catch (JournalUnavailableException closedNow) {
            // closing
        } catch (RuntimeException e) {
            log.warn("journal maintenance failed in {}: {}", dir, e.toString());
        }
    }

    // ---------------------------------------------------------------------------------- open helpers

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
                    throw new JournalUnavailableException("the journal directory " + d + " exists and is not a directory");
                }
                try {
                    Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
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
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(d);
        } catch (UnsupportedOperationException | IOException notPosix) {
            return; // no POSIX modes on this file system: nothing to check
        }
        java.util.Set<java.nio.file.attribute.PosixFilePermission> wanted = PosixFilePermissions.fromString("rwx------");
        if (wanted.containsAll(mode)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(d, wanted);
            LoggerFactory.getLogger(AsyncJournal.class).warn("the journal directory {} had mode {}; made it private (rwx------)",
                    d, PosixFilePermissions.toString(mode));
        } catch (IOException | SecurityException e) {
            throw new JournalNotPrivateException("the journal directory " + d + " has mode " + PosixFilePermissions.toString(mode)
                    + " (others may reach the journaled calls) and cannot be made private: " + e
                    + "; run chmod 700 on it as its owner, or choose another async.directory", e);
        }
    }

    /**
     * Reads the status journal: terminal statuses within resultRetention with where their callback
     * stands, and the failed attempts of entries not finished (the last record of an id wins).
     */
    private void rebuildStatuses() {
        try (ExcerptTailer t = status.createTailer()) {
            while (true) {
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    Bytes<?> b = dc.wire().bytes();
                    if (EntryCodec.readStatusKind(b) == EntryCodec.CALLBACK) {
                        EntryCodec.CallbackRecord c = EntryCodec.readCallback(b);
                        long inputIndex = ids.indexOf(c.id());
                        if (inputIndex >= 0) {
                            statusIndex.setCallback(inputIndex, c.state(), c.failure());
                        }
                        statuses.computeIfPresent(c.id(), (id, slot) -> slot.withCallback(c.state(), c.failure()));
                        continue;
                    }
                    StatusRecord r = EntryCodec.readState(b, false);
                    long inputIndex = r.state().terminal() ? ids.indexOf(r.id()) : -1;
                    if (inputIndex >= 0) {
                        // a derived id's final status lives in the status index (rewritten here in case a
                        // crash came between the record and the index store)
                        statusIndex.put(inputIndex, dc.index(), r.callback());
                        statuses.remove(r.id());
                        continue;
                    }
                    Slot s = r.state().terminal()
                            ? new Slot(r.state(), r.updatedAtMillis(), r.attempts(), dc.index(), null, r.callback())
                            : new Slot(r.state(), r.updatedAtMillis(), r.attempts(), -1, r.error(), CallbackState.NONE);
                    if (!expired(s)) {
                        statuses.put(r.id(), s);
                    } else {
                        statuses.remove(r.id());
                    }
                } catch (RuntimeException e) {
                    // never silently: the status it held is lost (its entry, if not done, runs again)
                    log.error("unreadable status record in {} passed over: {}", dir, e.toString());
                }
            }
        }
    }

    /** Moves the tailer just past the committed position, registering the backlog's ids as PENDING. */
    private void positionTailer() {
        long committed = position.get();
        positionAfter(tailer, committed);
        try (ExcerptTailer scan = input.createTailer()) {
            positionAfter(scan, committed);
            long now = clock.getAsLong();
            while (true) {
                try (DocumentContext dc = scan.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    String id = EntryCodec.readExplicitId(dc.wire().bytes());
                    if (id == null) {
                        continue; // a derived id: its state is read off the positions
                    }
                    // a terminal status, or failed attempts recorded, are kept
                    statuses.putIfAbsent(id, new Slot(InvocationState.PENDING, now, 0, -1));
                } catch (RuntimeException e) {
                    log.warn("unreadable entry in the backlog of {}: {}", dir, e.toString());
                }
            }
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

    // ---------------------------------------------------------------------------------- close

    public Path directory() {
        return dir;
    }

    public Options options() {
        return options;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
        appendLock.lock();
        tailLock.lock();
        entryLock.lock();
        statusLock.lock();
        deadLock.lock();
        try {
            closed = true;
            closeQuietly(appender, tailer, entryReader, statusAppender, statusReader, deadAppender, deadReader, input, status,
                    deadLetters, position, statusIndex);
        } finally {
            deadLock.unlock();
            statusLock.unlock();
            entryLock.unlock();
            tailLock.unlock();
            appendLock.unlock();
        }
    }

    private static void closeQuietly(AutoCloseable... all) {
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

    // ---------------------------------------------------------------------------------- options

    /** How to open a journal; {@link #open()} opens it. */
    public static final class Options {
        private final Path dir;
        private RollCycle rollCycle = RollCycles.FAST_HOURLY;
        private Duration retention = Duration.ofDays(1);
        private Duration resultRetention = Duration.ofHours(1);
        private boolean syncOnAppend;
        private boolean syncPosition;
        private long minFreeSpace = 64L << 20;
        private long blockSize;
        private Duration maintenanceInterval = Duration.ofMinutes(1);
        private LongSupplier clock = System::currentTimeMillis;
        private Duration deadLetterRetention = Duration.ofDays(7);
        private int maxDeadLetters = 10_000;
        private LongConsumer deadLettersExpired = n -> { };

        private Options(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /**
         * How often a new cycle file starts, by Chronicle's name: FIVE_MINUTELY, TEN_MINUTELY,
         * TWENTY_MINUTELY, HALF_HOURLY, FAST_HOURLY (default), TWO_HOURLY, FOUR_HOURLY, SIX_HOURLY,
         * FAST_DAILY, WEEKLY, or the legacy MINUTELY, HOURLY, DAILY. Fixed for a journal's life: a
         * directory written with one roll cycle must be reopened with the same.
         */
        public Options rollCycle(String name) {
            return rollCycle(parseRollCycle(name));
        }

        public Options rollCycle(RollCycle rollCycle) {
            this.rollCycle = Objects.requireNonNull(rollCycle, "rollCycle");
            return this;
        }

        /** Keep fully processed input cycles this long after they end (null: forever). Default 1 day. */
        public Options retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /** Keep succeeded/failed statuses and their results this long. Default 1 hour. */
        public Options resultRetention(Duration resultRetention) {
            this.resultRetention = Objects.requireNonNull(resultRetention, "resultRetention");
            return this;
        }

        /**
         * Keep a dead letter listed (and replayable) this long after it was dead-lettered; older ones
         * are dropped by the sweep that runs at open and every {@code maintenanceInterval}. Default 7 days.
         */
        public Options deadLetterRetention(Duration deadLetterRetention) {
            Objects.requireNonNull(deadLetterRetention, "deadLetterRetention");
            if (deadLetterRetention.isNegative() || deadLetterRetention.isZero()) {
                throw new IllegalArgumentException("deadLetterRetention must be longer than 0, got " + deadLetterRetention);
            }
            this.deadLetterRetention = deadLetterRetention;
            return this;
        }

        /**
         * List at most this many dead letters: a dead letter beyond it drops the oldest at once.
         * Bounds the heap the list takes (about 200 bytes each). Default 10 000.
         */
        public Options maxDeadLetters(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxDeadLetters must be at least 1, got " + max);
            }
            this.maxDeadLetters = max;
            return this;
        }

        /**
         * Told how many dead letters retention dropped each time it drops some (on the thread that
         * dropped them: a dead-lettering worker, the maintenance thread, or the opening one). Must
         * neither block nor throw (a counter). Default: nothing.
         */
        public Options onDeadLettersExpired(LongConsumer listener) {
            this.deadLettersExpired = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Force each append to disk (msync) before {@link #append} returns. Default false (page cache). */
        public Options syncOnAppend(boolean sync) {
            this.syncOnAppend = sync;
            return this;
        }

        /** Force each store of the processed position to disk. Default false (page cache). */
        public Options syncPosition(boolean sync) {
            this.syncPosition = sync;
            return this;
        }

        /** Refuse appends (503) when the disk has less than this many bytes usable. Default 64 MiB. */
        public Options minFreeSpace(long bytes) {
            this.minFreeSpace = bytes;
            return this;
        }

        /** Chronicle's block (mapping) size; 0 for Chronicle's default. */
        public Options blockSize(long bytes) {
            this.blockSize = bytes;
            return this;
        }

        /** How often {@link AsyncJournal#purge()} runs by itself; null or zero: never. Default 1 minute. */
        public Options maintenanceInterval(Duration every) {
            this.maintenanceInterval = every;
            return this;
        }

        /** The clock, in epoch milliseconds, for cycles, timestamps and expiry (tests move it). */
        public Options clock(LongSupplier millis) {
            this.clock = Objects.requireNonNull(millis, "clock");
            return this;
        }

        public RollCycle rollCycle() {
            return rollCycle;
        }

        public Duration retention() {
            return retention;
        }

        public Duration resultRetention() {
            return resultRetention;
        }

        public boolean syncOnAppend() {
            return syncOnAppend;
        }

        public Duration deadLetterRetention() {
            return deadLetterRetention;
        }

        public int maxDeadLetters() {
            return maxDeadLetters;
        }

        public AsyncJournal open() {
            ChronicleSetup.prepare();
            return new AsyncJournal(this);
        }

        static RollCycle parseRollCycle(String name) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            for (RollCycles r : RollCycles.values()) {
                if (r.name().equals(n)) {
                    return r;
                }
            }
            for (LegacyRollCycles r : LegacyRollCycles.values()) {
                if (r.name().equals(n)) {
                    return r;
                }
            }
            List<String> allowed = new ArrayList<>();
            for (RollCycles r : RollCycles.values()) {
                allowed.add(r.name());
            }
            for (LegacyRollCycles r : LegacyRollCycles.values()) {
                allowed.add(r.name());
            }
            throw new IllegalArgumentException("unknown rollCycle '" + name + "'; allowed: " + String.join(", ", allowed));
        }
    }
}
