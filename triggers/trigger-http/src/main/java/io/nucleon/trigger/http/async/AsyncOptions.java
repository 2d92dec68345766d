package io.nucleon.trigger.http.async;

import java.time.Duration;

/**
 * The {@code async} block of an {@code http} trigger's attributes: makes calls asynchronous
 * (journaled, answered {@code 202 Accepted}, handled later). Bound from {@code function.yaml} with
 * the trigger's other attributes; the journal itself is provided by an {@link AsyncIntakeFactory}
 * (module {@code io.nucleon:nucleon-async-journal}).
 */
public final class AsyncOptions {
    /** The Maven coordinates of the module that implements {@link AsyncIntakeFactory}. */
    public static final String MODULE = "io.nucleon:nucleon-async-journal";

    /** Whether async calls are taken at all. */
    public boolean enabled = false;
    /** Requests whose path starts with this are async (the prefix is stripped from the event's path). */
    public String pathPrefix = "/async";
    /** Requests carrying this header with the value {@code true} are async (path unchanged). */
    public String header = "X-Nucleon-Async";
    /** The journal directory (required when enabled). */
    public String directory;
    /** Retries after the first attempt fails (5xx, handler error, timeout); then the event is dead-lettered. */
    public int maxRetries = 3;
    /** Delay before the first retry; doubled for each further one. */
    public Duration retryDelay = Duration.ofSeconds(1);
    /** Longest delay between retries. */
    public Duration maxRetryDelay = Duration.ofMinutes(1);
    /** How long succeeded/failed results stay readable on the status URL. */
    public Duration resultRetention = Duration.ofHours(1);
    /** Chronicle roll cycle of the journal files, e.g. {@code FAST_HOURLY} (fixed for a directory's life). */
    public String rollCycle = "FAST_HOURLY";
    /** How long fully processed journal files are kept; {@code null} keeps them forever. */
    public Duration retention = Duration.ofDays(1);
    /** Whether every append is forced to disk before the 202 (survives power loss, much slower). */
    public boolean syncOnAppend = false;
    /** Async events handed to the workers at once; 0 means twice the number of workers. */
    public int maxInFlight = 0;
    /** Attempts to deliver a callback ({@code X-Callback-Url}) before giving up. */
    public int callbackMaxAttempts = 4;
    /**
     * The total deadline of one callback attempt: resolving, connecting, sending and reading the
     * whole response (a receiver that trickles its answer is cut off).
     */
    public Duration callbackTimeout = Duration.ofSeconds(10);
    /**
     * Callbacks held in memory at once (being sent, or waiting for a retry). Beyond, a finished
     * call's callback waits in the journal (owed) and is sent as room frees; handling goes on.
     */
    public int callbackMaxPending = 1024;
    /**
     * Callbacks held in memory at once for one receiver (scheme, host and port of the URL): at most
     * this many connections to it; its other callbacks wait in the journal.
     */
    public int callbackMaxPerHost = 8;
    /**
     * Where callbacks may go. Empty (the default): any public address, never loopback, link-local,
     * private, multicast, unspecified or reserved addresses. Otherwise only what is listed: host
     * names ({@code hooks.example.com}), domain suffixes ({@code .example.com}: names under it), and
     * addresses or address blocks ({@code 10.1.0.0/16}, {@code fd00::/8}), which also admit
     * private and loopback addresses. The processor's own listening addresses are always refused.
     * Exact rules: {@code triggers/async-journal/README.md}, "Callbacks".
     */
    public java.util.List<String> callbackAllowedHosts = java.util.List.of();
    /** How long a dead letter stays listed and replayable after it was dead-lettered. */
    public Duration deadLetterRetention = Duration.ofDays(7);
    /** Dead letters kept at most; beyond this the oldest are dropped from the list. */
    public int maxDeadLetters = 10_000;
    /**
     * For a handler that takes batches (Python's, Nuclio's batch API): up to this many journaled calls
     * handed to it at once, as a list, from those already waiting for a worker (never waiting for more;
     * at most {@link #maxInFlight} are). 1, the default: one call at a time, no list.
     */
    public int batchSize = 1;
    /**
     * Request headers dropped before a call is journaled (case-insensitive), so that credentials do
     * not rest on disk; the handler does not see them. An empty list keeps every header.
     */
    public java.util.List<String> journalDropHeaders = new java.util.ArrayList<>(DEFAULT_DROPPED_HEADERS);
    /**
     * Removed: the dead-letter endpoints are admin endpoints on the control server now. Setting it is
     * a configuration error that says where they went.
     */
    public Boolean deadLettersLoopbackOnly;

    /** The headers {@link #journalDropHeaders} names by default. */
    public static final java.util.List<String> DEFAULT_DROPPED_HEADERS =
            java.util.List.of("Authorization", "Cookie", "Proxy-Authorization");
}
