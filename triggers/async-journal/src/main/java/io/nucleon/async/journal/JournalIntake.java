package io.nucleon.async.journal;

import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.AdminRequest;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.Durations;
import io.nucleon.spi.ErrorResponses;
import io.nucleon.spi.Outcome;
import io.nucleon.spi.TriggerContext;
import io.nucleon.trigger.http.async.AsyncIntake;
import io.nucleon.trigger.http.async.AsyncOptions;
import io.nucleon.trigger.http.async.AsyncRequest;
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
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
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
 * is finished (delivered, or given up) and that is recorded. An entry handed out again after a
 * restart whose outcome was recorded is not run again; its callback is sent again from the recorded
 * outcome unless it was recorded finished. Callbacks never hold back dispatch: those that cannot be
 * started now ({@code callbackMaxPending}, {@code callbackMaxPerHost}) are owed in the journal and
 * read back by the {@link CallbackSender} as room frees (this class is its {@link CallbackSender.Backlog}).
 * A callback URL is checked when the call is accepted ({@link CallbackAddressRules}: 400 naming the
 * rule) and each address again when the callback connects. On close, callbacks not finished are left
 * in the journal for the next start.
 *
 * <p>A journal that cannot be opened at start (unwritable directory …) does not stop the trigger:
 * async calls get 503 naming the cause, and opening is tried again at most every 5 s.
 *
 * <p>What callers see: {@link #accept} and {@code /status/<id>} on the trigger's port. A failure is
 * shown as a short class and an error id ({@link FailureNote}); exception texts, tracebacks, paths and
 * disk figures go to the log under that id only. Listing and replaying dead letters concern every
 * caller's calls, so they are not on the trigger's port at all: they are admin endpoints on the
 * control server ({@code /triggers/<trigger>/dead-letters…}), which listens on loopback by default
 * and asks for its token beyond it.
 *
 * <p>Threads: {@link #accept} and {@code /status/<id>} are answered on the caller's (I/O) thread:
 * an append, a memory-mapped lookup. The dead-letter endpoints (listing, replay, replay-all) read
 * and write the dead-letter journal under its lock, so they are answered on the intake's own
 * control thread ({@code nucleon-async-control-<trigger>}), one request at a time, with at most
 * {@value #CONTROL_QUEUE} waiting; beyond that they get 503 with {@code Retry-After} at once.
 */
final class JournalIntake implements AsyncIntake, CallbackSender.Backlog {
    private static final Logger LOG = LoggerFactory.getLogger(JournalIntake.class);
    private static final long REOPEN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long {@link #close} waits at most for callback requests already sent to be answered. */
    private static final Duration CALLBACK_CLOSE_GRACE = Duration.ofSeconds(5);
    /** Dead-letter requests waiting for the control thread at most; beyond, they are answered 503. */
    static final int CONTROL_QUEUE = 16;
    /** The page size of the dead-letter listing when {@code limit} is not given, and its largest. */
    static final int PAGE_DEFAULT = 100;

    static final int PAGE_MAX = 1000;
    /** How many dead letters one replay-all replays when {@code limit} is not given, and at most. */
    static final int REPLAY_ALL_DEFAULT = 1000;

    static final int REPLAY_ALL_MAX = 10_000;
    private static final Set<String> LIST_PARAMETERS = Set.of("limit", "after");
    private static final Set<String> REPLAY_ALL_PARAMETERS = Set.of("limit");

    /**
     * For tests: when set, called on the control thread with the endpoint's path before each
     * dead-letter request is answered (it may block, to hold the control thread).
     */
    static volatile Consumer<String> beforeControlAnswer;

    private final String triggerName;
    private final String triggerKind;
    private final AsyncMetrics metrics;
    private final AsyncOptions options;
    private final Dispatcher dispatcher;
    private final String prefix;
    private final String jsonPrefix;
    private final int maxInFlight;
    /** {@code async.batchSize}: how many calls a handler that takes batches gets at once. */
    private final int batchSize;

    private final Semaphore permits;
    private final ScheduledExecutorService timer;
    private final CallbackAddressRules callbackRules;
    private final CallbackSender callbacks;
    /** Answers the dead-letter endpoints: one thread, a bounded queue (see the class comment). */
    private final ThreadPoolExecutor control;

    private final Object openLock = new Object();
    private volatile AsyncJournal journal;
    private volatile String unavailable;
    private volatile RuntimeException unavailableCause;
    private long lastOpenAttempt;
    private Thread tail;
    private volatile boolean dispatching = true;
    private volatile boolean closed;

    /** Why the journal is unavailable now, under one error id, logged once per cause and 10 s. */
    private final Incidents incidents;
    /** {@code options.journalDropHeaders}, lower-cased. */
    private final Set<String> droppedHeaders;

    private final String adminPath;

    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong callbacksResent = new AtomicLong();

    JournalIntake(
            TriggerContext trigger, AsyncOptions options, Dispatcher dispatcher, CallbackAddressRules callbackRules) {
        this.triggerName = trigger.name();
        this.triggerKind = trigger.kind();
        this.options = options;
        this.dispatcher = dispatcher;
        this.prefix = options.pathPrefix == null ? "" : options.pathPrefix;
        this.jsonPrefix = jsonEscape(prefix);
        this.maxInFlight = options.maxInFlight > 0 ? options.maxInFlight : Math.max(1, dispatcher.numWorkers() * 2);
        this.permits = new Semaphore(maxInFlight);
        this.batchSize = options.batchSize;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nucleon-async-retry-" + triggerName);
            t.setDaemon(true);
            return t;
        });
        this.callbackRules = callbackRules;
        this.metrics = new AsyncMetrics(
                trigger.meterRegistry(),
                trigger.functionName(),
                triggerName,
                triggerKind,
                this::inFlight,
                this::callbacksPending,
                this::callbacksOwed,
                this::deadLetterCount);
        this.callbacks = new CallbackSender(
                triggerName,
                new CallbackClient(triggerName, callbackRules, options.callbackTimeout),
                this,
                new CallbackSender.Counters() {
                    @Override
                    public void refused(CallbackFailure rule) {
                        metrics.callbackRefused(rule, false);
                    }

                    @Override
                    public void timedOut() {
                        metrics.callbackTimeouts.increment();
                    }
                },
                options.callbackMaxAttempts,
                options.callbackMaxPending,
                options.callbackMaxPerHost,
                options.retryDelay,
                options.maxRetryDelay);
        this.control = new ThreadPoolExecutor(
                1,
                1,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(CONTROL_QUEUE),
                r -> {
                    Thread t = new Thread(r, "nucleon-async-control-" + triggerName);
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        control.allowCoreThreadTimeOut(true); // no thread while the endpoints are not used
        this.incidents = new Incidents(LOG, triggerName);
        Set<String> drop = new java.util.HashSet<>();
        options.journalDropHeaders.forEach(h -> drop.add(h.toLowerCase(Locale.ROOT)));
        this.droppedHeaders = Set.copyOf(drop);
        this.adminPath = "/triggers/" + triggerName + "/dead-letters";
        trigger.adminEndpoint("/dead-letters/", Set.of("GET", "POST"), this::admin);
        journal();
        if (journal == null && unavailableCause instanceof JournalNotPrivateException notPrivate) {
            close();
            throw new IllegalStateException("trigger '" + triggerName + "': " + notPrivate.getMessage(), notPrivate);
        }
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
                        .deadLetterRetention(options.deadLetterRetention)
                        .maxDeadLetters(options.maxDeadLetters)
                        .onDeadLettersExpired(metrics.deadLettersExpired::increment)
                        .open();
            } catch (RuntimeException | LinkageError e) {
                unavailable = e.getMessage() != null ? e.getMessage() : e.toString();
                unavailableCause = e instanceof RuntimeException r ? r : null;
                LOG.atError()
                        .addKeyValue("trigger", triggerName)
                        .addKeyValue("directory", options.directory)
                        .log("async journal cannot be opened, async calls get 503 until it can: " + unavailable);
                return null;
            }
            journal = j;
            unavailable = null;
            unavailableCause = null;
            if (dispatching) {
                AsyncJournal opened = j;
                tail = new Thread(() -> tailLoop(opened), "nucleon-async-" + triggerName);
                tail.setDaemon(true);
                tail.start();
            }
            LOG.atInfo()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("directory", j.directory().toString())
                    .addKeyValue("maxInFlight", maxInFlight)
                    .log("async journal open");
            return j;
        }
    }

    /** An async call not accepted: counted as refused. */
    private Response refuse(String why) {
        metrics.refused.increment();
        return unavailableResponse(why);
    }

    /**
     * A 503 for a journal that cannot be used now. The caller learns that and an error id; the cause
     * (which names paths and disk figures) goes to the log under that id, once per cause and 10 s.
     */
    private Response unavailableResponse(String why) {
        String errorId = incidents.idFor(why != null ? why : "the journal in " + options.directory + " is not open");
        return Response.status(503)
                .contentType(Response.APPLICATION_JSON)
                .header(ErrorResponses.RETRY_AFTER, "5")
                .body(ErrorResponses.body(
                        "async journal unavailable",
                        errorId,
                        "the journal cannot take or read calls now; see the processor's log for this error id"))
                .build();
    }

    // ---------------------------------------------------------------------------------- accept

    @Override
    public Response accept(AsyncRequest r) {
        if (r.callbackUrl() != null) {
            Response refused = checkCallbackUrl(r.callbackUrl());
            if (refused != null) {
                return refused;
            }
        }
        AsyncJournal j = journal();
        if (j == null) {
            return refuse(unavailable);
        }
        AcceptResult a;
        try {
            a = j.append(withoutDroppedHeaders(r));
        } catch (JournalException e) {
            return refuse(e.getMessage()); // logged under the answer's error id
        }
        metrics.accepted.increment();
        String statusUrl = prefix + "/status/" + a.id();
        // {"id":"<id>","status":"<statusUrl>"}, written by hand: the id is a UUID and the prefix was
        // JSON-escaped once, so nothing here needs escaping (Jackson cost more than the append)
        String json = "{\"id\":\"" + a.id() + "\",\"status\":\"" + jsonPrefix + "/status/" + a.id() + "\"}";
        return Response.status(202)
                .header("Location", statusUrl)
                .contentType(Response.APPLICATION_JSON)
                .body(json.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    /** {@code r} without the headers named by {@code journalDropHeaders}: credentials never rest in the journal. */
    private AsyncRequest withoutDroppedHeaders(AsyncRequest r) {
        if (droppedHeaders.isEmpty() || r.headers() == null) {
            return r;
        }
        boolean any = false;
        for (String name : r.headers().keySet()) {
            if (droppedHeaders.contains(name.toLowerCase(Locale.ROOT))) {
                any = true;
                break;
            }
        }
        if (!any) {
            return r;
        }
        Map<String, String> kept = new LinkedHashMap<>();
        r.headers().forEach((k, v) -> {
            if (!droppedHeaders.contains(k.toLowerCase(Locale.ROOT))) {
                kept.put(k, v);
            }
        });
        return new AsyncRequest(
                r.method(),
                r.path(),
                r.url(),
                kept,
                r.fields(),
                r.contentType(),
                r.body(),
                r.callbackUrl(),
                r.receivedAtMillis());
    }

    /**
     * The accept-time check of a callback URL: null when it may be journaled; otherwise 400 saying
     * what is wrong with it, or which address rule refuses it (a literal address; a name's addresses
     * are checked when the callback connects).
     */
    private Response checkCallbackUrl(String url) {
        CallbackFailure refused;
        try {
            refused = callbackRules.checkUrl(CallbackAddressRules.parse(url));
        } catch (IllegalArgumentException bad) {
            return ErrorResponses.error(400, "bad request", null, "X-Callback-Url " + bad.getMessage());
        }
        if (refused == CallbackFailure.NONE) {
            return null;
        }
        metrics.callbackRefused(refused, true);
        return ErrorResponses.error(
                400,
                "bad request",
                null,
                "X-Callback-Url " + refused.label()
                        + (callbackRules.restricted()
                                ? ""
                                : " (callbacks go to public addresses unless callbackAllowedHosts lists others)"));
    }

    // ---------------------------------------------------------------------------------- endpoints

    /**
     * The admin endpoint on the control server: {@code GET …/dead-letters},
     * {@code POST …/dead-letters/<id>/replay} and {@code POST …/dead-letters/replay-all}.
     */
    private CompletionStage<Response> admin(AdminRequest r) {
        String path = r.path().equals("/") ? "/dead-letters" : "/dead-letters" + r.path();
        try {
            return deadLetters(r.method(), path, r.query());
        } catch (IllegalArgumentException badQuery) {
            return CompletableFuture.completedFuture(
                    ErrorResponses.error(400, "bad request", null, badQuery.getMessage()));
        }
    }

    /**
     * {@code /status/<id>} is answered at once (a completed stage). Under {@code /dead-letters} a
     * caller learns only that those endpoints are not on this port (they are admin endpoints, see
     * {@link #admin}); nothing there is served to callers, whatever their address.
     */
    @Override
    public CompletionStage<Response> control(String method, String path, String query) {
        if (path.startsWith("/status/")) {
            String id = path.substring("/status/".length());
            if (id.isEmpty() || id.indexOf('/') >= 0) {
                return null;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                return CompletableFuture.completedFuture(methodNotAllowed("GET"));
            }
            return CompletableFuture.completedFuture(statusOf(id));
        }
        if (!path.equals("/dead-letters") && !path.startsWith("/dead-letters/")) {
            return null;
        }
        return CompletableFuture.completedFuture(ErrorResponses.error(
                404,
                "not found",
                null,
                "dead letters are listed and replayed on the processor's control server, not on this port"));
    }

    /**
     * A dead-letter endpoint request ({@code path} from {@code /dead-letters}), checked here (method,
     * query: 405 and 400 at once) and answered on the control thread, or 503 with {@code Retry-After}
     * at once when {@value #CONTROL_QUEUE} requests wait for it already.
     */
    private CompletionStage<Response> deadLetters(String method, String path, String query) {
        if (path.equals("/dead-letters")) {
            if (!method.equals("GET")) {
                return CompletableFuture.completedFuture(methodNotAllowed("GET"));
            }
            QueryParameters q = QueryParameters.parse(query, LIST_PARAMETERS);
            int limit = q.intValue("limit", PAGE_DEFAULT, 1, PAGE_MAX);
            String after = q.get("after");
            if (after != null && after.isEmpty()) {
                throw new IllegalArgumentException(
                        "after must be the id of a dead letter (the \"next\" of the previous page), got ''");
            }
            return onControlThread(path, j -> listPage(j, after, limit));
        }
        if (!method.equals("POST")) {
            return CompletableFuture.completedFuture(methodNotAllowed("POST"));
        }
        if (path.equals("/dead-letters/replay-all")) {
            int limit = QueryParameters.parse(query, REPLAY_ALL_PARAMETERS)
                    .intValue("limit", REPLAY_ALL_DEFAULT, 1, REPLAY_ALL_MAX);
            return onControlThread(path, j -> {
                ReplayBatch b = j.replayAll(limit);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("replayed", b.replayed().stream().map(AcceptResult::id).toList());
                body.put("count", b.replayed().size());
                body.put("remaining", b.remaining());
                return Response.status(202).jsonBody(body).build();
            });
        }
        String rest = path.substring("/dead-letters/".length());
        if (!rest.endsWith("/replay") || rest.length() == "/replay".length()) {
            return CompletableFuture.completedFuture(ErrorResponses.error(
                    404,
                    "not found",
                    null,
                    "use GET " + adminPath + ", POST " + adminPath + "/<id>/replay or POST " + adminPath
                            + "/replay-all"));
        }
        String id = rest.substring(0, rest.length() - "/replay".length());
        return onControlThread(path, j -> {
            if (j.replay(id).isEmpty()) {
                return ErrorResponses.error(404, "not found", null, "no dead letter with id " + id);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", id);
            body.put("status", prefix + "/status/" + id);
            return Response.status(202).jsonBody(body).build();
        });
    }

    private static Response listPage(AsyncJournal j, String after, int limit) {
        Optional<DeadLetterPage> found = j.deadLetterPage(after, limit);
        if (found.isEmpty()) {
            return ErrorResponses.error(
                    400,
                    "bad request",
                    null,
                    "after: no dead letter with id '" + QueryParameters.shown(after)
                            + "' is listed, nor left the list recently (replayed or expired); list again without after");
        }
        DeadLetterPage page = found.get();
        List<Map<String, Object>> list = new ArrayList<>(page.deadLetters().size());
        for (DeadLetterSummary d : page.deadLetters()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", d.id());
            m.put("method", d.method());
            m.put("path", d.path());
            m.put("attempts", d.attempts());
            putFailure(m, d.error());
            m.put("deadAt", Instant.ofEpochMilli(d.deadAtMillis()).toString());
            m.put("receivedAt", Instant.ofEpochMilli(d.receivedAtMillis()).toString());
            list.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deadLetters", list);
        body.put("next", page.next());
        body.put("total", page.total());
        return Response.status(200).jsonBody(body).build();
    }

    /**
     * Runs {@code work} on the control thread with the open journal and completes the returned
     * stage with its answer (503 when the journal is not open or fails); a stage completed with 503
     * and {@code Retry-After} at once when the control queue is full.
     */
    private CompletionStage<Response> onControlThread(String path, Function<AsyncJournal, Response> work) {
        ControlTask task = new ControlTask(path, work);
        try {
            control.execute(task);
        } catch (RejectedExecutionException full) {
            if (closed || control.isShutdown()) {
                return CompletableFuture.completedFuture(unavailableResponse("the trigger is stopping"));
            }
            return CompletableFuture.completedFuture(ErrorResponses.overloaded(
                    "dead-letter endpoints busy",
                    CONTROL_QUEUE + " dead-letter requests are waiting already; try again later",
                    1));
        }
        return task.answer;
    }

    /** One dead-letter request for the control thread; its answer completes exactly once. */
    private final class ControlTask implements Runnable {
        final String path;
        final Function<AsyncJournal, Response> work;
        final CompletableFuture<Response> answer = new CompletableFuture<>();

        ControlTask(String path, Function<AsyncJournal, Response> work) {
            this.path = path;
            this.work = work;
        }

        @Override
        public void run() {
            try {
                Consumer<String> hook = beforeControlAnswer;
                if (hook != null) {
                    hook.accept(path);
                }
                AsyncJournal j = journal();
                answer.complete(j == null ? unavailableResponse(unavailable) : work.apply(j));
            } catch (JournalException e) {
                answer.complete(unavailableResponse(e.getMessage()));
            } catch (Throwable t) {
                answer.completeExceptionally(t); // the trigger answers 500 with an error id, and logs it
            }
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
            return ErrorResponses.error(
                    404,
                    "not found",
                    null,
                    "no async call with id " + id + " (unknown, or its result is older than resultRetention)");
        }
        StatusRecord s = found.get();
        String callback =
                s.callback() == CallbackState.NONE ? null : s.callback().name().toLowerCase(Locale.ROOT);
        if (s.state() == InvocationState.SUCCEEDED) {
            Response.Builder b = Response.status(200)
                    .contentType(s.contentType())
                    .header("X-Nucleon-State", "succeeded")
                    .header("X-Nucleon-Status", Integer.toString(s.statusCode()))
                    .header("X-Nucleon-Attempts", Integer.toString(s.attempts()));
            if (callback != null) {
                b.header("X-Nucleon-Callback", callback);
            }
            if (s.callbackFailure() != CallbackFailure.NONE) {
                b.header("X-Nucleon-Callback-Error", s.callbackFailure().label());
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
        putFailure(m, s.error());
        if (callback != null) {
            m.put("callback", callback);
        }
        if (s.callbackFailure() != CallbackFailure.NONE) {
            m.put("callbackError", s.callbackFailure().label());
        }
        return Response.status(200)
                .header("X-Nucleon-State", s.state().name().toLowerCase(Locale.ROOT))
                .jsonBody(m)
                .build();
    }

    /** Adds {@code error} (the failure class) and {@code errorId} of a stored error field, if any. */
    private static void putFailure(Map<String, Object> m, String storedError) {
        FailureNote note = FailureNote.decode(storedError);
        if (note != null) {
            m.put("error", note.failure());
            if (note.errorId() != null) {
                m.put("errorId", note.errorId());
            }
        }
    }

    /** {@code s} as the inside of a JSON string. */
    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s, b);
        return b.toString();
    }

    /** The dead letters listed now; 0 while the journal is not open. */
    private int deadLetterCount() {
        AsyncJournal j = journal;
        return j == null ? 0 : j.deadLetterCount();
    }

    private static Response methodNotAllowed(String allowed) {
        return Response.builder()
                .status(405)
                .header("Allow", allowed)
                .contentType(Response.APPLICATION_JSON)
                .body(("{\"error\":\"method not allowed\",\"message\":\"use " + allowed + "\"}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .build();
    }

    // ---------------------------------------------------------------------------------- dispatch

    private void tailLoop(AsyncJournal j) {
        long idleNanos = 50_000;
        while (dispatching && !closed) {
            // callbacks do not hold dispatch back: those without room wait in the journal (CallbackSender)
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
                LOG.atWarn()
                        .addKeyValue("trigger", triggerName)
                        .log("status of " + rec.entry().id() + " unreadable, running it: " + e);
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
                sendCallback(
                        j,
                        rec,
                        new CallbackSender.Callback(
                                e.callbackUrl(), e.id(), st.state(), st.statusCode(), st.contentType(), st.result()));
            } else {
                j.markDone(rec.index());
            }
        } catch (RuntimeException ex) {
            LOG.atWarn()
                    .addKeyValue("trigger", triggerName)
                    .addKeyValue("eventId", e.id())
                    .log("async call finished before a restart not marked done (" + ex
                            + "); it is handed out again after a restart");
        } finally {
            permits.release();
        }
        dispatcher.endBatch();
    }

    /**
     * Sends the callback of the finished entry at {@code rec}, now or, without room, later from the
     * journal. Once the callback is finished it is recorded, and only then is the entry marked done
     * ({@link #finished}): a crash before that sends it again.
     */
    private void sendCallback(AsyncJournal j, JournalRecord rec, CallbackSender.Callback callback) {
        callbacks.submit(rec.index(), callback);
    }

    /**
     * {@link CallbackSender.Backlog}: the callback the entry at {@code index} owes, from the journal
     * (the entry for its URL, its recorded outcome for what to send). When the outcome is no longer
     * there (older than {@code resultRetention}) the call is run again and then called back, as after
     * a restart. On the sender's thread.
     */
    @Override
    public CallbackSender.Callback owed(long index) {
        AsyncJournal j = journal;
        if (j == null) {
            return null;
        }
        JournalEntry e = j.entryAt(index).orElse(null);
        if (e == null || e.callbackUrl() == null) {
            LOG.atError()
                    .addKeyValue("trigger", triggerName)
                    .log(
                            "the journal entry at index " + index
                                    + " that owes a callback cannot be read; it stays un-done (handed out again after a restart)");
            return null;
        }
        StatusRecord st = j.status(e.id()).orElse(null);
        if (st != null && st.state().terminal()) {
            if (st.callback() == CallbackState.PENDING) {
                return new CallbackSender.Callback(
                        e.callbackUrl(), e.id(), st.state(), st.statusCode(), st.contentType(), st.result());
            }
            j.markDone(index); // its callback is recorded finished already
            return null;
        }
        LOG.atWarn()
                .addKeyValue("trigger", triggerName)
                .addKeyValue("eventId", e.id())
                .log(
                        "the outcome of an async call whose callback waited longer than resultRetention is gone; running it again");
        // no dispatch permit: a rare case, and the sender's thread must not wait for one
        new Run(j, new JournalRecord(index, e, true), st != null ? st.attempts() : 0, false).dispatch();
        return null;
    }

    /** {@link CallbackSender.Backlog}: records a finished callback, then marks its entry done. On the sender's thread. */
    @Override
    public void finished(long index, CallbackSender.Callback callback, CallbackState state, CallbackFailure why) {
        (state == CallbackState.DELIVERED ? metrics.callbacksDelivered : metrics.callbacksFailed).increment();
        AsyncJournal j = journal;
        if (j == null) {
            return;
        }
        j.callbackFinished(callback.eventId(), state, why);
        j.markDone(index);
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
        private boolean holdsPermit;

        Run(AsyncJournal j, JournalRecord rec, int attemptsBefore) {
            this(j, rec, attemptsBefore, true);
        }

        Run(AsyncJournal j, JournalRecord rec, int attemptsBefore, boolean holdsPermit) {
            this.j = j;
            this.rec = rec;
            this.event = new JournalEvent(rec.entry(), triggerName, triggerKind);
            this.before = Math.max(rec.entry().attempts(), attemptsBefore);
            this.holdsPermit = holdsPermit;
        }

        @Override
        public int batchLimit() {
            return batchSize;
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
                // the caller sees the class and the id; the full text (a traceback, say) only the log
                String why = describe(outcome, response, error);
                FailureNote note = FailureNote.withNewId(failureClass(outcome, response));
                if (attempts <= options.maxRetries) {
                    // recorded, so that after a restart the count goes on from here (failures only)
                    j.attemptFailed(entry.id(), attempts, note.encode());
                    metrics.retries.increment();
                    Duration d = Durations.backoff(options.retryDelay, options.maxRetryDelay, attempts);
                    LOG.atWarn()
                            .addKeyValue("trigger", triggerName)
                            .addKeyValue("eventId", entry.id())
                            .addKeyValue("errorId", note.errorId())
                            .log("async call failed (" + why + "), attempt " + attempts + ", retrying in "
                                    + Durations.format(d));
                    later(d);
                    return;
                }
                j.deadLetter(
                        entry.withAttempts(attempts),
                        note.encode(),
                        attempts,
                        response.status(),
                        response.contentType(),
                        response.body());
                metrics.failed.increment();
                LOG.atError()
                        .addKeyValue("trigger", triggerName)
                        .addKeyValue("eventId", entry.id())
                        .addKeyValue("errorId", note.errorId())
                        .log("async call failed after " + attempts + " attempt(s), dead-lettered: " + why);
                finish(InvocationState.FAILED, response);
            } catch (RuntimeException e) {
                // the journal is closing or failing: leave the entry unfinished, it comes again after a restart
                LOG.atWarn()
                        .addKeyValue("trigger", triggerName)
                        .addKeyValue("eventId", entry.id())
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
            sendCallback(
                    j,
                    rec,
                    new CallbackSender.Callback(
                            entry.callbackUrl(),
                            entry.id(),
                            state,
                            response.status(),
                            response.contentType(),
                            response.body()));
        }
    }

    private static String describe(Outcome outcome, Response response, Throwable error) {
        return switch (outcome) {
            case HANDLER_ERROR ->
                "handler error: " + (error != null ? error.toString() : "status " + response.status());
            case TIMEOUT -> "timeout: status " + response.status();
            default -> "status " + response.status() + ": " + truncate(response.bodyAsString(), 200);
        };
    }

    /** The short class of a failed attempt that callers see: never an exception's text. */
    static String failureClass(Outcome outcome, Response response) {
        return switch (outcome) {
            case HANDLER_ERROR -> "handler error";
            case TIMEOUT -> "timeout";
            default -> "HTTP " + response.status();
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
        stopControlThread();
        // callbacks not finished stay un-done in the journal and are sent again at the next start
        Duration grace = options.callbackTimeout.compareTo(CALLBACK_CLOSE_GRACE) < 0
                ? options.callbackTimeout
                : CALLBACK_CLOSE_GRACE;
        int left = callbacks.close(grace);
        if (left > 0) {
            LOG.atInfo()
                    .addKeyValue("trigger", triggerName)
                    .log(
                            left
                                    + " callback(s) not finished at close stay in the journal; they are sent again at the next start");
        }
        AsyncJournal j = journal;
        if (j != null) {
            j.close();
        }
    }

    /**
     * Answers the dead-letter requests still waiting with 503 and lets the one being answered
     * finish (up to 5 s), so that the journal is not closed under it.
     */
    private void stopControlThread() {
        control.shutdown();
        List<Runnable> waiting = new ArrayList<>();
        control.getQueue().drainTo(waiting);
        for (Runnable r : waiting) {
            ((ControlTask) r).answer.complete(unavailableResponse("the trigger is stopping"));
        }
        try {
            if (!control.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.atWarn()
                        .addKeyValue("trigger", triggerName)
                        .log("a dead-letter request still runs after 5 s; closing the journal under it");
                control.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            control.shutdownNow();
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
        m.put("callbacksOwed", callbacks.owed());
        m.put("callbacksRefused", metrics.callbacksRefused());
        m.put("callbacksTimedOut", AsyncMetrics.count(metrics.callbackTimeouts));
        m.put("callbacksResent", callbacksResent.get());
        m.put("deadLetters", deadLetterCount());
        m.put("deadLettersExpired", AsyncMetrics.count(metrics.deadLettersExpired));
        m.put("deadLetterRequestsWaiting", control.getQueue().size());
        return m;
    }

    private int callbacksPending() {
        CallbackSender c = callbacks;
        return c == null ? 0 : c.pending();
    }

    private long callbacksOwed() {
        CallbackSender c = callbacks;
        return c == null ? 0 : c.owed();
    }

    /** Entries handed to the workers whose outcome is not yet recorded. */
    private int inFlight() {
        return maxInFlight - permits.availablePermits();
    }
}
