package io.nucleon.async.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
 * The status log: what became of each call ({@code status/}: {@code state} and {@code callback}
 * records, see {@link EntryCodec}), and where to find it.
 *
 * <p>Where a status is found: the final status of an accepted call (an id derived from its input
 * index, {@link EventIds}) through the on-disk {@link StatusIndex} ({@code status-index/}), so the heap
 * holds nothing per finished call; the status of an explicit id (a replay, a hand-built entry) and
 * the failed attempts of a call not finished in a map on the heap, rebuilt from the log at open. A
 * call with neither is waiting or running, or finished long ago: the {@link InputProgress} says which.
 *
 * <p>Writes and reads by position share one lock; the map and the index need none. Thread-safe.
 */
final class StatusLog implements AutoCloseable {
    static final String DIRECTORY = "status";

    private static final Logger log = LoggerFactory.getLogger(StatusLog.class);

    private final JournalSettings settings;
    private final Path dir;
    private final EventIds ids;
    private final SingleChronicleQueue queue;
    private final StatusIndex index;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final ExcerptAppender appender;
    private final ExcerptTailer reader;
    private volatile boolean closed;

    /** The status of one id as held on the heap; the result itself stays in the log. */
    private record Slot(
            InvocationState state,
            long updatedAt,
            int attempts,
            long at,
            String error,
            CallbackState callback,
            CallbackFailure callbackFailure) {

        /** Not terminal: PENDING or RUNNING, with the attempts made and the last error (null when none failed). */
        static Slot open(InvocationState state, long now, int attempts, String error) {
            return new Slot(state, now, attempts, -1, error, CallbackState.NONE, CallbackFailure.NONE);
        }

        /** Terminal, its record at {@code at} in the log. */
        static Slot terminal(InvocationState state, long updatedAt, int attempts, long at, CallbackState callback) {
            return new Slot(state, updatedAt, attempts, at, null, callback, CallbackFailure.NONE);
        }

        /** RUNNING from now, keeping the attempts and error of failed attempts recorded before (a restart). */
        static Slot running(Slot prev, long now, int attempts) {
            return prev != null && prev.attempts > attempts
                    ? open(InvocationState.RUNNING, now, prev.attempts, prev.error)
                    : open(InvocationState.RUNNING, now, attempts, null);
        }

        /** This terminal slot with its callback now {@code c}; a slot that is not terminal is kept as it is. */
        Slot withCallback(CallbackState c, CallbackFailure why) {
            return state.terminal() ? new Slot(state, updatedAt, attempts, at, null, c, why) : this;
        }
    }

    /** Opens the status log of {@code s.directory()} and reads it back (see {@link #rebuild}). */
    StatusLog(JournalSettings s, EventIds ids) throws IOException {
        this.settings = s;
        this.dir = s.directory();
        this.ids = ids;
        this.index = new StatusIndex(dir.resolve(StatusIndex.DIRECTORY), s.rollCycle());
        try {
            this.queue = ChronicleFiles.openQueue(s, DIRECTORY, false);
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
        this.appender = ChronicleFiles.lockedUse(queue.createAppender());
        this.reader = ChronicleFiles.lockedUse(queue.createTailer());
        rebuild();
    }

    // ---------------------------------------------------------------------------------- calls waiting or running

    /** An entry with an explicit id was appended: PENDING, with the attempts it carries. */
    void appended(String id, int attempts) {
        slots.put(id, Slot.open(InvocationState.PENDING, settings.clock().getAsLong(), attempts, null));
    }

    /** An entry with an explicit id waits in the backlog found at open: PENDING unless its status says more. */
    void waiting(String id) {
        slots.putIfAbsent(
                id, Slot.open(InvocationState.PENDING, settings.clock().getAsLong(), 0, null));
    }

    /**
     * An entry was handed out: RUNNING, keeping the attempts and error of failed attempts recorded
     * before; a terminal status (recorded before a restart, after which the entry came again) is kept,
     * so that the dispatcher can pass over it.
     */
    void handedOut(String id, int attempts) {
        long now = settings.clock().getAsLong();
        slots.compute(
                id, (k, prev) -> prev != null && prev.state.terminal() ? prev : Slot.running(prev, now, attempts));
    }

    /** Whether the accepted call at {@code inputIndex} has its final status recorded. */
    boolean finalRecorded(long inputIndex) {
        return index.statusIndex(inputIndex) >= 0;
    }

    // ---------------------------------------------------------------------------------- outcomes

    /** Records that {@code entry} succeeded with the handler's response; its callback, if it has a URL, is PENDING. */
    void succeeded(JournalEntry entry, int attempts, int statusCode, String contentType, byte[] result) {
        record(
                entry.id(),
                InvocationState.SUCCEEDED,
                attempts,
                statusCode,
                callbackOf(entry),
                null,
                contentType,
                result);
    }

    /** Records that {@code entry} failed for good (dead-lettered) with the handler's last response, if any. */
    void failed(JournalEntry entry, int attempts, int statusCode, String error, String contentType, byte[] result) {
        record(entry.id(), InvocationState.FAILED, attempts, statusCode, callbackOf(entry), error, contentType, result);
    }

    /** Records that an attempt of {@code id} failed and will be retried (PENDING, with the attempts and the error). */
    void attemptFailed(String id, int attempts, String error) {
        record(id, InvocationState.PENDING, attempts, 0, CallbackState.NONE, error, null, null);
    }

    /**
     * Records that the dead letter {@code id} was replayed: a PENDING record after its FAILED one, so
     * that after a restart the replayed entry is run rather than passed over as finished (the heap
     * says PENDING since the replay's append).
     */
    void replayed(String id) {
        write(id, InvocationState.PENDING, settings.clock().getAsLong(), 0, 0, CallbackState.NONE, null, null, null);
    }

    /** Records that the callback of the finished {@code id} is finished ({@code state} DELIVERED or FAILED). */
    void callbackFinished(String id, CallbackState state, CallbackFailure why) {
        long now = settings.clock().getAsLong();
        append(b -> EntryCodec.writeCallback(b, id, now, state, why), "could not write a callback record in ");
        long inputIndex = ids.indexOf(id);
        if (inputIndex >= 0) {
            index.setCallback(inputIndex, state, why);
        }
        slots.computeIfPresent(id, (k, slot) -> slot.withCallback(state, why));
    }

    private static CallbackState callbackOf(JournalEntry entry) {
        return entry.callbackUrl() != null ? CallbackState.PENDING : CallbackState.NONE;
    }

    private void record(
            String id,
            InvocationState state,
            int attempts,
            int statusCode,
            CallbackState callback,
            String error,
            String contentType,
            byte[] result) {
        long now = settings.clock().getAsLong();
        long at = write(id, state, now, attempts, statusCode, callback, error, contentType, result);
        long inputIndex = state.terminal() ? ids.indexOf(id) : -1;
        if (inputIndex >= 0) {
            // a derived id: the final status is found through the on-disk index, not the heap
            index.put(inputIndex, at, callback);
            slots.remove(id);
            return;
        }
        slots.put(
                id,
                state.terminal()
                        ? Slot.terminal(state, now, attempts, at, callback)
                        : Slot.open(state, now, attempts, error));
    }

    /** Appends a {@code state} record (the heap is the caller's); returns its index. */
    private long write(
            String id,
            InvocationState state,
            long now,
            int attempts,
            int statusCode,
            CallbackState callback,
            String error,
            String contentType,
            byte[] result) {
        return append(
                b -> EntryCodec.writeState(
                        b, id, state, now, attempts, statusCode, callback, error, contentType, result),
                "could not write a status record in ");
    }

    private long append(Consumer<Bytes<?>> writer, String failure) {
        lock.lock();
        try {
            checkOpen();
            return ChronicleFiles.append(appender, writer);
        } catch (Throwable t) {
            throw ChronicleFiles.writeFailure(failure + dir, t);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------- reading

    /**
     * The status of {@code id}: PENDING/RUNNING while in the journal (with the attempts made and the
     * last error after a failed attempt), SUCCEEDED/FAILED with the handler's last response and the
     * state of its callback for {@code resultRetention} after that; empty when unknown or expired.
     */
    Optional<StatusRecord> status(String id, InputProgress input) {
        Slot s = slots.get(id);
        if (s == null) {
            long inputIndex = ids.indexOf(id);
            if (inputIndex < 0) {
                return Optional.empty(); // not an id of this journal
            }
            long at = index.statusIndex(inputIndex);
            if (at >= 0) {
                return readFinal(id, at, index.callback(inputIndex), index.callbackFailure(inputIndex));
            }
            s = slots.get(id); // failed attempts recorded meanwhile
            if (s == null) {
                if (inputIndex <= input.processedIndex()) {
                    return Optional.empty(); // finished, and its status expired (or was lost with the index)
                }
                // accepted and not finished: handed out (running) or waiting in the journal (pending)
                InvocationState state = input.handedOut(inputIndex) ? InvocationState.RUNNING : InvocationState.PENDING;
                return Optional.of(new StatusRecord(id, state, 0L, 0, 0, null, new byte[0], null, CallbackState.NONE));
            }
        }
        if (!s.state.terminal()) {
            return Optional.of(new StatusRecord(
                    id, s.state, s.updatedAt, s.attempts, 0, null, new byte[0], s.error, CallbackState.NONE));
        }
        if (s.updatedAt < resultCutoff()) {
            slots.remove(id, s);
            return Optional.empty();
        }
        return readFinal(id, s.at, s.callback, s.callbackFailure);
    }

    /** The final status record at {@code at}, with {@code callback} (it moves on after the record). */
    private Optional<StatusRecord> readFinal(
            String id, long at, CallbackState callback, CallbackFailure callbackFailure) {
        lock.lock();
        try {
            checkOpen();
            if (!reader.moveToIndex(at)) {
                return Optional.empty(); // its cycle file was removed by retention
            }
            try (DocumentContext dc = reader.readingDocument()) {
                if (!dc.isPresent()) {
                    return Optional.empty();
                }
                Bytes<?> b = dc.wire().bytes();
                if (EntryCodec.readStatusKind(b) != EntryCodec.STATE) {
                    throw new JournalException(
                            "status record " + at + " of " + id + " in " + dir + " is not a state record");
                }
                StatusRecord r = EntryCodec.readState(b, true);
                if (!r.id().equals(id) || r.updatedAtMillis() < resultCutoff()) {
                    return Optional.empty(); // expired (or an index file that outlived its journal)
                }
                return Optional.of(new StatusRecord(
                        r.id(),
                        r.state(),
                        r.updatedAtMillis(),
                        r.attempts(),
                        r.statusCode(),
                        r.contentType(),
                        r.result(),
                        r.error(),
                        callback,
                        callbackFailure));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Statuses last updated before this (epoch millis) are expired. */
    private long resultCutoff() {
        return settings.clock().getAsLong() - settings.resultRetention().toMillis();
    }

    /** How many ids have a status held on the heap (explicit ids, and failed attempts not finished). */
    int inMemory() {
        return slots.size();
    }

    // ---------------------------------------------------------------------------------- open, retention, close

    /**
     * Reads the log: terminal statuses within resultRetention with where their callback stands, and
     * the failed attempts of entries not finished (the last record of an id wins). A record that
     * cannot be read is logged and passed over.
     */
    private void rebuild() {
        long cutoff = resultCutoff();
        try (ExcerptTailer t = queue.createTailer()) {
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
                            index.setCallback(inputIndex, c.state(), c.failure());
                        }
                        slots.computeIfPresent(c.id(), (id, slot) -> slot.withCallback(c.state(), c.failure()));
                        continue;
                    }
                    StatusRecord r = EntryCodec.readState(b, false);
                    long inputIndex = r.state().terminal() ? ids.indexOf(r.id()) : -1;
                    if (inputIndex >= 0) {
                        // a derived id's final status lives in the status index (rewritten here in case a
                        // crash came between the record and the index store)
                        index.put(inputIndex, dc.index(), r.callback());
                        slots.remove(r.id());
                        continue;
                    }
                    if (r.state().terminal() && r.updatedAtMillis() < cutoff) {
                        slots.remove(r.id());
                    } else {
                        slots.put(
                                r.id(),
                                r.state().terminal()
                                        ? Slot.terminal(
                                                r.state(), r.updatedAtMillis(), r.attempts(), dc.index(), r.callback())
                                        : Slot.open(r.state(), r.updatedAtMillis(), r.attempts(), r.error()));
                    }
                } catch (RuntimeException e) {
                    // never silently: the status it held is lost (its entry, if not done, runs again)
                    log.error("unreadable status record in {} passed over: {}", dir, e.toString());
                }
            }
        }
    }

    /**
     * Deletes the cycle files that ended before {@code before} (epoch millis), the status index files
     * last written before it, and forgets the statuses on the heap last updated before it.
     */
    void deleteOlderThan(long before, List<Path> deleted) {
        ChronicleFiles.deleteCycles(queue, settings.rollCycle(), Integer.MAX_VALUE, before, deleted);
        slots.values().removeIf(s -> s.state.terminal() && s.updatedAt < before);
        deleted.addAll(index.purge(before));
    }

    private void checkOpen() {
        if (closed) {
            throw new JournalUnavailableException("the journal in " + dir + " is closed");
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ChronicleFiles.closeQuietly(appender, reader, queue, index);
        } finally {
            lock.unlock();
        }
    }
}
