package io.nucleon.runtime.external.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a function's wrappers are connected, as checked from {@code spec.runtimeAttributes}.
 *
 * @param name         {@link Transport#UDS} or {@link Transport#SHM}
 * @param shmDirectory where the shared-memory files go ({@code shmDirectory})
 * @param ringSize     the data bytes of each ring, a power of two from 64 KiB to 1 GiB ({@code ringSize})
 * @param maxFrame     the largest frame either side may send ({@code maxFrameSize})
 * @param spinTime     how long a shared-memory receiver spins before it sleeps on the socket ({@code spinTime})
 * @param eventsInFlight how many events a wrapper may hold at once: the one it works on and those sent ahead
 *                     of its answer ({@code eventsInFlight}, 1 to {@link #MAX_EVENTS_IN_FLIGHT})
 */
public record TransportSettings(
        String name, Path shmDirectory, int ringSize, int maxFrame, Duration spinTime, int eventsInFlight) {
    /** The most events a wrapper may be sent ahead of its answers, the one it works on included. */
    public static final int MAX_EVENTS_IN_FLIGHT = 64;

    /**
     * How many bytes of event frames may wait in a wrapper's connection ahead of the one it works on.
     * Small enough that sending them never waits for the wrapper (a socket's buffer, a quarter ring),
     * which could otherwise deadlock with a wrapper waiting to send a large answer.
     */
    public int aheadBytes() {
        return sharedMemory() ? ringSize / 4 : 64 << 10;
    }

    /** Checks the transport's name. */
    public TransportSettings {
        if (!name.equals(Transport.UDS) && !name.equals(Transport.SHM)) {
            throw new IllegalArgumentException(
                    "transport must be " + Transport.UDS + " or " + Transport.SHM + ", got " + name);
        }
        Objects.requireNonNull(shmDirectory, "shmDirectory");
        Objects.requireNonNull(spinTime, "spinTime");
        if (eventsInFlight < 1 || eventsInFlight > MAX_EVENTS_IN_FLIGHT) {
            throw new IllegalArgumentException(
                    "eventsInFlight must be from 1 to " + MAX_EVENTS_IN_FLIGHT + ", got " + eventsInFlight);
        }
    }

    /** Whether frames go through shared-memory rings (with the socket for doorbells and large frames). */
    public boolean sharedMemory() {
        return name.equals(Transport.SHM);
    }
}
