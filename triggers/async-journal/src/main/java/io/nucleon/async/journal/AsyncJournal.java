package io.nucleon.async.journal;

import io.nucleon.trigger.http.async.AsyncRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable journal behind asynchronous invocations, on Chronicle Queue: three logs in one
 * directory (created 0700 when missing), kept by one retention.
 *
 * <pre>
 *  append ──▶ {@link InputLog}      input/, processed.pos      poll ──▶ workers ──▶ markDone
 *                                                          │
 *                                    outcome ──▶ {@link StatusLog}     status/, status-index/     ◀── status(id)
 *                                            └─▶ {@link DeadLetterLog} dead-letter/               ◀── list, replay
 *             {@link JournalRetention}: what each log keeps, run at open and every maintenanceInterval
 * </pre>
 *
 * <p>Also in the directory: {@code id.key}, the key that tags the ids of accepted calls
 * ({@link EventIds}). This class joins the logs where a call moves from one to another (an
 * append registers an explicit id's status, a poll marks it running, a dead letter is also a
 * FAILED status, a replay is an append again); each log keeps its own records and locks.
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

    private final JournalSettings settings;
    private final Path dir;
    private final EventIds ids;
    private final InputLog input;
    private final StatusLog statuses;
    private final DeadLetterLog deadLetters;
    private final JournalRetention retention;
    private volatile boolean closed;

    /** Opens (creating when missing) a journal in {@code dir} with the default settings. */
    public static AsyncJournal open(Path dir) {
        return builder(dir).open();
    }

    /** The settings of a journal in {@code dir}, to change some before {@link JournalSettings.Builder#open()}. */
    public static JournalSettings.Builder builder(Path dir) {
        return new JournalSettings.Builder(dir);
    }

    /**
     * Opens (creating when missing) the journal {@code settings} describe: the logs are read back
     * (statuses, the backlog's explicit ids, the dead-letter list), then dead-letter retention runs once.
     *
     * @throws JournalUnavailableException when the directory or a log cannot be opened
     */
    public static AsyncJournal open(JournalSettings settings) {
        ChronicleSetup.prepare();
        return new AsyncJournal(settings);
    }

    private AsyncJournal(JournalSettings s) {
        this.settings = s;
        this.dir = s.directory();
        ChronicleFiles.prepareDirectory(dir);
        List<String> missing = ChronicleSetup.missingJvmFlags();
        if (!missing.isEmpty()) {
            log.warn("Chronicle Queue needs JVM flags that this JVM lacks: {}", String.join(" ", missing));
        }
        EventIds keys = null;
        StatusLog st = null;
        InputLog in = null;
        DeadLetterLog dl = null;
        try {
            keys = EventIds.open(dir);
            st = new StatusLog(s, keys);
            in = new InputLog(s, keys);
            dl = new DeadLetterLog(s);
            in.forEachExplicitIdInBacklog(st::waiting);
        } catch (IOException | RuntimeException | Error e) {
            ChronicleFiles.closeQuietly(st, in, dl);
            String hint = missing.isEmpty()
                    ? ""
                    : " (the JVM lacks flags Chronicle needs: " + String.join(" ", missing) + ")";
            throw new JournalUnavailableException("could not open the journal in " + dir + ": " + e + hint, e);
        }
        this.ids = keys;
        this.statuses = st;
        this.input = in;
        this.deadLetters = dl;
        this.retention = new JournalRetention(s, input, statuses, deadLetters);
        retention.atOpen();
        retention.start();
    }

    // ---------------------------------------------------------------------------------- input

    /**
     * Appends an entry to the input journal. When this returns, the entry is in the journal (and on
     * disk with {@code syncOnAppend}); its status is PENDING.
     *
     * @throws JournalUnavailableException when nothing could be written (closed, disk full, I/O error)
     */
    public AcceptResult append(JournalEntry entry) {
        Objects.requireNonNull(entry, "entry");
        long index = input.append(b -> EntryCodec.writeEntry(b, entry));
        statuses.appended(entry.id(), entry.attempts());
        return new AcceptResult(entry.id(), index, settings.syncOnAppend());
    }

    /**
     * Appends a request as a new entry with no attempts yet, its id derived from its index
     * ({@link EventIds}): the accept path, which writes the trigger's request straight into the
     * journal (no {@link JournalEntry} built, nothing recorded in memory: {@link #status} reads its
     * state off the journal positions).
     *
     * @throws JournalUnavailableException when nothing could be written (closed, disk full, I/O error)
     */
    public AcceptResult append(AsyncRequest request) {
        Objects.requireNonNull(request, "request");
        long index = input.append(b -> EntryCodec.writeRequest(b, request));
        return new AcceptResult(ids.idOf(index), index, settings.syncOnAppend());
    }

    /**
     * The next entry not yet handed out, or null when there is none now. The entry is RUNNING until
     * {@link #succeeded}/{@link #deadLetter}; call {@link #markDone} with its index when finished with
     * it. An entry whose status is already SUCCEEDED/FAILED (finished before a restart, not yet
     * committed) keeps that status: check {@link #status} (and its {@link StatusRecord#callback()})
     * and just {@code markDone} it. An entry with failed attempts recorded ({@link #attemptFailed})
     * keeps their count and last error.
     */
    public JournalRecord poll() {
        InputLog.Polled p = input.poll();
        if (p == null) {
            return null;
        }
        boolean beforeOpen = input.fromBeforeOpen(p.index());
        if (p.derivedId() && beforeOpen && statuses.finalRecorded(p.index())) {
            return new JournalRecord(p.index(), p.entry(), true); // finished before a restart: status() says so
        }
        if (!p.derivedId() || beforeOpen) {
            // an explicit id is tracked on the heap; so are failed attempts recorded before a restart
            statuses.handedOut(p.entry().id(), p.entry().attempts());
            return new JournalRecord(p.index(), p.entry(), true);
        }
        return new JournalRecord(p.index(), p.entry(), false);
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
        return input.entryAt(index);
    }

    /**
     * Marks the entry at {@code index} finished (succeeded, or dead-lettered). May be called in any
     * order from any thread; the durable processed position moves only past a contiguous run of
     * finished entries, so after a restart every entry not marked done is handed out again.
     *
     * @throws IllegalArgumentException if the index was not handed out by {@link #poll()}
     */
    public void markDone(long index) {
        input.markDone(index);
    }

    /** The durable processed position: the index of the last entry committed, or -1. */
    public long processedIndex() {
        return input.processedIndex();
    }

    /** How many entries are handed out and not yet committed. */
    public int inFlight() {
        return input.inFlight();
    }

    // ---------------------------------------------------------------------------------- statuses

    /**
     * Records that {@code entry} succeeded, with the handler's response (kept for
     * {@code resultRetention}). When the entry has a callback URL its callback is PENDING until
     * {@link #callbackFinished}.
     */
    public void succeeded(JournalEntry entry, int attempts, int statusCode, String contentType, byte[] result) {
        statuses.succeeded(entry, attempts, statusCode, contentType, result);
    }

    /**
     * Records that an attempt of {@code id} failed and will be retried: a PENDING status with the
     * attempts made so far and the error. After a restart the entry keeps them (see {@link #poll}),
     * so that a retry limit counts the attempts made before the restart too.
     */
    public void attemptFailed(String id, int attempts, String error) {
        statuses.attemptFailed(id, attempts, error);
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
        statuses.callbackFinished(id, state, why);
    }

    /**
     * The status of {@code id}: PENDING/RUNNING while in the journal (with the attempts made and the
     * last error after a failed attempt), SUCCEEDED/FAILED with the handler's last response and the
     * state of its callback for {@code resultRetention} after that; empty when unknown or expired.
     */
    public Optional<StatusRecord> status(String id) {
        return statuses.status(id, input);
    }

    /** How many ids have a status held on the heap (explicit ids, and failed attempts not finished); for tests. */
    int statusesInMemory() {
        return statuses.inMemory();
    }

    // ---------------------------------------------------------------------------------- dead letters

    /**
     * Writes {@code entry} to the dead-letter journal with its last error, and records it FAILED with
     * the handler's last response ({@code statusCode} 0, {@code contentType} and {@code result} null
     * when there was none); its callback, if it has a URL, is PENDING until {@link #callbackFinished}.
     * The caller still calls {@link #markDone} for the input entry. When {@code maxDeadLetters} are
     * listed already, the oldest is dropped first (an {@code expired} record before the new one).
     */
    public long deadLetter(
            JournalEntry entry, String error, int attempts, int statusCode, String contentType, byte[] result) {
        long at = deadLetters.add(entry, error, attempts);
        statuses.failed(entry, attempts, statusCode, error, contentType, result);
        return at;
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
        return deadLetters.page(after, limit);
    }

    /**
     * Every listed dead letter with its whole entry (body included), oldest first: at most
     * {@code maxDeadLetters} of them, all in memory at once. For tools and tests; the HTTP endpoint
     * pages with {@link #deadLetterPage}.
     */
    public List<DeadLetter> listDeadLetters() {
        return deadLetters.all();
    }

    /** How many dead letters are listed (never more than {@code maxDeadLetters}). Does not block. */
    public int deadLetterCount() {
        return deadLetters.count();
    }

    /** How many dead letters retention dropped since this journal was opened (at open included). */
    public long deadLettersExpired() {
        return deadLetters.expiredCount();
    }

    /**
     * Appends the dead letter {@code id} to the input journal again (attempts reset to 0) and takes
     * it off the list. Empty when there is no such dead letter listed. May block (disk): not on an I/O thread.
     */
    public Optional<AcceptResult> replay(String id) {
        return deadLetters.replay(id, this::requeue);
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
        return deadLetters.replayOldest(max, this::requeue);
    }

    /** A dead letter back in the input log, PENDING with no attempts (also on disk, for a restart). */
    private AcceptResult requeue(DeadLetter d) {
        AcceptResult r = append(d.entry().withAttempts(0));
        statuses.replayed(d.entry().id());
        return r;
    }

    // ---------------------------------------------------------------------------------- retention, close

    /**
     * Deletes input cycle files that are fully processed and older than {@code retention}, status
     * cycle files older than {@code resultRetention}, and expired statuses from memory; drops dead
     * letters older than {@code deadLetterRetention} from the list and deletes the dead-letter cycle
     * files that hold no listed dead letter (see {@link JournalRetention}). Runs every
     * {@code maintenanceInterval} when that is set (and the dead-letter part at open). Returns the
     * files deleted.
     */
    public List<Path> purge() {
        checkOpen();
        return retention.purge();
    }

    public Path directory() {
        return dir;
    }

    public JournalSettings settings() {
        return settings;
    }

    private void checkOpen() {
        if (closed) {
            throw new JournalUnavailableException("the journal in " + dir + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        retention.close();
        // one log at a time, each under its own locks: a replay (dead-letter lock, then the input's
        // and the status log's) never waits for a lock that close holds
        ChronicleFiles.closeQuietly(input, statuses, deadLetters);
    }
}
