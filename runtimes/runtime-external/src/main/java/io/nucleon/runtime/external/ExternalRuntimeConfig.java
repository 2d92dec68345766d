package io.nucleon.runtime.external;

import io.nucleon.spi.ByteSize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code spec.runtimeAttributes} of the {@code python} and {@code nodejs} runtimes, as bound from
 * {@code function.yaml} or the builder. Every field is documented in {@code docs/configuration.md};
 * the runtime checks them all at once and reads them into its immutable settings when the function
 * is built.
 */
public final class ExternalRuntimeConfig {
    /** The interpreter: a path, or a name looked up on {@code PATH}; default {@code python3} / {@code node}. */
    public String interpreter = "";
    /** Arguments put before the wrapper script (e.g. {@code -X dev}). */
    public List<String> interpreterArgs = new ArrayList<>();
    /**
     * The function's code: a directory (relative to the function.yaml's directory), or
     * {@code classpath:<dir>} for code packed in the jar; default: the function.yaml's directory, or
     * {@code classpath:function} for a packaged function.
     */
    public String codeDir = "";
    /** {@code shm} or {@code uds}; default {@code shm} where the runtime supports it and the directory is writable. */
    public String transport = "";
    /** The data bytes of each shared-memory ring (one each way); a power of two from 64 KiB to 1 GiB. */
    public ByteSize ringSize = ByteSize.ofBytes(1L << 20);
    /** Where shared-memory files go. */
    public String shmDirectory = "/dev/shm";
    /** Where the private directory with the sockets and unpacked files goes; default {@code java.io.tmpdir}. */
    public String runDirectory = "";
    /** The largest frame either side may send (an event or a response with its body). */
    public ByteSize maxFrameSize = ByteSize.ofBytes(64L << 20);
    /** How long a wrapper may take from start to its handshake (loading the handler, init hook). */
    public Duration startTimeout = Duration.ofSeconds(30);
    /** On stop, how long a wrapper may take to exit after the STOP message before it is signalled. */
    public Duration stopTimeout = Duration.ofSeconds(5);
    /** The first delay before restarting a wrapper that keeps dying; doubles up to {@link #maxRestartDelay}. */
    public Duration restartDelay = Duration.ofMillis(100);
    /** The longest delay between restarts of a wrapper that keeps dying. */
    public Duration maxRestartDelay = Duration.ofSeconds(30);
    /**
     * Python only: a body whose content type is {@code application/json} reads as the decoded value
     * (a dict, a list …), as Nuclio's Python SDK gives it; otherwise {@code event.body} is always bytes.
     */
    public boolean decodeJsonBody;
    /** How long the shared-memory consumer spins before it sleeps on the socket. */
    public Duration spinTime = Duration.ofNanos(20_000);
    /**
     * How many events a wrapper may hold at once: the one it works on and the queued ones it is sent
     * ahead of its answer, while every worker is busy. 1 (the default) sends one event at a time. More
     * is much faster under load, but an event sent ahead waits behind the one the wrapper runs, past
     * {@code workerAvailabilityTimeout} if that one is slow (docs/configuration.md).
     */
    public int eventsInFlight = 1;
    /**
     * Pass the processor's whole environment to the wrappers. By default they get only
     * {@link io.nucleon.runtime.external.supervision.WrapperEnvironment#INHERITED_BY_DEFAULT}, {@link #inheritEnvNames} and {@code spec.env}.
     */
    public boolean inheritEnv;
    /** More of the processor's variables the wrappers inherit: names, or prefixes ending in {@code *} ({@code MYAPP_*}). */
    public List<String> inheritEnvNames = new ArrayList<>();
    /**
     * The lines a wrapper may add to the log each second, on average: its log calls, stdout and
     * stderr lines together. Lines beyond are dropped, counted and summarised.
     */
    public int maxLogLinesPerSecond = 1000;
    /** How many lines a wrapper may log at once, after a quiet spell, above {@link #maxLogLinesPerSecond}'s pace. */
    public int logLineBurst = 2000;
}
