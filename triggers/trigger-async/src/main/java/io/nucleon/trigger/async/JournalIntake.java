package io.nucleon.trigger.async;

import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.ErrorResponses;
import io.nucleon.spi.AsyncIntake;
import io.nucleon.spi.AsyncOptions;
import io.nucleon.spi.AsyncRequest;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Durations;
import io.nucleon.spi.Outcome;
import java.nio.charset.StandardCharsets;
import io.nucleon.spi.TriggerContext;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal-backed {@link AsyncIntake}: {@link #accept} appends to an {@link AsyncJournal} and
 * answers 202 once the append returned (503 when it cannot); one tail thread polls the journal and
 * dispatches each entry to the trigger's workers, at most {@code maxInFlight} at a time (the journal
 * is the buffer, not memory). An entry that fails (5xx, handler error, timeout) is retried in this
 * process with exponential backoff up to {@code maxRetries}, then dead-lettered; each failed attempt
 * that is retried is recorded, so that after a restart the count goes on. Either way its outcome is
 * recorded and its dispatch permit released; an entry without a callback URL is then marked done.
 *
 * <p>Callbacks are at least once: an entry with a callback URL is marked done only once its callback
 * is finished (delivered, or given up after {@code callbackMaxAttempts}) and that is recorded. An
 * entry handed out again after a restart whose outcome was recorded is not run again; its callback
 * is sent again from the recorded outcome unless it was recorded finished. While
 * {@code callbackMaxPending} callbacks are pending, no further entry is dispatched. On close,
 * callbacks not finished are left in the journal for the next start.
 *
 * <p>A journal that cannot be opened at start (unwritable directory …) does not stop the trigger:
 * async calls get 503 naming the cause, and opening is tried again at most every 5 s.
 */
final class JournalIntake implements AsyncIntake {
    private static final Logger LOG = LoggerFactory.getLogger(JournalIntake.class);
    private static final long REOPEN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long {@link #close} waits at most for callback requests already sent to be answered. */
    private static final Duration CALLBACK_CLOSE_GRACE = Duration.ofSeconds(5);

    private final String triggerName;
    private final String triggerKind;
    private final AsyncMetrics metrics;
    private final AsyncOptions options;
    private final Dispatcher dispatcher;
    private final String prefix;
    private final String jsonPrefix;
    private final int maxInFlight;
    private final Semaphore permits;
    private final ScheduledExecutorService timer;
    private final CallbackSender callbacks;

    private final Object openLock = new Object();
    private volatile AsyncJournal journal;
    private volatile String unavailable;
    private long lastOpenAttempt;
    private Thread tail;
    private volatile boolean dispatching = true;
    private volatile boolean closed;

    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong callbacksResent = new AtomicLong();

    JournalIntake(TriggerContext trigger, AsyncOptions options, Dispatcher dispatcher) {
        this.triggerName = trigger.name();
        this.triggerKind = trigger.kind();
        this.options = options;
        this.dispatcher = dispatcher;
        this.prefix = options.pathPrefix == null ? "" : options.pathPrefix;
        this.jsonPrefix = jsonEscape(prefix);
        this.maxInFlight = options.maxInFlight > 0 ? options.maxInFlight : Math.max(1, dispatcher.numWorkers() * 2);
        this.permits = new Semaphore(maxInFlight);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nucleon-async-retry-" + triggerName);
            t.setDaemon(true);
            return t;
        });
        this.callbacks = new CallbackSender(triggerName, options.callbackMaxAttempts, options.retryDelay,
                options.maxRetryDelay, options.callbackTimeout);
        this.metrics = new AsyncMetrics(trigger.meterRegistry(), trigger.functionName(), triggerName, triggerKind,
                this::inFlight, callbacks::pending);
        journal();
    }

    // ---------------------------------------------------------------------------------- journal

    /** The open journal, opening it when it is not (at most every 5 s); null when it cannot be opened. */
    private AsyncJournal journal() {
        AsyncJournal j = journal;
        if (j != null) {
            return j;
        }
        synchronized (openLock) {
            if (journal != null || closed) {
                return journal;
            }
            long now = System.nanoTime();
            if (lastOpenAttempt != 0 && now - lastOpenAttempt < REOPEN_NANOS) {
                return null;
            }
            lastOpenAttempt = now;
            try {
                j = AsyncJournal.builder(Path.of(options.directory))
                        .rollCycle(options.rollCycle)
                        .retention(options.retention)
                        .resultRetention(options.resultRetention)
                        .syncOnAppend(options.syncOnAppend)
                        .open();
            } catch (RuntimeException | LinkageError e) {
                unavailable = e.getMessage() != null ? e.getMessage() : e.toString();
                LOG.atError().addKeyValue("trigger", triggerName).addKeyValue("directory", options.directory)
                        .log("async journal cannot be opened, async calls get 503 until it can: " + unavailable);
                return null;
            }
            journal = j;
            unavailable = null;
            if (dispatching) {
                AsyncJournal opened = j;
                tail = new Thread(() -> tailLoop(opened), "nucleon-async-" + triggerName);
                tail.setDaemon(true);
                tail.start();
            }
            LOG.atInfo().addKeyValue("trigger", triggerName).addKeyValue("directory", j.directory().toString())
                    .addKeyValue("maxInFlight", maxInFlight).log("async journal open");
            return j;
        }
    }

    /** An async call not accepted: counted as refused. */
    private Response refuse(String why) {
        metrics.refused.increment();
        return unavailableResponse(why);
    }

    private Response unavailableResponse(String why) {
        return ErrorResponses.error(503, "async journal unavailable", null,
                "the call was not accepted: " + (why != null ? why : "the journal in " + options.directory + " is not open"));
    }

    // ---------------------------------------------------------------------------------- accept

    @Override
    public Response accept(AsyncRequest r) {
        if (r.callbackUrl() != null && !CallbackSender.valid(r.callbackUrl())) {
            return ErrorResponses.error(400, "bad request", null, "X-Callback-Url must be an absolute http or https URL");
        }
        AsyncJournal j = journal();
        if (j == null) {
            return refuse(unavailable);
        }
        AcceptResult a;
        try {
            a = j.append(r);
        } catch (JournalException e) {
            LOG.atError().addKeyValue("trigger", triggerName).log("async call not accepted: " + e.getMessage());
            return refuse(e.getMessage());
        }
        metrics.accepted.increment();
        String statusUrl = prefix + "/status/" + a.id();
        // {"id":"<id>","status":"<statusUrl>"}, written by hand: the id is a UUID and the prefix was
        // JSON-escaped once, so nothing here needs escaping (Jackson cost more than the append)
        String json = "{\"id\":\"" + a.id() + "\",\"status\":\"" + jsonPrefix + "/status/" + a.id() + "\"}";
        return Response.status(202).header("Location", statusUrl).contentType(Response.APPLICATION_JSON)
                .body(json.getBytes(StandardCharsets.UTF_8)).build();
    }

    // ---------------------------------------------------------------------------------- endpoints

    @Override
    public java.util.concurrent.CompletionStage<Response> control(String method, String path, String query, boolean loopback) {
        Response r = answer(method, path, loopback);
        return r == null ? null : java.util.concurrent.CompletableFuture.completedFuture(r);
    }

    private Response answer(String method, String path, boolean loopback) {
        if (path.startsWith("/status/")) {
            String id = path.substring("/status/".length());
            if (id.isEmpty() || id.indexOf('/') >= 0) {
                return null;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                return methodNotAllowed("GET");
            }
            return statusOf(id);
        }
        if (!path.equals("/dead-letters") && !path.startsWith("/dead-letters/")) {
            return null;
        }
        if (options.deadLettersLoopbackOnly && !loopback) {
            return ErrorResponses.error(403, "forbidden", null, "the dead-letter endpoints answer only loopback addresses");
        }
        AsyncJournal j = journal();
        if (j == null) {
            return unavailableResponse(unavailable);
        }
        try {
            if (path.equals("/dead-letters")) {
                if (!method.equals("GET")) {
                    return methodNotAllowed("GET");
                }
                List<Map<String, Object>> list = new ArrayList<>();
                for (DeadLetter d : j.listDeadLetters()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", d.entry().id());
                    m.put("method", d.entry().method());
                    m.put("path", d.entry().path());
                    m.put("attempts", d.attempts());
                    m.put("error", d.error());
                    m.put("deadAt", Instant.ofEpochMilli(d.deadAtMillis()).toString());
                    m.put("receivedAt", Instant.ofEpochMilli(d.entry().receivedAtMillis()).toString());
                    list.add(m);
                }
                return Response.status(200).jsonBody(list).build();
            }
            if (!method.equals("POST")) {
                return methodNotAllowed("POST");
            }
            if (path.equals("/dead-letters/replay-all")) {
                List<String> ids = j.replayAll().stream().map(AcceptResult::id).toList();
                return Response.status(202).jsonBody(Map.of("replayed", ids)).build();
            }
            String rest = path.substring("/dead-letters/".length());
            if (!rest.endsWith("/replay") || rest.length() == "/replay".length()) {
                return ErrorResponses.error(404, "not found", null, "use GET " + prefix + "/dead-letters, POST "
                        + prefix + "/dead-letters/<id>/replay or POST " + prefix + "/dead-letters/replay-all");
            }
            String id = rest.substring(0, rest.length() - "/replay".length());
            Optional<AcceptResult> replayed = j.replay(id);
            if (replayed.isEmpty()) {
                return ErrorResponses.error(404, "not found", null, "no dead letter with id " + id);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", id);
            body.put("status", prefix + "/status/" + id);
            return Response.status(202).jsonBody(body).build();
        } catch (JournalException e) {
            return unavailableResponse(e.getMessage());
        }
    }

    private Response statusOf(String id) {
        AsyncJournal j = journal();
        if (j == null) {
            return unavailableResponse(unavailable);
        }
        Optional<StatusRecord> found;
        try {
            found = j.status(id);
        } catch (JournalException e) {
            return unavailableResponse(e.getMessage());
        }
        if (found.isEmpty()) {
            return ErrorResponses.error(404, "not found", null, "no async call with id " + id
                    + " (unknown, or its result is older than resultRetention)");
        }
        StatusRecord s = found.get();
        String callback = s.callback() == CallbackState.NONE ? null : s.callback().name().toLowerCase(Locale.ROOT);
        if (s.state() == InvocationState.SUCCEEDED) {
            Response.Builder b = Response.status(200).contentType(s.contentType())
                    .header("X-Nucleon-State", "succeeded")
                    .header("X-Nucleon-Status", Integer.toString(s.statusCode()))
                    .header("X-Nucleon-Attempts", Integer.toString(s.attempts()));
            if (callback != null) {
                b.header("X-Nucleon-Callback", callback);
            }
            return b.body(s.result()).build();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("state", s.state().name().toLowerCase(Locale.ROOT));
        m.put("attempts", s.attempts());
        if (s.updatedAtMillis() > 0) { // not known for a call that is simply waiting or running
            m.put("updatedAt", Instant.ofEpochMilli(s.updatedAtMillis()).toString());
        }
        if (s.statusCode() > 0) {
            m.put("statusCode", s.statusCode());
        }
        if (s.error() != null) {
            m.put("error", s.error());
        }
        if (callback != null) {
            m.put("callback", callback);
        }
        return Response.status(200).header("X-Nucleon-State", s.state().name().toLowerCase(Locale.ROOT)).jsonBody(m).build();
    }

    /** {@code s} as the inside of a JSON string. */
    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s, b);
        return b.toString();
    }

    private static Response methodNotAllowed(String allowed) {
        return Response.builder().status(405).header("Allow", allowed).contentType(Response.APPLICATION_JSON)
                .body(("{\"error\":\"method not allowed\",\"message\":\"use " + allowed + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .build();
    }

    // ---------------------------------------------------------------------------------- dispatch

    private void tailLoop(AsyncJournal j) {
        long idleNanos = 50_000;
        boolean callbacksFull = false;
        while (dispatching && !closed) {
            if (callbacks.pending() >= options.callbackMaxPending) {
                // the journal holds the backlog, not memory: wait until callbacks finish
                if (!callbacksFull) {
                    callbacksFull = true;
                    LOG.atWarn().addKeyValue("trigger", triggerName).log(callbacks.pending()
                            + " callbacks pending (callbackMaxPending): no async call is dispatched until some finish");
                }
                dispatcher.endBatch();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                continue;
            }
            if (callbacksFull) {
                callbacksFull = false;
                LOG.atInfo().addKeyValue("trigger", triggerName).log("callbacks below callbackMaxPending: dispatching again");
            }
            // a run of entries is handed over as one batch: idle workers are woken once per run
            if (!permits.tryAcquire()) {
                dispatcher.endBatch();
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    return;
                }
            }
            JournalRecord rec;
            try {
                rec = j.poll();
            } catch (RuntimeException e) {
                permits.release();
                dispatcher.endBatch();
                if (closed || !dispatching) {
                    return;
                }
                LOG.atError().addKeyValue("trigger", triggerName).log("async journal poll failed: " + e);
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                continue;
            }
            if (rec == null) {
                permits.release();
                dispatcher.endBatch();
                LockSupport.parkNanos(idleNanos);
                idleNanos = Math.min(idleNanos * 2, 10_000_000L); // up to 10 ms while idle
                continue;
            }
            idleNanos = 50_000;
            StatusRecord st = null;
            try {
                // only an entry from before this start, or a replay, can have a status already
                st = rec.tracked() ? j.status(rec.entry().id()).orElse(null) : null;
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("trigger", triggerName).log("status of " + rec.entry().id() + " unreadable, running it: " + e);
            }
            if (st != null && st.state().terminal()) {
                // finished before a restart, not committed then: do not run it twice
                finishedBefore(j, rec, st);
                continue;
            }
            new Run(j, rec, st != null ? st.attempts() : 0).dispatchFromTail();
        }
    }

    /**
     * An entry handed out again whose outcome was recorded before a restart: its callback is sent
     * again from the recorded outcome when it has one not recorded finished; otherwise it is marked done.
     */
    private void finishedBefore(AsyncJournal j, JournalRecord rec, StatusRecord st) {
        skipped.incrementAndGet();
        JournalEntry e = rec.entry();
        try {
            if (e.callbackUrl() != null && st.callback() == CallbackState.PENDING) {
                callbacksResent.incrementAndGet();
                sendCallback(j, rec, new CallbackSender.Callback(e.callbackUrl(), e.id(), st.state(), st.statusCode(),
                        st.contentType(), st.result()));
            } else {
                j.markDone(rec.index());
            }
        } catch (RuntimeException ex) {
            LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", e.id())
                    .log("async call finished before a restart not marked done (" + ex + "); it is handed out again after a restart");
        } finally {
            permits.release();
        }
        dispatcher.endBatch();
    }

    /**
     * Sends the callback of the finished entry at {@code rec}. Once the callback is finished it is
     * recorded, and only then is the entry marked done: a crash before that sends it again.
     */
    private void sendCallback(AsyncJournal j, JournalRecord rec, CallbackSender.Callback callback) {
        callbacks.send(callback, result -> {
            (result == CallbackState.DELIVERED ? metrics.callbacksDelivered : metrics.callbacksFailed).increment();
            try {
                j.callbackFinished(callback.eventId(), result);
                j.markDone(rec.index());
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", callback.eventId())
                        .log("callback " + result.name().toLowerCase(Locale.ROOT) + " but not recorded (" + e
                                + "); it is sent again after a restart");
            }
        });
    }

    /**
     * One journal entry in flight: dispatched, retried, then finished. Holds one permit until its
     * outcome is recorded (not while its callback is sent). Its methods run one after the other.
     */
    private final class Run implements Completion {
        private final AsyncJournal j;
        private final JournalRecord rec;
        private final JournalEvent event;
        /** Attempts made before this process took the entry (recorded before a restart). */
        private final int before;
        private int tries;
        private boolean holdsPermit = true;

        Run(AsyncJournal j, JournalRecord rec, int attemptsBefore) {
            this.j = j;
            this.rec = rec;
            this.event = new JournalEvent(rec.entry(), triggerName, triggerKind);
            this.before = Math.max(rec.entry().attempts(), attemptsBefore);
        }

        /** The first attempt, from the tail thread, in its current batch. */
        void dispatchFromTail() {
            tries++;
            dispatcher.dispatchBatched(event, this);
        }

        /** A retry, from the timer thread. */
        void dispatch() {
            if (closed || !dispatching) {
                releasePermit(); // not marked done: handed out again after a restart
                return;
            }
            tries++;
            dispatcher.dispatch(event, this);
        }

        private void later(Duration delay) {
            try {
                timer.schedule(this::dispatch, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                releasePermit(); // closing: handed out again after a restart
            }
        }

        private void releasePermit() {
            if (holdsPermit) {
                holdsPermit = false;
                permits.release();
            }
        }

        @Override
        public void complete(Event ev, Outcome outcome, Response response, Throwable error) {
            JournalEntry entry = rec.entry();
            try {
                if (outcome == Outcome.REJECTED) {
                    // no worker took it (or stopping): not an attempt of the handler; try again later
                    tries--;
                    later(options.retryDelay);
                    return;
                }
                int attempts = before + tries;
                if (outcome == Outcome.SUCCESS && response.status() < 500) {
                    j.succeeded(entry, attempts, response.status(), response.contentType(), response.body());
                    metrics.succeeded.increment();
                    finish(InvocationState.SUCCEEDED, response);
                    return;
                }
                String why = describe(outcome, response, error);
                if (attempts <= options.maxRetries) {
                    // recorded, so that after a restart the count goes on from here (failures only)
                    j.attemptFailed(entry.id(), attempts, why);
                    metrics.retries.increment();
                    Duration d = Durations.backoff(options.retryDelay, options.maxRetryDelay, attempts);
                    LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", entry.id())
                            .log("async call failed (" + why + "), attempt " + attempts + ", retrying in " + Durations.format(d));
                    later(d);
                    return;
                }
                j.deadLetter(entry.withAttempts(attempts), why, attempts, response.status(), response.contentType(),
                        response.body());
                metrics.failed.increment();
                LOG.atError().addKeyValue("trigger", triggerName).addKeyValue("eventId", entry.id())
                        .log("async call failed after " + attempts + " attempt(s), dead-lettered: " + why);
                finish(InvocationState.FAILED, response);
            } catch (RuntimeException e) {
                // the journal is closing or failing: leave the entry unfinished, it comes again after a restart
                LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", entry.id())
                        .log("async call outcome not recorded (" + e + "); it is handed out again after a restart");
                releasePermit();
            }
        }

        /**
         * The outcome is recorded: frees the permit. Without a callback URL the entry is marked done;
         * with one it stays un-done until its callback is finished, so that slow callbacks hold
         * neither a worker nor a permit.
         */
        private void finish(InvocationState state, Response response) {
            JournalEntry entry = rec.entry();
            if (entry.callbackUrl() == null) {
                try {
                    j.markDone(rec.index());
                } finally {
                    releasePermit();
                }
                return;
            }
            releasePermit();
            sendCallback(j, rec, new CallbackSender.Callback(entry.callbackUrl(), entry.id(), state, response.status(),
                    response.contentType(), response.body()));
        }
    }

    private static String describe(Outcome outcome, Response response, Throwable error) {
        return switch (outcome) {
            case HANDLER_ERROR -> "handler error: " + (error != null ? error.toString() : "status " + response.status());
            case TIMEOUT -> "timeout: status " + response.status();
            default -> "status " + response.status() + ": " + truncate(response.bodyAsString(), 200);
        };
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    // ---------------------------------------------------------------------------------- lifecycle

    @Override
    public void stopDispatching() {
        dispatching = false;
    }

    @Override
    public void close() {
        dispatching = false;
        Thread t;
        synchronized (openLock) {
            closed = true;
            t = tail;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        timer.shutdownNow();
        // callbacks not finished stay un-done in the journal and are sent again at the next start
        Duration grace = options.callbackTimeout.compareTo(CALLBACK_CLOSE_GRACE) < 0 ? options.callbackTimeout : CALLBACK_CLOSE_GRACE;
        int left = callbacks.close(grace);
        if (left > 0) {
            LOG.atInfo().addKeyValue("trigger", triggerName).log(left
                    + " callback(s) not finished at close stay in the journal; they are sent again at the next start");
        }
        AsyncJournal j = journal;
        if (j != null) {
            j.close();
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        AsyncJournal j = journal;
        m.put("directory", options.directory);
        m.put("open", j != null);
        if (j == null && unavailable != null) {
            m.put("unavailable", unavailable);
        }
        m.put("maxInFlight", maxInFlight);
        m.put("inFlight", inFlight());
        m.put("accepted", AsyncMetrics.count(metrics.accepted));
        m.put("refused", AsyncMetrics.count(metrics.refused));
        m.put("succeeded", AsyncMetrics.count(metrics.succeeded));
        m.put("failed", AsyncMetrics.count(metrics.failed));
        m.put("retried", AsyncMetrics.count(metrics.retries));
        m.put("skippedAlreadyFinished", skipped.get());
        m.put("callbacksDelivered", AsyncMetrics.count(metrics.callbacksDelivered));
        m.put("callbacksFailed", AsyncMetrics.count(metrics.callbacksFailed));
        m.put("callbacksPending", callbacks.pending());
        m.put("callbacksResent", callbacksResent.get());
        return m;
    }

    /** Entries handed to the workers whose outcome is not yet recorded. */
    private int inFlight() {
        return maxInFlight - permits.availablePermits();
    }
}
