package io.nucleon.test;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * A function jar running as a process, started by {@link FunctionJar}: its control server, its
 * output, and the ways to end it. {@link #close()} kills it (and any process it started) if it is
 * still running, so a test that fails half-way leaves nothing behind: use try-with-resources.
 *
 * <p>Every failure this class reports (an exit before ready, a wait that times out, a process that
 * does not stop) is an {@link AssertionError} that carries the process's output.
 */
public final class FunctionProcess implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(50);

    private final String name;
    private final Process process;
    private final Path directory;
    private final boolean ownDirectory;
    private final Path tempDirectory;
    private final int controlPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    FunctionProcess(
            String name, Process process, Path directory, boolean ownDirectory, Path tempDirectory, int controlPort) {
        this.name = name;
        this.process = process;
        this.directory = directory;
        this.ownDirectory = ownDirectory;
        this.tempDirectory = tempDirectory;
        this.controlPort = controlPort;
    }

    /** The process. */
    public Process process() {
        return process;
    }

    /** The process's working directory, with its output ({@code output.log}) and the function.yaml it was given, if overridden. */
    public Path directory() {
        return directory;
    }

    /** The process's temporary directory ({@code java.io.tmpdir}): empty at start, deleted by {@link #close()}. */
    public Path tempDirectory() {
        return tempDirectory;
    }

    /** Everything the process has written to standard output and error so far. */
    public String output() {
        try {
            return Files.readString(directory.resolve("output.log"));
        } catch (IOException e) {
            return "(its output cannot be read: " + e + ")";
        }
    }

    /** The control server's port. */
    public int controlPort() {
        if (controlPort < 0) {
            throw new IllegalStateException(name + " runs with --no-control: it has no control server");
        }
        return controlPort;
    }

    /** The URL of {@code path} on the control server, e.g. {@code controlUrl("/metrics")}. */
    public URI controlUrl(String path) {
        return URI.create("http://127.0.0.1:" + controlPort() + path);
    }

    /** {@code GET path} on the control server (no token), e.g. {@code control("/status")}. */
    public HttpResponse<String> control(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(controlUrl(path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "GET " + controlUrl(path) + " failed; " + name
                            + (process.isAlive() ? " is running" : " exited with code " + process.exitValue())
                            + "; its output:\n" + output(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** What {@code /status} answers, as JSON. */
    public JsonNode status() {
        HttpResponse<String> r = control("/status");
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /status answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("/status is not JSON: " + r.body(), e);
        }
    }

    /**
     * The sum of the samples of the metric {@code name} on {@code /metrics} whose labels include
     * {@code labels}, e.g. {@code metric("nucleon_events_total", Map.of("trigger", "orders", "outcome", "success"))};
     * 0 when there is none.
     */
    public double metric(String name, Map<String, String> labels) {
        HttpResponse<String> r = control("/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return PrometheusText.sum(r.body(), name, labels);
    }

    /**
     * Waits until the control server answers {@code /ready} with 200.
     *
     * @throws AssertionError with the output, when the process exits first or is not ready within {@code timeout}
     */
    public void awaitReady(Duration timeout) {
        await("GET " + controlUrl("/ready") + " to answer 200", timeout, this::ready);
    }

    private boolean ready() {
        try {
            return http.send(
                                    HttpRequest.newBuilder(controlUrl("/ready"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException notListeningYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until {@code condition} holds, checking it every 50 ms.
     *
     * @throws AssertionError with {@code what} and the output, when the process exits first or
     *                        {@code timeout} passes
     */
    public void await(String what, Duration timeout, Callable<Boolean> condition) {
        try {
            Awaitility.await(what)
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .failFast("the process exited", () -> !process.isAlive())
                    .until(condition);
        } catch (TerminalFailureException e) {
            throw new AssertionError(name + " exited with code " + exitCode() + " while waiting for " + what
                    + "; its output:\n" + output());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + ": timed out after " + timeout.toMillis() + " ms waiting for " + what
                    + "; its output:\n" + output());
        }
    }

    /** @throws AssertionError with the output, when the process has exited */
    public void assertAlive() {
        if (!process.isAlive()) {
            throw new AssertionError(name + " exited with code " + exitCode() + "; its output:\n" + output());
        }
    }

    /**
     * Stops the process the way an operator does (SIGTERM), waits for it to exit, and checks that it
     * left none of the processes it started (wrapper processes) running.
     *
     * @return its exit code (0 after a graceful stop)
     * @throws AssertionError with the output, when it does not exit within 30 s or leaves processes behind
     */
    public int stop() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        int code = awaitExit(STOP_TIMEOUT);
        try {
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " exited with code " + code + " but left processes it started running: "
                    + describe(children.stream().filter(ProcessHandle::isAlive).toList()) + "; its output:\n"
                    + output());
        }
        return code;
    }

    /**
     * Kills the function at once (SIGKILL), as a crash would, and returns the exit code of the process
     * this kit started. The whole tree goes at the same instant: the JVM that {@code java -jar} may have
     * started with the start-up archive (the one that runs the function) and the wrapper processes, as
     * when a machine or a container dies.
     */
    public int kill() {
        java.util.List<ProcessHandle> tree = process.descendants().collect(java.util.stream.Collectors.toList());
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        return awaitExit(STOP_TIMEOUT);
    }

    /**
     * Waits for the process to exit by itself (e.g. after a configuration error).
     *
     * @return its exit code
     * @throws AssertionError with the output, when it is still running after {@code timeout}
     */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        name + " did not exit within " + timeout.toMillis() + " ms; its output:\n" + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return process.exitValue();
    }

    private int exitCode() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    private static String describe(List<ProcessHandle> processes) {
        if (processes.isEmpty()) {
            return "none";
        }
        return processes.stream()
                .map(p -> p.pid()
                        + p.info()
                                .command()
                                .map(c -> " " + Path.of(c).getFileName())
                                .orElse(""))
                .collect(Collectors.joining(", "));
    }

    /**
     * Kills the process and every process it started, if still running, and deletes its temporary
     * directory, and its working directory when {@link FunctionJar} made a temporary one for it. Idempotent.
     */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delete(tempDirectory);
        if (ownDirectory) {
            delete(directory);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it up in the end
        }
    }

    @Override
    public String toString() {
        return "FunctionProcess{" + name + ", pid " + process.pid() + (process.isAlive() ? ", running" : ", exited")
                + "}";
    }
}
