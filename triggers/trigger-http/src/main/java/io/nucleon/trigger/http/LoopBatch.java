package io.nucleon.trigger.http;

import io.netty.channel.EventLoop;
import io.nucleon.spi.Dispatcher;

/**
 * Gathers the events one event loop dispatches in one turn, so the workers are woken once per turn
 * instead of once per request: the first dispatch of a turn queues this task on the loop, and the
 * loop runs it after it has read every ready connection ({@link Dispatcher#endBatch()}).
 * Event loop only.
 */
final class LoopBatch implements Runnable {
    private static final Runnable NOTHING = () -> {};

    private final EventLoop loop;
    private final Dispatcher dispatcher;
    private boolean open;
    /**
     * Wakes the loop to run the replies queued on it without a wake-up (see
     * {@link io.nucleon.spi.CompletionHops}); any thread.
     */
    final Runnable waker;

    LoopBatch(EventLoop loop, Dispatcher dispatcher) {
        this.loop = loop;
        this.dispatcher = dispatcher;
        this.waker = () -> {
            try {
                loop.execute(NOTHING);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                // the loop is shutting down: its queued tasks are run or dropped with its channels
            }
        };
    }

    /** Notes that an event was dispatched with {@link Dispatcher#dispatchBatched} in this turn. */
    void dispatched() {
        if (!open) {
            open = true;
            try {
                loop.execute(this);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                run(); // the loop takes no more tasks: wake the workers now rather than never
            }
        }
    }

    @Override
    public void run() {
        open = false;
        dispatcher.endBatch();
    }
}
