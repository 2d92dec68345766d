package io.nucleon.trigger.http;

import io.nucleon.spi.ByteSize;
import io.nucleon.trigger.http.async.AsyncOptions;
import io.nucleon.trigger.http.auth.HttpAuthOptions;
import java.time.Duration;

/**
 * The {@code attributes} of an {@code http} trigger, with their defaults. Bound from
 * {@code function.yaml} by the processor; unknown attributes are an error.
 */
public final class HttpTriggerConfig {
    /** Address to listen on. All interfaces by default, as a function server is meant to be reached. */
    public String host = "0.0.0.0";
    /** Port to listen on; 0 picks a free one. */
    public int port = 8080;
    /** Largest request body accepted; larger gets 413 and the connection is closed. */
    public ByteSize maxRequestBodySize = ByteSize.ofBytes(4L << 20);
    /** Largest header block accepted; larger gets 431. */
    public ByteSize maxHeaderSize = ByteSize.ofBytes(8L << 10);
    /** Longest request line accepted; longer gets 414. */
    public ByteSize maxInitialLineLength = ByteSize.ofBytes(4L << 10);
    /** How long a request may take to arrive, from its first byte to its last; then 408 and close. */
    public Duration readTimeout = Duration.ofSeconds(30);
    /** How long a keep-alive connection may sit idle (no request, no response pending) before it is closed. */
    public Duration idleTimeout = Duration.ofSeconds(60);
    /**
     * Requests one connection may have unanswered (pipelined), whether dispatched or answered by the
     * trigger itself, before the trigger stops reading from it.
     */
    public int maxPipelinedRequests = 64;
    /**
     * Open connections the trigger keeps; one more is answered 503 and closed. 0 (the default) means
     * 10 000, or three quarters of the process's file-descriptor limit if that is lower.
     */
    public int maxConnections = 0;
    /**
     * Request bodies the trigger holds in memory at once, across all its connections (being received,
     * queued, waiting or running); a body that does not fit is answered 503 and dropped. {@code null}
     * (the default) means a quarter of the maximum heap, but at least {@code maxRequestBodySize}.
     */
    public ByteSize maxInflightBodyBytes = null;
    /**
     * Replies a connection may have waiting to be written (its client is not reading them) before the
     * trigger stops reading its requests; a connection whose replies then make no progress for
     * {@code idleTimeout} is closed. Reading resumes below half of it.
     */
    public ByteSize writeBufferHighWaterMark = ByteSize.ofBytes(64L << 10);
    /** Event loop threads; 0 means one per available processor. */
    public int eventLoopThreads = 0;
    /** {@code auto} (native epoll where available, else NIO), {@code epoll} or {@code nio}. */
    public String transport = "auto";
    /** HTTPS: certificate and key from PEM files, optional client certificates; {@code null} (the default) serves plain HTTP. */
    public HttpTlsConfig tls = null;
    /** Asynchronous calls (journal, 202, status URL, retries, dead letters); needs nucleon-async-journal. */
    public AsyncOptions async = new AsyncOptions();
    /** Who may call: {@code basic}, {@code bearer} or {@code jwt} credentials, and paths anyone may call. Off by default. */
    public HttpAuthOptions auth = new HttpAuthOptions();
}
