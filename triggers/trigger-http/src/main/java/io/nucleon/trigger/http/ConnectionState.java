package io.nucleon.trigger.http;

/**
 * What the handlers of one connection share: the timeouts handler asks whether responses are
 * pending, the connection handler tells it when a request is complete and when it stopped or resumed
 * reading. Event loop only.
 */
final class ConnectionState {
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
