package io.nucleon.runner;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.core.ControlOptions;
import io.nucleon.core.FunctionProcessor;
import io.nucleon.core.Launcher;
import io.nucleon.core.Launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code run --watch}: runs the function, and when its files change (after {@value #DEBOUNCE_MS} ms of
 * quiet) reads it again, recompiles its Java sources if it has any, stops the running processor (which
 * drains its in-flight events for up to {@code spec.drainTimeout}) and starts a new one on the new code.
 *
 * <p>The new processor listens on the same ports, so the old one stops first: calls that arrive between
 * the stop and the new start are refused. A change that does not read, compile or validate is logged
 * and the running processor is kept; a new processor that fails to start is logged and the previous
 * version started again.
 */
final class WatchLoop implements AutoCloseable {
    static final long DEBOUNCE_MS = 300;
    private static final Logger LOG = LoggerFactory.getLogger(WatchLoop.class);

    private final FunctionFlags flags;
    private final ControlOptions control;
    private final WatchedPaths paths;
    /** Guards the running function against a stop signal arriving during a restart. */
    private final Object lock = new Object();

    private LoadedFunction function;
    private FunctionProcessor processor;
    private boolean stopping;

    WatchLoop(FunctionFlags flags, ControlOptions control, LoadedFunction function, FunctionProcessor processor)
            throws IOException {
        this.flags = flags;
        this.control = control;
        this.function = function;
        this.processor = processor;
        this.paths = new WatchedPaths();
        watch(function);
    }

    /** Runs until SIGTERM or SIGINT; returns the exit code. */
    int run(PrintStream err) {
        Launcher.onStopSignal(this::stop);
        try {
            processor.start();
        } catch (Exception e) {
            err.println("nucleon: function '" + function.spec().name() + "' could not start: " + describe(e));
            processor.stop();
            function.close();
            return Runner.COULD_NOT_START;
        }
        LOG.info("watching {} for changes", function.directory());
        try {
            for (Set<String> changed = paths.awaitChanges(Duration.ofMillis(DEBOUNCE_MS), function.directory());
                    !changed.isEmpty();
                    changed = paths.awaitChanges(Duration.ofMillis(DEBOUNCE_MS), function.directory())) {
                reload(changed);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
        synchronized (lock) {
            function.close();
        }
        return Runner.OK;
    }

    private void stop() {
        synchronized (lock) {
            stopping = true;
            processor.stop();
        }
        try {
            paths.close(); // ends awaitChanges, and so run()
        } catch (IOException e) {
            LOG.warn("closing the file watcher failed: {}", e.getMessage());
        }
    }

    private void reload(Set<String> changed) {
        String what = String.join(", ", changed);
        long began = System.nanoTime();
        LoadedFunction next;
        FunctionProcessor nextProcessor;
        try {
            next = LoadedFunction.load(flags);
        } catch (FunctionConfigException | UsageException | JavaSources.CompileFailure | JavaSources.NoCompiler e) {
            LOG.warn(
                    "{} changed, but the new version cannot run; still running the previous one:\n{}",
                    what,
                    e.getMessage());
            return;
        }
        try {
            nextProcessor = next.newProcessor(control);
        } catch (FunctionConfigException e) {
            next.close();
            LOG.warn(
                    "{} changed, but the new version cannot run; still running the previous one:\n{}",
                    what,
                    e.getMessage());
            return;
        }
        synchronized (lock) {
            if (stopping) {
                next.close();
                return;
            }
            processor.stop();
            try {
                nextProcessor.start();
            } catch (Exception e) {
                LOG.error(
                        "{} changed, but the new version could not start: {}; starting the previous one again",
                        what,
                        describe(e));
                nextProcessor.stop();
                next.close();
                restartPrevious();
                return;
            }
            LoadedFunction previous = function;
            function = next;
            processor = nextProcessor;
            previous.close();
        }
        LOG.info("{} changed: restarted on the new code in {} ms", what, (System.nanoTime() - began) / 1_000_000);
        watch(next);
    }

    /** Called under the lock after a failed start: the previous version, on a processor of its own. */
    private void restartPrevious() {
        try {
            FunctionProcessor again = function.newProcessor(control);
            processor = again;
            again.start();
        } catch (Exception e) {
            LOG.error(
                    "the previous version could not start again either: {}; waiting for the next change", describe(e));
        }
    }

    /** Adds what {@code f} reads (a class path may have changed) to what is watched. */
    private void watch(LoadedFunction f) {
        for (Path p : f.watched()) {
            try {
                paths.watch(p);
            } catch (IOException e) {
                LOG.warn("cannot watch {}: {}", p, e.getMessage());
            }
        }
    }

    private static String describe(Exception e) {
        return Launcher.describe(e);
    }

    @Override
    public void close() throws IOException {
        paths.close();
    }
}
