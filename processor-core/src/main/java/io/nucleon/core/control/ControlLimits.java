package io.nucleon.core.control;

import java.time.Duration;

/**
 * The bounds the control server keeps whatever its clients do. {@link #DEFAULTS} is what the
 * processor uses; tests build smaller ones through {@link ControlServer}'s package-private
 * constructor.
 *
 * @param maxHeadBytes       request line and headers together, at most (beyond: 414 or 431, closed)
 * @param maxBodyBytes       a request body's {@code Content-Length}, at most (beyond: 413, closed)
 * @param readTimeout        a request must arrive whole within this, counted from its first byte
 *                           (from the accept for a connection's first request); beyond: 408, closed
 * @param idleTimeout        a keep-alive connection with nothing to do is closed after this; also
 *                           the longest queued output may wait for its client to read any of it
 * @param endpointTimeout    the longest a request waits for an endpoint thread's answer (then
 *                           503, closed; the endpoint's late answer is dropped)
 * @param lingerTimeout      after a last response, how long what the client still sends is read
 *                           and dropped before the socket is closed, so that the response is not
 *                           lost to a TCP reset
 * @param maxConnections     open control connections, at most; one more is answered 503 and closed
 * @param workerThreads      threads that run the endpoints which may be slow ({@code /ready},
 *                           {@code /metrics}, {@code /status})
 * @param workerQueue        requests waiting for those threads, at most; beyond: 503 with Retry-After
 * @param outputHighWater    response bytes queued on one connection past which no further
 *                           pipelined request of it is read until its client reads
 */
record ControlLimits(
        int maxHeadBytes,
        int maxBodyBytes,
        Duration readTimeout,
        Duration idleTimeout,
        Duration endpointTimeout,
        Duration lingerTimeout,
        int maxConnections,
        int workerThreads,
        int workerQueue,
        int outputHighWater) {

    static final ControlLimits DEFAULTS = new ControlLimits(
            8 * 1024,
            64 * 1024,
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            Duration.ofSeconds(30),
            Duration.ofSeconds(2),
            128,
            2,
            16,
            64 * 1024);

    ControlLimits {
        positive("maxHeadBytes", maxHeadBytes);
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must be 0 or more, got " + maxBodyBytes);
        }
        positive("readTimeout", readTimeout);
        positive("idleTimeout", idleTimeout);
        positive("endpointTimeout", endpointTimeout);
        positive("lingerTimeout", lingerTimeout);
        positive("maxConnections", maxConnections);
        positive("workerThreads", workerThreads);
        positive("workerQueue", workerQueue);
        positive("outputHighWater", outputHighWater);
    }

    /** The same limits with other timeouts. */
    ControlLimits withTimeouts(Duration read, Duration idle, Duration linger) {
        return new ControlLimits(
                maxHeadBytes,
                maxBodyBytes,
                read,
                idle,
                endpointTimeout,
                linger,
                maxConnections,
                workerThreads,
                workerQueue,
                outputHighWater);
    }

    /** The same limits with another endpoint timeout. */
    ControlLimits withEndpointTimeout(Duration timeout) {
        return new ControlLimits(
                maxHeadBytes,
                maxBodyBytes,
                readTimeout,
                idleTimeout,
                timeout,
                lingerTimeout,
                maxConnections,
                workerThreads,
                workerQueue,
                outputHighWater);
    }

    /** The same limits with another connection cap. */
    ControlLimits withMaxConnections(int max) {
        return new ControlLimits(
                maxHeadBytes,
                maxBodyBytes,
                readTimeout,
                idleTimeout,
                endpointTimeout,
                lingerTimeout,
                max,
                workerThreads,
                workerQueue,
                outputHighWater);
    }

    /** The same limits with another number of endpoint threads and queue size. */
    ControlLimits withWorkers(int threads, int queue) {
        return new ControlLimits(
                maxHeadBytes,
                maxBodyBytes,
                readTimeout,
                idleTimeout,
                endpointTimeout,
                lingerTimeout,
                maxConnections,
                threads,
                queue,
                outputHighWater);
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
        }
    }
}
