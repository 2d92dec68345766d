package io.nucleon.runtime.external.supervision;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.runtime.external.transport.ShmRings;
import io.nucleon.runtime.external.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running wrapper, as {@link WrapperLauncher#launch} returns it after the handshake: its process,
 * its transport and, for {@code shm}, its rings. {@link #kill} may be called from any thread;
 * everything else only by the worker's thread, the one that uses the transport.
 */
public final class WrapperProcess {
    private final Process process;
    private final long pid;
    private final Transport transport;
    private final Instant startedAt = Instant.now();
    private final JsonNode hello;
    private final ShmRings rings;
    private final OutputPump stderr;
    private final AtomicBoolean killed = new AtomicBoolean();
    private long seq;
    private volatile long events;

    WrapperProcess(Process process, Transport transport, ShmRings rings, JsonNode hello, OutputPump stderr) {
        this.process = process;
        this.pid = process.pid();
        this.transport = transport;
        this.rings = rings;
        this.hello = hello;
        this.stderr = stderr;
    }

    /** The wrapper's process id. */
    public long pid() {
        return pid;
    }

    /** The connection to the wrapper. */
    public Transport transport() {
        return transport;
    }

    /** The {@code seq} of the next event: events are counted on each connection from 1. */
    public long nextSeq() {
        return ++seq;
    }

    /** The wrapper answered an event (with a response or a handler error). */
    public void answered() {
        events++;
    }

    /** "with status 1" or "killed by signal 9"; the process must have exited. */
    static String exitDescription(Process p) {
        if (p.isAlive()) {
            return "(still running)";
        }
        int code = p.exitValue();
        return code > 128 && code < 160 ? "killed by signal " + (code - 128) : "with status " + code;
    }

    /** Whether the process runs and has not been killed. */
    public boolean alive() {
        return !killed.get() && process.isAlive();
    }

    /** Kills the wrapper (and anything it started) and closes its connection; safe from any thread, idempotent. */
    public void kill() {
        if (killed.compareAndSet(false, true)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            transport.close();
        }
    }

    /** How the process ended ("exited with status 1", "stopped answering"), waiting briefly for it to be reaped. */
    public String ending() {
        try {
            process.waitFor(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? "stopped answering" : "exited " + exitDescription(process);
    }

    /** The last lines of the wrapper's stderr. */
    public String stderrTail() {
        return stderr.lastLines(200);
    }

    /**
     * Asks the wrapper to stop, then signals it: STOP, {@code stopTimeout}, SIGTERM, 2 s, SIGKILL.
     * Then releases the rings.
     */
    public void stop(Duration stopTimeout) {
        try {
            if (alive()) {
                try {
                    transport.sendStop();
                } catch (IOException ignored) {
                    // it is going anyway
                }
                if (!process.waitFor(stopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroy();
                    if (!process.waitFor(2, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            kill();
            release();
        }
    }

    /** Frees the shared memory, once the worker's thread no longer uses the transport (after {@link #kill}). */
    public void release() {
        if (rings != null) {
            rings.close();
        }
    }

    /** What {@code /status} shows of this wrapper. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", pid);
        m.put("alive", alive());
        m.put("startedAt", startedAt.toString());
        m.put("events", events);
        m.put("transport", transport.name());
        if (hello.hasNonNull("languageVersion")) {
            m.put("languageVersion", hello.get("languageVersion").asText());
        }
        if (hello.hasNonNull("wrapperVersion")) {
            m.put("wrapperVersion", hello.get("wrapperVersion").asText());
        }
        return m;
    }
}
