package io.nucleon.trigger.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.CompletionHops;
import io.nucleon.spi.Outcome;

/**
 * One request on a connection, from dispatch to reply. Completed once, on any thread; the reply is
 * written on the connection's event loop, in request order (see {@link HttpConnectionHandler}).
 * Completing it gives the request's body bytes back to the trigger's {@link BodyBudget}: from then on
 * the body is the handler's business, not the trigger's.
 */
final class InFlightRequest implements Completion, Runnable {
    final HttpConnectionHandler connection;
    final boolean keepAlive;
    final boolean http10;
    /** Body bytes this request holds in the budget until its reply is set. */
    private final long reserved;

    volatile Response response;

    InFlightRequest(HttpConnectionHandler connection, boolean keepAlive, boolean http10, long reserved) {
        this.connection = connection;
        this.keepAlive = keepAlive;
        this.http10 = http10;
        this.reserved = reserved;
    }

    /** An exchange answered by the trigger itself (400, 408, 413, 503 …); it holds no body bytes. */
    static InFlightRequest answered(
            HttpConnectionHandler connection, Response response, boolean keepAlive, boolean http10) {
        InFlightRequest e = new InFlightRequest(connection, keepAlive, http10, 0);
        e.response = response;
        return e;
    }

    /** Sets the reply the trigger made itself (or the async intake made), from any thread. */
    void answer(Response response) {
        complete(null, Outcome.SUCCESS, response, null);
    }

    @Override
    public void complete(Event event, Outcome outcome, Response response, Throwable error) {
        connection.budget().release(reserved);
        this.response = response;
        EventLoop loop = connection.eventLoop();
        if (loop.inEventLoop()) {
            run();
        } else if (loop instanceof SingleThreadEventExecutor lazy && CompletionHops.defer(connection.waker())) {
            lazy.lazyExecute(this); // a worker ending a run of events wakes the loop once, at the run's flush
        } else {
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        connection.writeCompleted();
    }
}
