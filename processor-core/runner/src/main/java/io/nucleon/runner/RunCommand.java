package io.nucleon.runner;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.core.ControlOptions;
import io.nucleon.core.FunctionProcessor;
import io.nucleon.core.Launcher;
import io.nucleon.core.Launcher.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * {@code run <dir or function.yaml>}: runs a function until SIGTERM or SIGINT, which drain in-flight
 * events; with {@code --watch}, restarts it on its new code whenever the code or {@code function.yaml}
 * changes ({@link WatchLoop}).
 */
final class RunCommand {
    static final String USAGE = String.join(
            "\n",
            "usage: java -jar nucleon.jar run <dir or function.yaml> [options]",
            "",
            "Runs a function: a Python or Node.js function from its directory, a Java function from the jars",
            "and class directories of --classpath (or runtimeAttributes.classpath), or from the .java files of",
            "its directory, compiled at start. Without a function.yaml, --runtime and --handler describe it,",
            "and it gets an HTTP trigger on --port (default 8080). SIGTERM or SIGINT drains in-flight events and",
            "exits 0.",
            "",
            "options:",
            "  --watch                 restart the function on its new code when its files change (development)",
            FunctionFlags.USAGE,
            Launcher.FLAGS_USAGE,
            "  --help                  this text",
            "",
            "exit codes: 0 stopped, 1 could not start, 2 bad configuration or command line");

    private final PrintStream out;
    private final PrintStream err;

    RunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) {
        FunctionFlags flags = new FunctionFlags();
        Launcher launcher = new Launcher();
        boolean watch = false;
        ControlOptions control;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    out.println(USAGE);
                    return Runner.OK;
                }
                if (a.equals("--watch")) {
                    watch = true;
                    continue;
                }
                int used = launcher.accept(args, i);
                if (used < 0) {
                    used = flags.accept(args, i);
                }
                if (used < 0) {
                    throw new UsageException("unknown option '" + a + "'");
                }
                i = used;
            }
            if (flags.location() == null) {
                throw new UsageException("the function's directory or function.yaml is needed");
            }
            control = launcher.controlOptions();
        } catch (UsageException e) {
            err.println("nucleon: " + e.getMessage() + "\n" + USAGE);
            return Runner.BAD_INPUT;
        }

        LoadedFunction function;
        FunctionProcessor processor;
        try {
            function = LoadedFunction.load(flags);
        } catch (UsageException e) {
            err.println("nucleon: " + e.getMessage());
            return Runner.BAD_INPUT;
        } catch (FunctionConfigException e) {
            err.println("nucleon: invalid function configuration\n" + e.getMessage());
            return Runner.BAD_INPUT;
        } catch (JavaSources.CompileFailure e) {
            err.println("nucleon: the function's Java sources do not compile\n" + e.getMessage());
            return Runner.BAD_INPUT;
        } catch (JavaSources.NoCompiler e) {
            err.println("nucleon: " + e.getMessage());
            return Runner.COULD_NOT_START;
        }
        try {
            processor = function.newProcessor(control);
        } catch (FunctionConfigException e) {
            function.close();
            err.println("nucleon: invalid function configuration\n" + e.getMessage());
            return Runner.BAD_INPUT;
        }
        if (watch) {
            try (WatchLoop loop = new WatchLoop(flags, control, function, processor)) {
                return loop.run(err);
            } catch (IOException e) {
                err.println("nucleon: cannot watch " + function.directory() + ": " + e.getMessage());
                return Runner.COULD_NOT_START;
            }
        }
        return runOnce(function, processor);
    }

    private int runOnce(LoadedFunction function, FunctionProcessor processor) {
        CountDownLatch stopped = new CountDownLatch(1);
        Launcher.onStopSignal(() -> {
            processor.stop();
            stopped.countDown();
        });
        try {
            processor.start();
        } catch (Exception e) {
            err.println("nucleon: function '" + function.spec().name() + "' could not start: " + Launcher.describe(e));
            processor.stop();
            function.close();
            return Runner.COULD_NOT_START;
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        function.close();
        return Runner.OK;
    }
}
