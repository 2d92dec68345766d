/**
 * How frames travel between the processor and one wrapper: one
 * {@link io.nucleon.runtime.external.transport.Transport} per wrapper, used by its worker's thread.
 *
 * <pre>
 *  uds:  worker ──frames──▶ SocketTransport ══ Unix socket ══▶ wrapper
 *
 *  shm:  worker ──frames──▶ ShmTransport ──▶ ring A (P → W) ──▶ wrapper
 *                                        ◀── ring B (W → P) ◀──
 *                           └─ SocketTransport: DOORBELL when the other side sleeps, frames over half a ring
 * </pre>
 *
 * Both write and read frames only through {@link io.nucleon.runtime.external.protocol.Protocol}'s
 * layout, so a frame is the same record on the socket and in a ring. The shared-memory consumer
 * spins for {@code spinTime}, then announces sleep and blocks on the socket; the producer publishes,
 * fences and rings the doorbell if the consumer sleeps (a Dekker pair: no wake-up is lost, an idle
 * side uses no CPU). Whoever owns a transport's thread releases its rings; any thread may
 * {@code close} it to break a blocked read. Internal to the runtime (public only for the packages
 * above it).
 */
package io.nucleon.runtime.external.transport;
