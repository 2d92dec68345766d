package io.nucleon.async.journal;

import io.nucleon.spi.Durations;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the callbacks ({@code X-Callback-Url}) of finished async calls, within two bounds, so that
 * a slow or dead receiver holds back nobody else's callbacks and never the handling of calls:
 * <ul>
 *   <li><b>per host</b> ({@code callbackMaxPerHost}): callbacks held in memory for one
 *       scheme://host:port, each sending or waiting for its retry (so also connections to it);</li>
 *   <li><b>in memory</b> ({@code callbackMaxPending}): callbacks held in memory in all.</li>
 * </ul>
 * A callback that cannot start now is <em>owed</em>: its outcome is already in the journal (the entry
 * stays un-done there), and only its input index is kept here, in its host's queue (8 bytes). As room
 * frees, the sender's thread reads owed callbacks back from the journal ({@link Backlog#owed}): the
 * oldest first within a host, the hosts in turn (so one host's backlog does not starve another's).
 * After a restart, every entry still owing its callback is handed to {@link #submit} again.
 *
 * <p>Each attempt is one {@link CallbackClient} request with its total deadline; a 2xx delivers.
 * Otherwise it is retried after {@code Durations.backoff(retryDelay, maxRetryDelay, n)} up to
 * {@code callbackMaxAttempts} attempts, then given up. An address rule's refusal is given up at once.
 * The end of a callback is handed to {@link Backlog#finished} (which records it in the journal, then
 * marks the entry done), on the sender's thread.
 *
 * <p>Threads: {@link #submit} from any thread, never blocking; attempts on the client's event loop;
 * journal reads and writes ({@link Backlog}) on the sender's own thread
 * ({@code nucleon-async-callbacks-<trigger>}), never on an event loop.
 */
final class CallbackSender {
    private static final Logger LOG = LoggerFactory.getLogger(CallbackSender.class);

    /**
     * One callback: where to send it, for which call, and the handler's last response.
     *
     * @param statusCode the handler's HTTP status (500/504 for a handler error or timeout)
     */
    record Callback(
            String url, String eventId, InvocationState state, int statusCode, String contentType, byte[] body) {}

    /** Where owed callbacks are read back from and finished ones recorded: the journal. Called on the sender's thread. */
    interface Backlog {
        /**
         * The callback the entry at {@code index} still owes, read back from the journal; null when it
         * owes none any more (the backlog has dealt with it: marked it done, or run it again because
         * its outcome expired).
         */
        Callback owed(long index);

        /** The callback of the entry at {@code index} is finished: record it, then mark the entry done. */
        void finished(long index, Callback callback, CallbackState state, CallbackFailure why);
    }

    /** What the sender counts. */
    interface Counters {
        void refused(CallbackFailure rule);

        void timedOut();
    }

    /** The callbacks waiting and held for one scheme://host:port. Guarded by {@link #lock}. */
    private static final class Host {
        final String key;
        final IndexQueue owed = new IndexQueue();
        int held;
        boolean ready;

        Host(String key) {
            this.key = key;
        }
    }

    /** A callback held in memory, from its first attempt until it is finished. */
    private record Held(long index, Callback callback, CallbackAddressRules.Target target, Host host) {}

    private record Finished(Held held, CallbackState state, CallbackFailure why) {}

    private final String triggerName;
    private final CallbackClient client;
    private final Backlog backlog;
    private final Counters counters;
    private final int maxAttempts;
    private final int maxHeld;
    private final int maxPerHost;
    private final Duration firstDelay;
    private final Duration maxDelay;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Map<String, Host> hosts = new HashMap<>();
    /** Hosts with callbacks owed and room for one more, in turn. */
    private final ArrayDeque<Host> ready = new ArrayDeque<>();

    private int held;
    private long owed;
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    /** Requests outstanding. */
    private final AtomicInteger sending = new AtomicInteger();

    private volatile int heldNow;
    private volatile long owedNow;
    private volatile boolean closing;
    private volatile boolean stopped;
    private final Thread thread;

    CallbackSender(
            String triggerName,
            CallbackClient client,
            Backlog backlog,
            Counters counters,
            int maxAttempts,
            int maxHeld,
            int maxPerHost,
            Duration firstDelay,
            Duration maxDelay) {
        this.triggerName = triggerName;
        this.client = client;
        this.backlog = backlog;
        this.counters = counters;
        this.maxAttempts = maxAttempts;
        this.maxHeld = maxHeld;
        this.maxPerHost = maxPerHost;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
        this.thread = new Thread(this::run, "nucleon-async-callbacks-" + triggerName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Callbacks held in memory: being sent, or waiting for a retry. */
    int pending() {
        return heldNow;
    }

    /** Callbacks owed: waiting in the journal for room. */
    long owed() {
        return owedNow;
    }

    /**
     * The callback of the finished entry at {@code index}: started now when its host and the
     * memory bound have room and nothing older is owed to that host; otherwise owed (its body is
     * dropped here, it is read back from the journal later). Any thread; never blocks.
     */
    void submit(long index, Callback c) {
        CallbackAddressRules.Target target;
        try {
            target = CallbackAddressRules.parse(c.url());
        } catch (IllegalArgumentException bad) {
            // accepted before the URL rules were this strict: given up, with the reason recorded
            LOG.atError()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("eventId", c.eventId())
                    .log("callback not sent: its URL " + bad.getMessage());
            finished.add(
                    new Finished(new Held(index, c, null, null), CallbackState.FAILED, CallbackFailure.INVALID_URL));
            signal();
            return;
        }
        Held h;
        lock.lock();
        try {
            if (closing) {
                return; // left in the journal: sent at the next start
            }
            Host host = hosts.computeIfAbsent(target.hostKey(), Host::new);
            if (host.owed.isEmpty() && host.held < maxPerHost && held < maxHeld) {
                host.held++;
                held++;
                heldNow = held;
                h = new Held(index, c, target, host);
            } else {
                host.owed.add(index);
                owedNow = ++owed;
                makeReady(host);
                work.signal();
                return;
            }
        } finally {
            lock.unlock();
        }
        attempt(h, 1);
    }

    /** Puts {@code host} in turn when it has callbacks owed and room. Under {@link #lock}. */
    private void makeReady(Host host) {
        if (!host.ready && !host.owed.isEmpty() && host.held < maxPerHost) {
            host.ready = true;
            ready.add(host);
        }
    }

    /** A callback held for {@code host} is finished (or left): its room is free. Under {@link #lock}. */
    private void release(Host host) {
        host.held--;
        held--;
        heldNow = held;
        makeReady(host);
        if (host.held == 0 && host.owed.isEmpty() && !host.ready) {
            hosts.remove(host.key);
        }
    }

    private void signal() {
        lock.lock();
        try {
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------- the sender's thread

    private void run() {
        while (true) {
            Finished f;
            while ((f = finished.poll()) != null) {
                record(f);
            }
            if (stopped) {
                return;
            }
            Host host = null;
            long index = 0;
            lock.lock();
            try {
                if (!closing && held < maxHeld) {
                    host = ready.poll();
                }
                if (host == null) {
                    if (finished.isEmpty() && !stopped) {
                        work.await(1, TimeUnit.SECONDS);
                    }
                    continue;
                }
                host.ready = false;
                index = host.owed.poll();
                owedNow = --owed;
                host.held++;
                held++;
                heldNow = held;
                makeReady(host);
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            startOwed(host, index);
        }
    }

    /** Reads the callback owed by the entry at {@code index} back from the journal and starts it (its room is taken). */
    private void startOwed(Host host, long index) {
        Callback c = null;
        try {
            c = backlog.owed(index);
        } catch (RuntimeException e) {
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .log("callback owed by journal index " + index + " could not be read (" + e
                            + "); it is sent after a restart");
        }
        CallbackAddressRules.Target target = null;
        if (c != null) {
            try {
                target = CallbackAddressRules.parse(c.url());
            } catch (IllegalArgumentException bad) {
                record(new Finished(new Held(index, c, null, host), CallbackState.FAILED, CallbackFailure.INVALID_URL));
                return;
            }
        }
        if (c == null) {
            lock.lock();
            try {
                release(host);
            } finally {
                lock.unlock();
            }
            return;
        }
        attempt(new Held(index, c, target, host), 1);
    }

    /** Records a finished callback in the journal (then its entry is done) and frees its room. */
    private void record(Finished f) {
        Held h = f.held();
        try {
            backlog.finished(h.index(), h.callback(), f.state(), f.why());
        } catch (RuntimeException e) {
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("eventId", h.callback().eventId())
                    .log("callback " + f.state().name().toLowerCase(Locale.ROOT) + " but not recorded (" + e
                            + "); it is sent again after a restart");
        }
        if (h.host() != null) {
            lock.lock();
            try {
                release(h.host());
            } finally {
                lock.unlock();
            }
        }
    }

    // ---------------------------------------------------------------------------------- attempts

    private void attempt(Held h, int attempt) {
        if (closing) {
            leave(h);
            return;
        }
        Callback c = h.callback();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Nucleon-Event-Id", c.eventId());
        headers.put("X-Nucleon-Status", Integer.toString(c.statusCode()));
        headers.put("X-Nucleon-State", c.state().name().toLowerCase(Locale.ROOT));
        sending.incrementAndGet();
        client.send(h.target(), headers, c.contentType(), c.body() != null ? c.body() : new byte[0])
                .whenComplete((r, error) -> {
                    sending.decrementAndGet();
                    if (error != null) {
                        r = new CallbackClient.Result(
                                0, CallbackFailure.CONNECTION_FAILED, CallbackClient.describe(error));
                    }
                    answered(h, attempt, r);
                });
    }

    /** The end of one attempt, on the client's event loop: deliver, retry or give up. */
    private void answered(Held h, int attempt, CallbackClient.Result r) {
        String eventId = h.callback().eventId();
        if (r.delivered()) {
            finish(h, CallbackState.DELIVERED, CallbackFailure.NONE);
            return;
        }
        CallbackFailure why = r.failure();
        if (why.refusal()) {
            counters.refused(why);
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("eventId", eventId)
                    .log("callback to " + h.target().where() + " " + why.label() + " (" + r.detail() + "); given up");
            finish(h, CallbackState.FAILED, why);
            return;
        }
        if (why == CallbackFailure.TIMEOUT) {
            counters.timedOut();
        }
        if (closing) {
            leave(h); // not given up: sent again at the next start
            return;
        }
        if (attempt >= maxAttempts) {
            LOG.atError()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("eventId", eventId)
                    .log("callback to " + h.target().where() + " failed after " + attempt + " attempt(s), giving up: "
                            + why.label() + " (" + r.detail() + ")");
            finish(h, CallbackState.FAILED, why);
            return;
        }
        Duration d = Durations.backoff(firstDelay, maxDelay, attempt);
        LOG.atWarn()
                .addKeyValue("trigger", triggerName)
                .addKeyValue("eventId", eventId)
                .log("callback to " + h.target().where() + " failed (" + why.label() + ": " + r.detail() + "), attempt "
                        + attempt + " of " + maxAttempts + ", retrying in " + Durations.format(d));
        if (!client.schedule(d, () -> attempt(h, attempt + 1))) {
            leave(h);
        }
    }

    private void finish(Held h, CallbackState state, CallbackFailure why) {
        finished.add(new Finished(h, state, why));
        signal();
    }

    /** Closing: the callback is left un-finished in the journal (sent at the next start). */
    private void leave(Held h) {
        lock.lock();
        try {
            release(h.host());
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------- close

    /**
     * Stops sending: no new attempt starts, owed callbacks stay owed, and a callback whose attempt
     * fails is left as it is (not given up). Waits up to {@code grace} for the requests outstanding
     * to be answered (a delivery is then still recorded), then stops the sender's thread and the
     * client. Returns how many callbacks are left unfinished in the journal.
     */
    int close(Duration grace) {
        closing = true;
        signal();
        long deadline = System.nanoTime() + grace.toNanos();
        while (sending.get() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        stopped = true; // the thread records what finished so far, then ends (the journal is still open)
        signal();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, held + owed);
        } finally {
            lock.unlock();
        }
    }

    /** A growable ring of journal indexes, oldest first. Not thread-safe (used under the sender's lock). */
    static final class IndexQueue {
        private static final int MIN = 8;
        private long[] ring = new long[MIN];
        private int head;
        private int size;

        boolean isEmpty() {
            return size == 0;
        }

        int size() {
            return size;
        }

        void add(long index) {
            if (size == ring.length) {
                resize(ring.length * 2);
            }
            ring[(head + size) & (ring.length - 1)] = index;
            size++;
        }

        /** Removes and returns the oldest; only when not empty. */
        long poll() {
            long v = ring[head];
            head = (head + 1) & (ring.length - 1);
            size--;
            if (ring.length > MIN && size < ring.length / 4) {
                resize(ring.length / 2); // a drained backlog gives its memory back
            }
            return v;
        }

        private void resize(int capacity) {
            long[] n = new long[capacity];
            for (int i = 0; i < size; i++) {
                n[i] = ring[(head + i) & (ring.length - 1)];
            }
            ring = n;
            head = 0;
        }
    }
}
