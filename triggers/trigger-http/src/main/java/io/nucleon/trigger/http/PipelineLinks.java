package io.nucleon.trigger.http;

/**
 * The links between the handlers of one connection's pipeline ({@link ConnectionTimeouts},
 * {@link ReadGate}, {@link HttpConnectionHandler}): the timeouts handler asks whether responses are
 * pending, the connection handler tells it when a request is complete and when it stopped or resumed
 * reading. Event loop only.
 */
final class PipelineLinks {
    ConnectionTimeouts timeouts;
    ReadGate gate;
    HttpConnectionHandler handler;

    int pending() {
        return handler == null ? 0 : handler.pending();
    }

    void requestComplete() {
        if (timeouts != null) {
            timeouts.requestComplete();
        }
    }

    /** The connection handler stopped ({@code true}) or resumed reading the client's requests. */
    void readingPaused(boolean paused) {
        if (gate != null) {
            gate.pause(paused);
        }
        if (timeouts != null) {
            timeouts.readingPaused(paused);
        }
    }
}
