package io.nucleon.trigger.async;

import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.core.worker.Responses;
import io.nucleon.spi.AsyncIntake;
import io.nucleon.spi.AsyncOptions;
import io.nucleon.spi.AsyncRequest;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Durations;
import io.nucleon.spi.Outcome;
import java.nio.charset.StandardCharsets;
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
 * process with exponential backoff up to {@code maxRetries}, then dead-lettered; either way its
 * status is recorded, it is marked done, and its callback (if any) is sent.
 *
 * <p>A journal that cannot be opened at start (unwritable directory …) does not stop the trigger:
 * async calls get 503 naming the cause, and opening is tried again at most every 5 s.
 */
final class JournalIntake implements AsyncIntake {
    private static final Logger LOG = LoggerFactory.getLogger(JournalIntake.class);
    private static final long REOPEN_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String triggerName;
    private final String triggerKind;
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

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    JournalIntake(String triggerName, String triggerKind, AsyncOptions options, Dispatcher dispatcher) {
        this.triggerName = triggerName;
        this.triggerKind = triggerKind;
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

    private Response unavailableResponse(String why) {
        refused.incrementAndGet();
        return Responses.error(503, "async journal unavailable", null,
                "the call was not accepted: " + (why != null ? why : "the journal in " + options.directory + " is not open"));
    }

    // ---------------------------------------------------------------------------------- accept

    @Override
    public Response accept(AsyncRequest r) {
        if (r.callbackUrl() != null && !CallbackSender.valid(r.callbackUrl())) {
            return Responses.error(400, "bad request", null, "X-Callback-Url must be an absolute http or https URL");
        }
        AsyncJournal j = journal();
        if (j == null) {
            return unavailableResponse(unavailable);
        }
        AcceptResult a;
        try {
            a = j.append(r);
        } catch (JournalException e) {
            LOG.atError().addKeyValue("trigger", triggerName).log("async call not accepted: " + e.getMessage());
            return unavailableResponse(e.getMessage());
        }
        accepted.incrementAndGet();
        String statusUrl = prefix + "/status/" + a.id();
        // {"id":"<id>","status":"<statusUrl>"}, written by hand: the id is a UUID and the prefix was
        // JSON-escaped once, so nothing here needs escaping (Jackson cost more than the append)
        String json = "{\"id\":\"" + a.id() + "\",\"status\":\"" + jsonPrefix + "/status/" + a.id() + "\"}";
        return Response.status(202).header("Location", statusUrl).contentType(Response.APPLICATION_JSON)
                .body(json.getBytes(StandardCharsets.UTF_8)).build();
    }

    // ---------------------------------------------------------------------------------- endpoints

    @Override
    public Response control(String method, String path, boolean loopback) {
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
            return Responses.error(403, "forbidden", null, "the dead-letter endpoints answer only loopback addresses");
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
                return Responses.error(404, "not found", null, "use GET " + prefix + "/dead-letters, POST "
                        + prefix + "/dead-letters/<id>/replay or POST " + prefix + "/dead-letters/replay-all");
            }
            String id = rest.substring(0, rest.length() - "/replay".length());
            Optional<AcceptResult> replayed = j.replay(id);
            if (replayed.isEmpty()) {
                return Responses.error(404, "not found", null, "no dead letter with id " + id);
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
            return Responses.error(404, "not found", null, "no async call with id " + id
                    + " (unknown, or its result is older than resultRetention)");
        }
        StatusRecord s = found.get();
        if (s.state() == InvocationState.SUCCEEDED) {
            return Response.status(200).contentType(s.contentType())
                    .header("X-Nucleon-State", "succeeded")
                    .header("X-Nucleon-Attempts", Integer.toString(s.attempts()))
                    .body(s.result()).build();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("state", s.state().name().toLowerCase(Locale.ROOT));
        m.put("attempts", s.attempts());
        if (s.updatedAtMillis() > 0) { // not known for a call that is simply waiting or running
            m.put("updatedAt", Instant.ofEpochMilli(s.updatedAtMillis()).toString());
        }
        if (s.error() != null) {
            m.put("error", s.error());
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
        while (dispatching && !closed) {
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
            try {
                Optional<StatusRecord> st = !rec.tracked() ? Optional.empty() : j.status(rec.entry().id());
                if (st.isPresent() && st.get().state().terminal()) {
                    // finished before a restart, not committed then: do not run it twice
                    skipped.incrementAndGet();
                    j.markDone(rec.index());
                    permits.release();
                    continue;
                }
            } catch (RuntimeException e) {
                LOG.atWarn().addKeyValue("trigger", triggerName).log("status of " + rec.entry().id() + " unreadable, running it: " + e);
            }
            new Run(j, rec).dispatchFromTail();
        }
        dispatcher.endBatch();
    }

    /** One journal entry in flight: dispatched, retried, then finished. Holds one permit until finished. */
    private final class Run implements Completion {
        private final AsyncJournal j;
        private final JournalRecord rec;
        private final JournalEvent event;
        private int tries;

        Run(AsyncJournal j, JournalRecord rec) {
            this.j = j;
            this.rec = rec;
            this.event = new JournalEvent(rec.entry(), triggerName, triggerKind);
        }

        /** The first attempt, from the tail thread, in its current batch. */
        void dispatchFromTail() {
            tries++;
            dispatcher.dispatchBatched(event, this);
        }

        /** A retry, from the timer thread. */
        void dispatch() {
            if (closed || !dispatching) {
                permits.release(); // not marked done: handed out again after a restart
                return;
            }
            tries++;
            dispatcher.dispatch(event, this);
        }

        private void later(Duration delay) {
            try {
                timer.schedule(this::dispatch, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
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
                int attempts = entry.attempts() + tries;
                if (outcome == Outcome.SUCCESS && response.status() < 500) {
                    j.succeeded(entry.id(), attempts, response.contentType(), response.body());
                    succeeded.incrementAndGet();
                    finish(entry, "succeeded", response);
                    return;
                }
                String why = describe(outcome, response, error);
                if (tries <= options.maxRetries && !closed) {
                    retried.incrementAndGet();
                    Duration d = Durations.backoff(options.retryDelay, options.maxRetryDelay, tries);
                    LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", entry.id())
                            .log("async call failed (" + why + "), attempt " + attempts + ", retrying in " + Durations.format(d));
                    later(d);
                    return;
                }
                j.deadLetter(entry.withAttempts(attempts), why, attempts);
                failed.incrementAndGet();
                LOG.atError().addKeyValue("trigger", triggerName).addKeyValue("eventId", entry.id())
                        .log("async call failed after " + attempts + " attempt(s), dead-lettered: " + why);
                finish(entry, "failed", response);
            } catch (RuntimeException e) {
                // the journal is closing or failing: leave the entry unfinished, it comes again after a restart
                LOG.atWarn().addKeyValue("trigger", triggerName).addKeyValue("eventId", entry.id())
                        .log("async call outcome not recorded (" + e + "); it is handed out again after a restart");
                permits.release();
            }
        }

        private void finish(JournalEntry entry, String state, Response response) {
            try {
                j.markDone(rec.index());
            } finally {
                permits.release();
            }
            if (entry.callbackUrl() != null) {
                callbacks.send(entry.callbackUrl(), entry.id(), state, response);
            }
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
        callbacks.close();
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
        m.put("inFlight", maxInFlight - permits.availablePermits());
        m.put("accepted", accepted.get());
        m.put("refused", refused.get());
        m.put("succeeded", succeeded.get());
        m.put("failed", failed.get());
        m.put("retried", retried.get());
        m.put("skippedAlreadyFinished", skipped.get());
        m.put("callbacksDelivered", callbacks.delivered.get());
        m.put("callbacksFailed", callbacks.failed.get());
        return m;
    }
}
