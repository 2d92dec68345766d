package io.nucleon.core;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.FunctionSpecReader;
import io.nucleon.core.config.ReadOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a packaged function: {@code java -jar my-fn.jar [function.yaml] [options]}.
 *
 * <p>Without a path it reads the {@code function.yaml} packed in the jar. It stops gracefully on
 * SIGTERM or SIGINT (drains in-flight events, runs close hooks) and exits 0. Exit codes: 0 after a
 * stop, 2 for a bad configuration or command line (the message names file, line and field; no
 * stack trace), 1 when the function cannot start.
 *
 * <p>When the function's build left a class-data archive next to the jar, made by the same JVM, the function
 * runs in a second JVM that uses it, and this one waits for it ({@link StartupArchive}, docs/startup.md).
 */
public final class Main {
    /** The environment variable that switches the console log to JSON lines: {@code NUCLEON_LOG_FORMAT=json}. */
    public static final String LOG_FORMAT_ENV = Launcher.LOG_FORMAT_ENV;
    /** Overrides the control server's address. */
    public static final String CONTROL_HOST_ENV = Launcher.CONTROL_HOST_ENV;
    /** Overrides the control server's port. */
    public static final String CONTROL_PORT_ENV = Launcher.CONTROL_PORT_ENV;
    /** A file holding the control server's bearer token (its first line). */
    public static final String CONTROL_TOKEN_FILE_ENV = Launcher.CONTROL_TOKEN_FILE_ENV;

    private static final String USAGE = String.join(
            "\n",
            "usage: java -jar <function>.jar [function.yaml] [options]",
            "  function.yaml           the function to run; default: the function.yaml inside the jar",
            Launcher.FLAGS_USAGE,
            "  --nuclio                read function.yaml in Nuclio's format even if it does not declare",
            "                          itself Nuclio's (keys Nuclio ignores are warnings, not errors)",
            "  --help                  this text");

    private Main() {}

    public static void main(String[] args) {
        if (StartupArchive.TRAINING.equals(System.getProperty(StartupArchive.PROPERTY))) {
            System.exit(StartupTraining.train()); // the build's run that records the start-up archive
        }
        // a second JVM with the jar's class-data archive, when the build made one for this JVM (StartupArchive)
        int relaunched = StartupArchive.relaunch();
        System.exit(relaunched >= 0 ? relaunched : run(args, System.err));
    }

    static int run(String[] args, PrintStream err) {
        String yamlPath = null;
        Launcher launcher = new Launcher();
        boolean nuclio = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    err.println(USAGE);
                    return 0;
                }
                case "--nuclio" -> nuclio = true;
                default -> {
                    int used;
                    try {
                        used = launcher.accept(args, i);
                    } catch (Launcher.UsageException e) {
                        err.println("nucleon: " + e.getMessage() + "\n" + USAGE);
                        return 2;
                    }
                    if (used >= 0) {
                        i = used;
                    } else if (a.startsWith("-") || yamlPath != null) {
                        err.println("nucleon: unexpected argument '" + a + "'\n" + USAGE);
                        return 2;
                    } else {
                        yamlPath = a;
                    }
                }
            }
        }
        ControlOptions control;
        try {
            control = launcher.controlOptions();
        } catch (Launcher.UsageException e) {
            err.println("nucleon: " + e.getMessage());
            return 2;
        }

        FunctionSpec spec;
        Processor processor;
        ReadOptions options = new ReadOptions(nuclio, null, null, null, null, null, null, null);
        try {
            spec = yamlPath != null ? FunctionSpecReader.read(Path.of(yamlPath), options) : packagedSpec(options);
            processor = new FunctionProcessor(spec, null, control);
        } catch (FunctionConfigException e) {
            err.println("nucleon: invalid function configuration\n" + e.getMessage());
            return 2;
        } catch (NoPackagedFunction e) {
            err.println("nucleon: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopping.compareAndSet(false, true)) {
                processor.stop();
                stopped.countDown();
            }
        };
        Launcher.onStopSignal(stop);
        StartupArchive.onLauncherExit(stop);
        try {
            processor.start();
        } catch (Exception e) {
            err.println("nucleon: function '" + spec.name() + "' could not start: " + Launcher.describe(e));
            return 1;
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The {@code function.yaml} packed in the jar; it has no directory, so it must name the function. */
    static FunctionSpec packagedSpec(ReadOptions options) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("function.yaml")) {
            if (in == null) {
                throw new NoPackagedFunction();
            }
            return FunctionSpecReader.read(
                    "function.yaml (packaged)", new String(in.readAllBytes(), StandardCharsets.UTF_8), options);
        } catch (IOException e) {
            throw new FunctionConfigException("", "the packaged function.yaml cannot be read: " + e.getMessage());
        }
    }

    static final class NoPackagedFunction extends RuntimeException {
        NoPackagedFunction() {
            super("no function.yaml was given and none is packaged in the jar", null, false, false);
        }
    }
}
