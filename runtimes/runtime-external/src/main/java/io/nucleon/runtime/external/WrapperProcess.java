package io.nucleon.runtime.external;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.runtime.external.Protocol.Message;
import io.nucleon.runtime.external.Protocol.ProtocolException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running wrapper: its process, its connection and, for {@code shm}, its rings. Started by
 * {@link #launch}, which returns only after the wrapper's HELLO. {@link #kill} may be called from
 * any thread; {@link #release} only by the thread that uses the wire.
 */
final class WrapperProcess {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();
    final Process process;
    final long pid;
    final Wire wire;
    final Instant startedAt = Instant.now();
    final JsonNode hello;
    private final ShmRings rings;
    private final OutputPump stdout;
    private final OutputPump stderr;
    private final AtomicBoolean killed = new AtomicBoolean();
    long seq;
    volatile long events;

    private WrapperProcess(Process process, Wire wire, ShmRings rings, JsonNode hello, OutputPump stdout, OutputPump stderr) {
        this.process = process;
        this.pid = process.pid();
        this.wire = wire;
        this.rings = rings;
        this.hello = hello;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** A wrapper that did not come up; the message says why and shows the end of its stderr. */
    static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Starts a wrapper for the worker of {@code ctx} and waits for its handshake. Its environment is
     * the inherited part of the processor's ({@link WrapperEnvironment}), then {@code spec.env}, then
     * the interpreter settings of {@link Language#environment} and the {@code NUCLEON_*} variables of
     * the protocol; what it logs goes through {@code log}.
     *
     * @throws StartFailure naming the interpreter, the handler and what the wrapper wrote to stderr
     */
    static WrapperProcess launch(ExternalRuntime rt, Context ctx, long id, WrapperLog log) throws StartFailure {
        Path socketPath = rt.runDirectory().resolve("w" + id + ".sock");
        ServerSocketChannel server = null;
        ShmRings rings = null;
        Process process = null;
        SocketChannel channel = null;
        OutputPump out = null;
        OutputPump err = null;
        String stage = "starting";
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socketPath));
            // The run directory (0700) already keeps others out; the socket's own mode says so too.
            Files.setPosixFilePermissions(socketPath, OWNER_ONLY);
            if (rt.transport().equals("shm")) {
                // A name nobody can guess: in the shared, world-writable directory another user could
                // otherwise create the file first and so keep the wrapper from starting.
                rings = ShmRings.create(rt.shmDirectory().resolve("nucleon-" + ProcessHandle.current().pid() + "-" + id
                        + "-" + Long.toHexString(RANDOM.nextLong())), rt.ringSize());
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(rt.interpreter());
            cmd.addAll(rt.config().interpreterArgs);
            cmd.add(rt.wrapperScript().toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(rt.codeDirectory().toFile());
            Map<String, String> env = pb.environment();
            env.clear();
            env.putAll(rt.inheritedEnv());
            env.putAll(rt.functionEnv());
            rt.language().environment(env);
            env.put("NUCLEON_PROTOCOL", Integer.toString(Protocol.VERSION));
            env.put("NUCLEON_SOCKET", socketPath.toString());
            env.put("NUCLEON_TRANSPORT", rt.transport());
            if (rings != null) {
                env.put("NUCLEON_SHM_FILE", rings.file.toString());
            } else {
                env.remove("NUCLEON_SHM_FILE");
            }
            env.put("NUCLEON_HANDLER", rt.handler());
            env.put("NUCLEON_CODE_DIR", rt.codeDirectory().toString());
            env.put("NUCLEON_WORKER_ID", Integer.toString(ctx.workerId()));
            env.put("NUCLEON_FUNCTION_NAME", ctx.functionName());
            env.put("NUCLEON_TRIGGER_KIND", ctx.triggerKind());
            env.put("NUCLEON_TRIGGER_NAME", ctx.triggerName());
            env.put("NUCLEON_MAX_FRAME", Integer.toString(rt.maxFrame()));
            if (rt.config().decodeJsonBody) {
                env.put("NUCLEON_DECODE_JSON_BODY", "1");
            } else {
                env.remove("NUCLEON_DECODE_JSON_BODY");
            }
            process = pb.start();
            process.getOutputStream().close(); // the wrapper reads nothing from stdin
            String name = "nucleon-" + rt.language().kind + "-" + ctx.triggerName() + "-" + ctx.workerId();
            out = new OutputPump(process.getInputStream(), log, WrapperLog.Source.STDOUT, name + "-out", process.pid());
            err = new OutputPump(process.getErrorStream(), log, WrapperLog.Source.STDERR, name + "-err", process.pid());

            stage = "connecting";
            long deadline = System.nanoTime() + rt.config().startTimeout.toNanos();
            server.configureBlocking(false);
            while ((channel = server.accept()) == null) {
                if (!process.isAlive()) {
                    throw new StartFailure(failure(rt, ctx, "it exited " + exitDescription(process) + " before connecting", err));
                }
                if (System.nanoTime() > deadline) {
                    throw new StartFailure(failure(rt, ctx, "it did not connect within " + millis(rt.config().startTimeout), err));
                }
                Thread.sleep(2);
            }
            server.close();
            server = null;
            Files.deleteIfExists(socketPath);
            channel.configureBlocking(true);

            stage = "handshake";
            SocketWire socket = new SocketWire(channel, rt.maxFrame());
            Process p = process;
            AtomicBoolean late = new AtomicBoolean();
            ScheduledFuture<?> guard = rt.timer().schedule(() -> {
                late.set(true);
                p.destroyForcibly();
                socket.close();
            }, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            JsonNode hello;
            try {
                hello = handshake(rt, ctx, socket, err, log);
            } catch (IOException e) {
                if (late.get()) {
                    throw new StartFailure(failure(rt, ctx, "it did not complete its handshake within "
                            + millis(rt.config().startTimeout) + " (loading the handler and its init hook)", err));
                }
                p.waitFor(500, TimeUnit.MILLISECONDS);
                throw new StartFailure(failure(rt, ctx, "it closed the connection during the handshake"
                        + (p.isAlive() ? "" : " and exited " + exitDescription(p)), err));
            } finally {
                guard.cancel(false);
            }
            Wire wire = socket;
            if (rings != null) {
                Files.deleteIfExists(rings.file); // both sides have it mapped: nothing is left behind, even after a crash
                wire = new ShmWire(socket, rings, rt.config().spinTime.toNanos(), rt.maxFrame());
            }
            return new WrapperProcess(process, wire, rings, hello, out, err);
        } catch (StartFailure e) {
            cleanUpFailed(process, channel, server, socketPath, rings);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanUpFailed(process, channel, server, socketPath, rings);
            throw new StartFailure(failure(rt, ctx, "the start was interrupted", err));
        } catch (IOException | RuntimeException e) {
            cleanUpFailed(process, channel, server, socketPath, rings);
            throw new StartFailure(failure(rt, ctx, stage + " failed: " + e, err));
        }
    }

    private static JsonNode handshake(ExternalRuntime rt, Context ctx, SocketWire socket, OutputPump err, WrapperLog log)
            throws IOException, StartFailure {
        while (true) {
            Message m;
            try {
                m = socket.receive();
            } catch (ProtocolException e) {
                throw new StartFailure(failure(rt, ctx, "it broke the protocol during the handshake: "
                        + UntrustedText.oneLine(e.getMessage()), err));
            }
            if (m instanceof Protocol.Log frame) {
                log.frame(frame.json());
            } else if (m instanceof Protocol.Hello h) {
                JsonNode hello;
                try {
                    hello = MetaCodec.object(h.json(), "HELLO");
                } catch (ProtocolException e) {
                    throw new StartFailure(failure(rt, ctx, UntrustedText.oneLine(e.getMessage()), err));
                }
                int version = hello.path("protocol").asInt(-1);
                if (version != Protocol.VERSION) {
                    throw new StartFailure(failure(rt, ctx, "it speaks protocol version "
                            + WrapperLog.text(hello.path("protocol").toString()) + "; this processor speaks " + Protocol.VERSION, err));
                }
                return hello;
            } else if (m instanceof Protocol.InitFailed f) {
                String detail = f.json();
                try {
                    JsonNode n = MetaCodec.object(f.json(), "INIT_FAILED");
                    detail = n.path("message").asText("") + (n.hasNonNull("traceback") ? "\n" + n.get("traceback").asText() : "");
                } catch (ProtocolException ignored) {
                    // show it raw
                }
                throw new StartFailure(failure(rt, ctx, "loading the handler failed: " + WrapperLog.traceback(detail), err));
            } else if (!(m instanceof Protocol.Skipped) && !(m instanceof Protocol.Metric)) {
                throw new StartFailure(failure(rt, ctx, "it sent " + m.getClass().getSimpleName() + " before HELLO", err));
            }
        }
    }

    private static String failure(ExternalRuntime rt, Context ctx, String reason, OutputPump err) {
        String tail = err == null ? "" : err.lastLines(300);
        int withheld = rt.withheldEnvCount();
        return "the " + rt.language().kind + " wrapper of worker " + ctx.triggerName() + "/" + ctx.workerId()
                + " (interpreter " + rt.interpreter() + ", handler " + rt.handler() + ", code directory "
                + rt.codeDirectory() + ") failed to start: " + reason
                + (withheld == 0 ? "" : " (" + withheld + " of the processor's environment variables were withheld from it;"
                        + " runtimeAttributes.inheritEnvNames passes more)")
                + (tail.isEmpty() ? "; it wrote nothing to stderr" : "; its stderr ended with:\n" + tail);
    }

    private static void cleanUpFailed(Process process, SocketChannel channel, ServerSocketChannel server, Path socketPath,
                                      ShmRings rings) {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        closeQuietly(channel);
        closeQuietly(server);
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException ignored) {
            // the run directory goes at close
        }
        if (rings != null) {
            try {
                Files.deleteIfExists(rings.file);
            } catch (IOException ignored) {
                // the run directory goes at close
            }
            rings.close();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    /** "with status 1" or "killed by signal 9"; the process must have exited. */
    static String exitDescription(Process p) {
        if (p.isAlive()) {
            return "(still running)";
        }
        int code = p.exitValue();
        return code > 128 && code < 160 ? "killed by signal " + (code - 128) : "with status " + code;
    }

    boolean alive() {
        return !killed.get() && process.isAlive();
    }

    /** Kills the wrapper (and anything it started) and closes its connection; safe from any thread, idempotent. */
    void kill() {
        if (killed.compareAndSet(false, true)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            wire.close();
        }
    }

    /** How the process ended, waiting briefly for it to be reaped. */
    String ending() {
        try {
            process.waitFor(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? "stopped answering" : "exited " + exitDescription(process);
    }

    /** The last lines of the wrapper's stderr. */
    String stderrTail() {
        return stderr.lastLines(200);
    }

    /**
     * Asks the wrapper to stop, then signals it: STOP, {@code stopTimeout}, SIGTERM, 2 s, SIGKILL.
     * Called on the worker's thread.
     */
    void stop(Duration stopTimeout) {
        try {
            if (alive()) {
                try {
                    wire.sendStop();
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

    /** Frees the shared memory. Only on the thread that uses the wire, once it no longer does. */
    void release() {
        if (rings != null) {
            rings.close();
        }
    }

    Map<String, Object> status() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("pid", pid);
        m.put("alive", alive());
        m.put("startedAt", startedAt.toString());
        m.put("events", events);
        m.put("transport", wire.transport());
        if (hello.hasNonNull("languageVersion")) {
            m.put("languageVersion", hello.get("languageVersion").asText());
        }
        if (hello.hasNonNull("wrapperVersion")) {
            m.put("wrapperVersion", hello.get("wrapperVersion").asText());
        }
        return m;
    }
}
