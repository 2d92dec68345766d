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
 */
public record TransportSettings(String name, Path shmDirectory, int ringSize, int maxFrame, Duration spinTime) {
    /** Checks the transport's name. */
    public TransportSettings {
        if (!name.equals(Transport.UDS) && !name.equals(Transport.SHM)) {
            throw new IllegalArgumentException(
                    "transport must be " + Transport.UDS + " or " + Transport.SHM + ", got " + name);
        }
        Objects.requireNonNull(shmDirectory, "shmDirectory");
        Objects.requireNonNull(spinTime, "spinTime");
    }

    /** Whether frames go through shared-memory rings (with the socket for doorbells and large frames). */
    public boolean sharedMemory() {
        return name.equals(Transport.SHM);
    }
}
