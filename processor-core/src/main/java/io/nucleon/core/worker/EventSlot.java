package io.nucleon.core.worker;

import io.nucleon.api.Event;
import io.nucleon.spi.Completion;

/**
 * One entry of a pool's ring: an event waiting for a worker. Written by the dispatching thread
 * before the slot is published and read by the worker that claims it after; the ring's sequences
 * order those accesses, so the fields are plain.
 */
final class EventSlot {
    Event event;
    Completion completion;
    /** {@link System#nanoTime()} when the event was queued; bounds its wait for a worker. */
    long queuedAt;

    void clear() {
        event = null;
        completion = null;
    }
}
