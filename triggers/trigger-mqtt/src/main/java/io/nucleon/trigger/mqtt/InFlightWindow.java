package io.nucleon.trigger.mqtt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The trigger's in-flight window ({@code maxInFlight}): how many messages may have been handed to the
 * handlers while their acknowledgement has not left. It is counted the way HiveMQ's client sends
 * acknowledgements, in the order the messages arrived: the window's start is the oldest message not
 * finished yet, so a message held for a retry keeps the ones behind it in the window even once they
 * are done (their PUBACK waits for its own). A message that finds the window full waits here,
 * unhandled, and is handed out when the start moves on.
 *
 * <p>What a crash hands to the handler a second time is what was handled and not yet acknowledged to
 * the broker: at most this window, whatever window the broker keeps to (Mosquitto 2.0.11 sends past
 * the client's receive maximum and its own {@code max_inflight_messages}). The messages waiting here
 * are bounded by what the broker sends past the window: at most the client's receive maximum, which
 * HiveMQ's client enforces.
 *
 * <p>Thread-safe: messages arrive on the client's thread, finish on workers and on the scheduler; one
 * lock, held for a few field updates, never while dispatching.
 */
final class InFlightWindow {
    /** A message waiting for room, and what hands it out. */
    private record Waiting(MqttEvent event, Runnable handOut) {}

    private final int size;
    /** By sequence modulo size: finished, while the window's start has not passed it. */
    private final boolean[] finished;

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** The sequence of the oldest message admitted and not finished (the window's start). */
    private long start;
    /** The sequence the next admitted message gets. */
    private long next;

    InFlightWindow(int size) {
        this.size = size;
        this.finished = new boolean[size];
    }

    /**
     * Admits a message: {@code handOut} runs now (on the caller's thread) when the window has room and
     * no earlier message waits, else when room frees.
     */
    void admit(MqttEvent event, Runnable handOut) {
        synchronized (this) {
            if (!waiting.isEmpty() || next - start >= size) {
                waiting.add(new Waiting(event, handOut));
                return;
            }
            event.windowSequence(next++);
        }
        handOut.run();
    }

    /** A message's acknowledgement was handed to the client (or the message was let go): its place frees in order. */
    void finished(MqttEvent event) {
        List<Runnable> ready = null;
        synchronized (this) {
            long sequence = event.windowSequence();
            if (sequence < start || sequence >= next) {
                return; // not admitted, or finished already
            }
            finished[(int) (sequence % size)] = true;
            while (start < next && finished[(int) (start % size)]) {
                finished[(int) (start % size)] = false;
                start++;
            }
            while (!waiting.isEmpty() && next - start < size) {
                Waiting w = waiting.poll();
                w.event().windowSequence(next++);
                if (ready == null) {
                    ready = new ArrayList<>();
                }
                ready.add(w.handOut());
            }
        }
        if (ready != null) {
            for (Runnable r : ready) {
                r.run();
            }
        }
    }

    /** Messages admitted and not yet past the window's start. */
    synchronized long inFlight() {
        return next - start;
    }

    /** Messages waiting for room. */
    synchronized int waiting() {
        return waiting.size();
    }
}
