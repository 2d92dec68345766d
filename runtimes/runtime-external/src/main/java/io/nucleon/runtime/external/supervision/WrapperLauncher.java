package io.nucleon.runtime.external.supervision;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.api.Context;
import io.nucleon.runtime.external.protocol.Message;
import io.nucleon.runtime.external.protocol.MetaCodec;
import io.nucleon.runtime.external.protocol.Protocol;
import io.nucleon.runtime.external.protocol.ProtocolException;
import io.nucleon.runtime.external.transport.ShmRings;
import io.nucleon.runtime.external.transport.ShmTransport;
import io.nucleon.runtime.external.transport.SocketTransport;
import io.nucleon.runtime.external.transport.Transport;
import io.nucleon.runtime.external.transport.TransportSettings;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts the wrapper processes of one function, in its {@link RunDirectory}. {@link #launch} returns
 * only once the wrapper has loaded the handler and said HELLO; until then it owns everything it made
 * (socket, shared-memory file, process) and removes it all when the start fails. Thread-safe: the
 * workers start their wrappers concurrently.
 *
 * <pre>
 * launch: bind w&lt;id&gt;.sock (0600) ─▶ create the shm file (0600, unguessable name) ─▶ start the interpreter
 *         ─▶ accept (startTimeout) ─▶ read LOG … HELLO (startTimeout, by a timer) ─▶ delete socket and shm file
 *         ─▶ WrapperProcess with a SocketTransport, or an ShmTransport over it
 * </pre>
 */
public final class WrapperLauncher implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final WrapperSettings settings;
    private final WrapperMetrics metrics;
    private final RunDirectory directory;
    private final ScheduledExecutorService timer;
    private final AtomicLong wrapperIds = new AtomicLong();

    private WrapperLauncher(
            WrapperSettings settings, WrapperMetrics metrics, RunDirectory directory, ScheduledExecutorService timer) {
        this.settings = settings;
        this.metrics = metrics;
        this.directory = directory;
        this.timer = timer;
    }

    /** Makes the run directory (the wrapper script, unpacked code) and the timer of the handshakes and log summaries. */
    public static WrapperLauncher prepare(WrapperSettings settings, WrapperMetrics metrics) throws IOException {
        RunDirectory directory = RunDirectory.create(settings);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "nucleon-" + settings.kind() + "-timer");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        return new WrapperLauncher(settings, metrics, directory, t);
    }

    /** The log of the wrappers of the worker of {@code ctx}; one per worker, kept across its wrappers' restarts. */
    public WrapperLog newLog(Context ctx) {
        return new WrapperLog(settings, metrics, timer, ctx);
    }

    /** A wrapper that did not come up; the message says why and shows the end of its stderr. */
    public static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Starts a wrapper for the worker of {@code ctx} and waits for its handshake. Its environment is
     * the inherited part of the processor's ({@link WrapperEnvironment}), then {@code spec.env}, then
     * the interpreter settings of the {@link Language} and the {@code NUCLEON_*} variables of the
     * protocol; what it logs goes through {@code log}.
     *
     * @throws StartFailure naming the interpreter, the handler and what the wrapper wrote to stderr
     */
    public WrapperProcess launch(Context ctx, WrapperLog log) throws StartFailure {
        long id = wrapperIds.incrementAndGet();
        TransportSettings link = settings.transport();
        Path socketPath = directory.socketPath(id);
        ServerSocketChannel server = null;
        ShmRings rings = null;
        Process process = null;
        SocketChannel channel = null;
        OutputPump err = null;
        String stage = "starting";
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socketPath));
            // The run directory (0700) already keeps others out; the socket's own mode says so too.
            Files.setPosixFilePermissions(socketPath, OWNER_ONLY);
            if (link.sharedMemory()) {
                // A name nobody can guess: in the shared, world-writable directory another user could
                // otherwise create the file first and so keep the wrapper from starting.
                rings = ShmRings.create(
                        link.shmDirectory()
                                .resolve("nucleon-" + ProcessHandle.current().pid() + "-" + id + "-"
                                        + Long.toHexString(RANDOM.nextLong())),
                        link.ringSize());
            }
            ProcessBuilder pb = processBuilder(ctx, socketPath, rings);
            process = pb.start();
            process.getOutputStream().close(); // the wrapper reads nothing from stdin
            String name = "nucleon-" + settings.kind() + "-" + ctx.triggerName() + "-" + ctx.workerId();
            new OutputPump(
                    process.getInputStream(),
                    log,
                    WrapperLog.Source.STDOUT,
                    name + "-out",
                    process.pid()); // ends with the stream
            err = new OutputPump(process.getErrorStream(), log, WrapperLog.Source.STDERR, name + "-err", process.pid());

            stage = "connecting";
            long deadline = System.nanoTime() + settings.startTimeout().toNanos();
            server.configureBlocking(false);
            while ((channel = server.accept()) == null) {
                if (!process.isAlive()) {
                    throw new StartFailure(failure(
                            ctx, "it exited " + WrapperProcess.exitDescription(process) + " before connecting", err));
                }
                if (System.nanoTime() > deadline) {
                    throw new StartFailure(
                            failure(ctx, "it did not connect within " + millis(settings.startTimeout()), err));
                }
                Thread.sleep(2);
            }
            server.close();
            server = null;
            Files.deleteIfExists(socketPath);
            channel.configureBlocking(true);

            stage = "handshake";
            SocketTransport socket = new SocketTransport(channel, link.maxFrame());
            JsonNode hello = handshakeWithin(deadline, ctx, process, socket, err, log);
            Transport transport = socket;
            if (rings != null) {
                Files.deleteIfExists(
                        rings.file()); // both sides have it mapped: nothing is left behind, even after a crash
                transport = new ShmTransport(socket, rings, link.spinTime().toNanos(), link.maxFrame());
            }
            return new WrapperProcess(process, transport, rings, hello, err);
        } catch (StartFailure e) {
            cleanUpFailed(process, channel, server, socketPath, rings);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanUpFailed(process, channel, server, socketPath, rings);
            throw new StartFailure(failure(ctx, "the start was interrupted", err));
        } catch (IOException | RuntimeException e) {
            cleanUpFailed(process, channel, server, socketPath, rings);
            throw new StartFailure(failure(ctx, stage + " failed: " + e, err));
        }
    }

    private ProcessBuilder processBuilder(Context ctx, Path socketPath, ShmRings rings) {
        List<String> cmd = new ArrayList<>();
        cmd.add(settings.interpreter());
        cmd.addAll(settings.interpreterArgs());
        cmd.add(directory.wrapperScript().toString());
        ProcessBuilder pb =
                new ProcessBuilder(cmd).directory(directory.codeDirectory().toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(settings.environment().inherited());
        env.putAll(settings.functionEnv());
        settings.language().environment(env);
        env.put("NUCLEON_PROTOCOL", Integer.toString(Protocol.VERSION));
        env.put("NUCLEON_SOCKET", socketPath.toString());
        env.put("NUCLEON_TRANSPORT", settings.transport().name());
        if (rings != null) {
            env.put("NUCLEON_SHM_FILE", rings.file().toString());
        } else {
            env.remove("NUCLEON_SHM_FILE");
        }
        env.put("NUCLEON_HANDLER", settings.handler());
        env.put("NUCLEON_CODE_DIR", directory.codeDirectory().toString());
        env.put("NUCLEON_WORKER_ID", Integer.toString(ctx.workerId()));
        env.put("NUCLEON_FUNCTION_NAME", ctx.functionName());
        env.put("NUCLEON_TRIGGER_KIND", ctx.triggerKind());
        env.put("NUCLEON_TRIGGER_NAME", ctx.triggerName());
        env.put("NUCLEON_MAX_FRAME", Integer.toString(settings.transport().maxFrame()));
        if (settings.dataBindings().isEmpty()) {
            env.remove("NUCLEON_DATA_BINDINGS");
        } else {
            env.put("NUCLEON_DATA_BINDINGS", dataBindingsJson(settings.dataBindings()));
        }
        if (settings.decodeJsonBody()) {
            env.put("NUCLEON_DECODE_JSON_BODY", "1");
        } else {
            env.remove("NUCLEON_DECODE_JSON_BODY");
        }
        return pb;
    }

    /** {@code NUCLEON_DATA_BINDINGS}: a JSON object of binding name to kind. */
    static String dataBindingsJson(Map<String, String> bindings) {
        try {
            return io.nucleon.spi.Json.mapper().writeValueAsString(bindings);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // a map of strings always serialises
        }
    }

    /** The handshake, cut short by the timer (which kills the wrapper and closes the socket) at {@code deadline}. */
    private JsonNode handshakeWithin(
            long deadline, Context ctx, Process p, SocketTransport socket, OutputPump err, WrapperLog log)
            throws StartFailure, InterruptedException {
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> guard = timer.schedule(
                () -> {
                    late.set(true);
                    p.destroyForcibly();
                    socket.close();
                },
                Math.max(1, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS);
        try {
            return handshake(ctx, socket, err, log);
        } catch (IOException e) {
            if (late.get()) {
                throw new StartFailure(failure(
                        ctx,
                        "it did not complete its handshake within " + millis(settings.startTimeout())
                                + " (loading the handler and its init hook)",
                        err));
            }
            p.waitFor(500, TimeUnit.MILLISECONDS);
            throw new StartFailure(failure(
                    ctx,
                    "it closed the connection during the handshake"
                            + (p.isAlive() ? "" : " and exited " + WrapperProcess.exitDescription(p)),
                    err));
        } finally {
            guard.cancel(false);
        }
    }

    private JsonNode handshake(Context ctx, SocketTransport socket, OutputPump err, WrapperLog log)
            throws IOException, StartFailure {
        while (true) {
            Message m;
            try {
                m = socket.receive();
            } catch (ProtocolException e) {
                throw new StartFailure(failure(
                        ctx,
                        "it broke the protocol during the handshake: " + UntrustedText.oneLine(e.getMessage()),
                        err));
            }
            if (m instanceof Message.Log frame) {
                log.frame(frame.json());
            } else if (m instanceof Message.Hello h) {
                JsonNode hello;
                try {
                    hello = MetaCodec.object(h.json(), "HELLO");
                } catch (ProtocolException e) {
                    throw new StartFailure(failure(ctx, UntrustedText.oneLine(e.getMessage()), err));
                }
                int version = hello.path("protocol").asInt(-1);
                if (version != Protocol.VERSION) {
                    throw new StartFailure(failure(
                            ctx,
                            "it speaks protocol version "
                                    + WrapperLog.text(hello.path("protocol").toString()) + "; this processor speaks "
                                    + Protocol.VERSION,
                            err));
                }
                return hello;
            } else if (m instanceof Message.InitFailed f) {
                String detail = f.json();
                try {
                    JsonNode n = MetaCodec.object(f.json(), "INIT_FAILED");
                    detail = n.path("message").asText("")
                            + (n.hasNonNull("traceback")
                                    ? "\n" + n.get("traceback").asText()
                                    : "");
                } catch (ProtocolException ignored) {
                    // show it raw
                }
                throw new StartFailure(
                        failure(ctx, "loading the handler failed: " + WrapperLog.traceback(detail), err));
            } else if (!(m instanceof Message.Skipped) && !(m instanceof Message.Metric)) {
                throw new StartFailure(failure(ctx, "it sent " + m.getClass().getSimpleName() + " before HELLO", err));
            }
        }
    }

    private String failure(Context ctx, String reason, OutputPump err) {
        String tail = err == null ? "" : err.lastLines(300);
        int withheld = settings.environment().withheldNames().size();
        return "the " + settings.kind() + " wrapper of worker " + ctx.triggerName() + "/" + ctx.workerId()
                + " (interpreter " + settings.interpreter() + ", handler " + settings.handler() + ", code directory "
                + directory.codeDirectory() + ") failed to start: " + reason
                + (withheld == 0
                        ? ""
                        : " (" + withheld + " of the processor's environment variables were withheld from it;"
                                + " runtimeAttributes.inheritEnvNames passes more)")
                + (tail.isEmpty() ? "; it wrote nothing to stderr" : "; its stderr ended with:\n" + tail);
    }

    private static void cleanUpFailed(
            Process process, SocketChannel channel, ServerSocketChannel server, Path socketPath, ShmRings rings) {
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
                Files.deleteIfExists(rings.file());
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

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    /** Stops the timer and deletes the run directory; the wrappers must be gone already. */
    @Override
    public void close() {
        timer.shutdownNow();
        directory.delete();
    }
}
