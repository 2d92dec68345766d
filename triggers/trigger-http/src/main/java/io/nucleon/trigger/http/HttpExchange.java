package io.nucleon.trigger.http;

import io.netty.channel.EventLoop;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import io.nucleon.spi.Completion;
import io.nucleon.spi.Outcome;

/**
 * One request on a connection, from dispatch to reply. Completed on any thread; the reply is
 * written on the connection's event loop, in request order (see {@link HttpConnectionHandler}).
 */
final class HttpExchange implements Completion, Runnable {
    final HttpConnectionHandler connection;
    final boolean keepAlive;
    final boolean http10;
    volatile Response response;

    HttpExchange(HttpConnectionHandler connection, boolean keepAlive, boolean http10) {
        this.connection = connection;
        this.keepAlive = keepAlive;
        this.http10 = http10;
    }

    /** An exchange answered by the trigger itself (400, 408, 413 …). */
    static HttpExchange answered(HttpConnectionHandler connection, Response response, boolean keepAlive) {
        HttpExchange e = new HttpExchange(connection, keepAlive, false);
        e.response = response;
        return e;
    }

    @Override
    public void complete(Event event, Outcome outcome, Response response, Throwable error) {
        this.response = response;
        EventLoop loop = connection.eventLoop();
        if (loop.inEventLoop()) {
            run();
        } else {
            loop.execute(this);
        }
    }

    /** Sets the reply the trigger made itself (or the async intake made), from any thread. */
    void answer(Response response) {
        complete(null, Outcome.SUCCESS, response, null);
    }

    @Override
    public void run() {
        connection.writeCompleted();
    }
}
