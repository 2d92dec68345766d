package io.nucleon.async.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter log ({@code dead-letter/}): entries that failed every attempt ({@code dead}
 * records), their replays ({@code replayed}) and what retention dropped ({@code expired}: every dead
 * letter up to a position); and the list of dead letters it gives, held on the heap as a
 * {@link DeadLetterList} (id, position, time), rebuilt from the log at open. A dead letter leaves the
 * list when it is replayed, when it is older than {@code deadLetterRetention} ({@link #sweep}), or at
 * once when {@code maxDeadLetters} newer ones are listed.
 *
 * <p>One lock guards the log and the list; {@link #count()} and {@link #expiredCount()} do not take
 * it. Listing, replaying and the sweep read the disk under it: not for an I/O thread. Thread-safe.
 */
final class DeadLetterLog implements AutoCloseable {
    static final String DIRECTORY = "dead-letter";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterLog.class);

    private final JournalSettings settings;
    private final Path dir;
    private final SingleChronicleQueue queue;
    private final ReentrantLock lock = new ReentrantLock();
    private final ExcerptAppender appender;
    /** Reads dead letters back by position (listing, replay). */
    private final ExcerptTailer reader;

    private final DeadLetterList list = new DeadLetterList();
    /** {@code list}'s size, for readers that must not wait for the lock. */
    private volatile int count;
    /** Dead letters dropped because of maxDeadLetters since the last sweep logged them. */
    private long droppedByCountSinceSweep;
    /**
     * The last position dropped by maxDeadLetters while the list was rebuilt at open, not yet
     * recorded by an {@code expired} record (the first sweep writes it); -1 when none.
     */
    private long unrecordedDropThrough = -1;

    private final AtomicLong expired = new AtomicLong();
    private volatile boolean closed;

    /** Opens the dead-letter log of {@code s.directory()} and rebuilds the list from it. */
    DeadLetterLog(JournalSettings s) {
        this.settings = s;
        this.dir = s.directory();
        this.queue = ChronicleFiles.openQueue(s, DIRECTORY, false);
        this.appender = ChronicleFiles.lockedUse(queue.createAppender());
        this.reader = ChronicleFiles.lockedUse(queue.createTailer());
        rebuild();
    }

    /**
     * Writes {@code entry} as a dead letter with its last error and lists it (replacing a listed one
     * of the same id). When {@code maxDeadLetters} are listed already, the oldest is dropped first
     * (an {@code expired} record before the new one). Returns its position.
     */
    long add(JournalEntry entry, String error, int attempts) {
        long now = settings.clock().getAsLong();
        int dropped = 0;
        lock.lock();
        try {
            checkOpen();
            dropped = makeRoomFor(entry.id(), now);
            long at = ChronicleFiles.append(appender, b -> EntryCodec.writeDead(b, entry, error, attempts, now));
            list.add(entry.id(), at, now);
            count = list.size();
            return at;
        } catch (Throwable t) {
            throw ChronicleFiles.writeFailure("could not write to the dead-letter journal in " + dir, t);
        } finally {
            lock.unlock();
            expired(dropped); // dropped for good even when the dead letter itself could not be written
        }
    }

    /**
     * Drops the oldest dead letters so that one more (with {@code id}) fits within maxDeadLetters;
     * none when {@code id} is listed already (the new one replaces it). Returns how many were dropped.
     */
    private int makeRoomFor(String id, long now) {
        int excess = list.size() + 1 - settings.maxDeadLetters();
        if (excess <= 0 || list.contains(id)) {
            return 0;
        }
        long through = list.positionOfNth(excess);
        ChronicleFiles.append(appender, b -> EntryCodec.writeExpired(b, through, now));
        int dropped = list.dropThrough(through);
        droppedByCountSinceSweep += dropped;
        count = list.size();
        return dropped;
    }

    /** Counts {@code n} dead letters dropped by retention and tells the listener. */
    private void expired(long n) {
        if (n > 0) {
            expired.addAndGet(n);
            settings.deadLettersExpired().accept(n);
        }
    }

    /** See {@link AsyncJournal#deadLetterPage}. */
    Optional<DeadLetterPage> page(String after, int limit) {
        lock.lock();
        try {
            checkOpen();
            long from = -1;
            if (after != null) {
                from = list.cursorPosition(after);
                if (from < 0) {
                    return Optional.empty();
                }
            }
            List<DeadLetterSummary> page = new ArrayList<>(Math.min(limit, list.size()));
            String next = null;
            for (Map.Entry<Long, DeadLetterList.Live> e : list.after(from).entrySet()) {
                if (page.size() == limit) {
                    next = page.get(page.size() - 1).id();
                    break;
                }
                long at = e.getKey();
                page.add(readAt(at, b -> EntryCodec.readDeadSummary(b, at)));
            }
            return Optional.of(new DeadLetterPage(page, next, list.size()));
        } finally {
            lock.unlock();
        }
    }

    /** Every listed dead letter with its whole entry, oldest first. */
    List<DeadLetter> all() {
        lock.lock();
        try {
            checkOpen();
            List<DeadLetter> all = new ArrayList<>(list.size());
            for (long at : list.after(-1).keySet()) {
                all.add(readAt(at, b -> EntryCodec.readDead(b, at)));
            }
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** How many dead letters are listed. Does not block. */
    int count() {
        return count;
    }

    /** How many dead letters retention dropped since the log was opened (at open included). */
    long expiredCount() {
        return expired.get();
    }

    /** Reads the record at {@code position} with {@code read}; under the lock. */
    private <T> T readAt(long position, Function<Bytes<?>, T> read) {
        if (!reader.moveToIndex(position)) {
            throw new JournalException("the dead letter at index " + position + " is missing from " + queue.file());
        }
        try (DocumentContext dc = reader.readingDocument()) {
            if (!dc.isPresent() || dc.index() != position) {
                throw new JournalException("the dead letter at index " + position + " is missing from " + queue.file());
            }
            return read.apply(dc.wire().bytes());
        }
    }

    /**
     * Replays the listed dead letter {@code id}: hands it to {@code requeue} (which appends it to the
     * input log again), then records the replay and takes it off the list. Empty when it is not listed.
     */
    Optional<AcceptResult> replay(String id, Function<DeadLetter, AcceptResult> requeue) {
        lock.lock();
        try {
            checkOpen();
            long at = list.position(id);
            return at < 0 ? Optional.empty() : Optional.of(replayLocked(at, requeue));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replays the oldest listed dead letters, at most {@code max}, taking the lock for each one in turn
     * (a worker dead-lettering meanwhile waits for one replay at most).
     */
    ReplayBatch replayOldest(int max, Function<DeadLetter, AcceptResult> requeue) {
        List<AcceptResult> done = new ArrayList<>(Math.min(max, count));
        while (done.size() < max) {
            lock.lock();
            try {
                checkOpen();
                if (list.isEmpty()) {
                    break;
                }
                done.add(replayLocked(list.firstPosition(), requeue));
            } finally {
                lock.unlock();
            }
        }
        return new ReplayBatch(done, count);
    }

    private AcceptResult replayLocked(long at, Function<DeadLetter, AcceptResult> requeue) {
        DeadLetter d = readAt(at, b -> EntryCodec.readDead(b, at));
        // requeued first: a crash in between replays it twice rather than losing it
        AcceptResult r = requeue.apply(d);
        String id = d.entry().id();
        long now = settings.clock().getAsLong();
        ChronicleFiles.append(appender, b -> EntryCodec.writeReplayed(b, id, now));
        list.remove(id);
        count = list.size();
        return r;
    }

    /**
     * Rebuilds the list from the log, as it was written: a dead letter is listed, replaces an earlier
     * one with its id, leaves with its replay or with an {@code expired} record that covers it. Reads
     * only the head of each record (kind, time, id). The list never holds more than maxDeadLetters:
     * beyond that (the limit was lowered) the oldest are dropped, and the first sweep records it. A
     * dead letter dropped here that a later {@code expired} record covers was dropped before this
     * start already, and is not counted again.
     */
    private void rebuild() {
        long started = System.nanoTime();
        long records = 0;
        PositionQueue trimmed = new PositionQueue(); // dropped here, not yet covered by an expired record
        try (ExcerptTailer t = queue.createTailer()) {
            while (true) {
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    records++;
                    EntryCodec.DeadRecordHead h =
                            EntryCodec.readDeadHead(dc.wire().bytes());
                    switch (h.kind()) {
                        case EntryCodec.DEAD -> {
                            list.add(h.id(), dc.index(), h.atMillis());
                            if (list.size() > settings.maxDeadLetters()) {
                                long first = list.firstPosition();
                                list.dropThrough(first);
                                trimmed.add(first);
                            }
                        }
                        case EntryCodec.REPLAYED -> list.remove(h.id());
                        default -> { // EXPIRED
                            list.dropThrough(h.throughPosition());
                            trimmed.removeThrough(h.throughPosition()); // dropped for good before this start
                        }
                    }
                } catch (RuntimeException e) {
                    // never silently: that dead letter (or its replay) is not known any more
                    log.error("unreadable dead-letter record in {} passed over: {}", dir, e.toString());
                }
            }
        }
        int dropped = trimmed.size();
        if (dropped > 0) {
            unrecordedDropThrough = trimmed.last();
        }
        droppedByCountSinceSweep += dropped;
        count = list.size();
        expired(dropped);
        if (records > 0) {
            log.info(
                    "dead-letter list of {} rebuilt from {} record(s) in {} ms: {} listed",
                    dir,
                    records,
                    (System.nanoTime() - started) / 1_000_000,
                    count);
        }
    }

    /** Positions in increasing order: added at the end, removed from the front. */
    private static final class PositionQueue {
        private long[] positions = new long[16];
        private int head;
        private int tail;

        void add(long position) {
            if (tail == positions.length) {
                int n = tail - head;
                long[] room = n * 2 > positions.length ? new long[positions.length * 2] : positions;
                System.arraycopy(positions, head, room, 0, n);
                positions = room;
                head = 0;
                tail = n;
            }
            positions[tail++] = position;
        }

        void removeThrough(long position) {
            while (head < tail && positions[head] <= position) {
                head++;
            }
        }

        int size() {
            return tail - head;
        }

        long last() {
            return positions[tail - 1];
        }
    }

    /**
     * Drops the dead letters dead-lettered before {@code cutoffMillis} (from the oldest on, up to the
     * first younger one), records the drops with an {@code expired} record, and logs at INFO what this
     * sweep and the maxDeadLetters drops since the last sweep removed from the list.
     */
    void sweep(long cutoffMillis) {
        long now = settings.clock().getAsLong();
        int byAge = 0;
        long byCount;
        lock.lock();
        try {
            checkOpen();
            long through = Math.max(unrecordedDropThrough, list.lastPositionDeadBefore(cutoffMillis));
            if (through >= 0) {
                ChronicleFiles.append(appender, b -> EntryCodec.writeExpired(b, through, now));
                unrecordedDropThrough = -1;
                byAge = list.dropThrough(through);
                count = list.size();
            }
            byCount = droppedByCountSinceSweep;
            droppedByCountSinceSweep = 0;
        } catch (Throwable t) {
            throw ChronicleFiles.writeFailure("could not write to the dead-letter journal in " + dir, t);
        } finally {
            lock.unlock();
        }
        expired(byAge);
        if (byAge + byCount > 0) {
            log.info(
                    "dead-letter retention dropped {} dead letter(s) from the list in {}: {} older than "
                            + "deadLetterRetention {}, {} beyond maxDeadLetters {}; {} listed",
                    byAge + byCount,
                    dir,
                    byAge,
                    settings.deadLetterRetention(),
                    byCount,
                    settings.maxDeadLetters(),
                    count);
        }
    }

    /**
     * Deletes the cycle files that hold no listed dead letter: every cycle before the one of the
     * oldest listed (every cycle when none is), except the cycle being written. A replayed or expired
     * dead letter thus stays on disk until its cycle has ended and every dead letter before the oldest
     * listed one is in earlier cycles.
     */
    void deleteUnlistedCycles(List<Path> deleted) {
        lock.lock();
        try {
            checkOpen();
            long first = list.firstPosition();
            int below = first < 0 ? Integer.MAX_VALUE : settings.rollCycle().toCycle(first);
            ChronicleFiles.deleteCycles(queue, settings.rollCycle(), below, Long.MAX_VALUE, deleted);
        } finally {
            lock.unlock();
        }
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
            ChronicleFiles.closeQuietly(appender, reader, queue);
        } finally {
            lock.unlock();
        }
    }
}
