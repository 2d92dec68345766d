package io.nucleon.spi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Turns what arrives from a source into {@link io.nucleon.api.Event}s, dispatches them and completes
 * them (replies, commits, acks). Lifecycle, called by the processor from one thread:
 * {@link #start} → (events flow) → {@link #stopAccepting} → (in-flight events drain) → {@link #close}.
 */
public interface Trigger {

    /** Opens the source (binds the port, connects) and starts dispatching to {@code dispatcher}. */
    void start(Dispatcher dispatcher) throws Exception;

    /** Whether the trigger is started and able to take events; part of {@code /ready}. */
    boolean isReady();

    /**
     * Why the trigger is not ready, in words an operator can act on (for example "not yet joined
     * consumer group 'orders' at localhost:9092: no broker answered for 12 s"), or {@code null} when
     * it is ready or has nothing to add. Shown by {@code /ready} and {@code /status}. Must not block.
     */
    default String notReadyReason() {
        return null;
    }

    /**
     * Stops taking new events (closes the listening socket, pauses consumers). Events already
     * dispatched still complete normally. Must not block for long.
     */
    void stopAccepting();

    /** Releases everything. Called after in-flight events have drained or the drain timeout passed. */
    void close();

    /** Trigger-specific facts for {@code /status} (bound address, connections …); JSON-serialisable. */
    default Map<String, Object> status() {
        return Map.of();
    }

    /**
     * The sockets this trigger listens on, as bound (port 0 resolved), once started; empty for a
     * trigger that listens on nothing. Part of the processor's
     * {@linkplain TriggerContext#processorAddresses() own addresses}. Must not block.
     */
    default List<InetSocketAddress> listeningAddresses() {
        return List.of();
    }
}
