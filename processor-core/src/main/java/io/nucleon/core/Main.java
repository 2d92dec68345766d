package io.nucleon.core;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.core.config.FunctionSpec;
import io.nucleon.core.config.FunctionSpecReader;
import io.nucleon.core.config.ReadOptions;
import io.nucleon.core.control.ControlServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a packaged function: {@code java -jar my-fn.jar [function.yaml] [options]}.
 *
 * <p>Without a path it reads the {@code function.yaml} packed in the jar. It stops gracefully on
 * SIGTERM or SIGINT (drains in-flight events, runs close hooks) and exits 0. Exit codes: 0 after a
 * stop, 2 for a bad configuration or command line (the message names file, line and field; no
 * stack trace), 1 when the function cannot start.
 */
public final class Main {
    /** The environment variable that switches the console log to JSON lines: {@code NUCLEON_LOG_FORMAT=json}. */
    public static final String LOG_FORMAT_ENV = "NUCLEON_LOG_FORMAT";
    /** Overrides the control server's address. */
    public static final String CONTROL_HOST_ENV = "NUCLEON_CONTROL_HOST";
    /** Overrides the control server's port. */
    public static final String CONTROL_PORT_ENV = "NUCLEON_CONTROL_PORT";
    /** A file holding the control server's bearer token (its first line). */
    public static final String CONTROL_TOKEN_FILE_ENV = "NUCLEON_CONTROL_TOKEN_FILE";

    private static final String USAGE = String.join(
            "\n",
            "usage: java -jar <function>.jar [function.yaml] [options]",
            "  function.yaml           the function to run; default: the function.yaml inside the jar",
            "  --control-host HOST     control server address (default 127.0.0.1; env " + CONTROL_HOST_ENV + ")",
            "  --control-port PORT     control server port, 0 for any free port (default 8082; env " + CONTROL_PORT_ENV
                    + ")",
            "  --control-token-file F  the control server's bearer token, read from the first line of F",
            "                          (/metrics, /status and admin endpoints ask for it; env " + CONTROL_TOKEN_FILE_ENV
                    + ")",
            "  --no-control            run without the control server",
            "  --nuclio                read function.yaml in Nuclio's format even if it does not declare",
            "                          itself Nuclio's (keys Nuclio ignores are warnings, not errors)",
            "  --log-format text|json  console log format (default text; env " + LOG_FORMAT_ENV + ")",
            "  --help                  this text");

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.err));
    }

    static int run(String[] args, PrintStream err) {
        String yamlPath = null;
        String host = envOr(CONTROL_HOST_ENV, ControlServer.DEFAULT_HOST);
        String port = envOr(CONTROL_PORT_ENV, Integer.toString(ControlServer.DEFAULT_PORT));
        boolean controlEnabled = true;
        boolean nuclio = false;
        String tokenFile = envOr(CONTROL_TOKEN_FILE_ENV, null);
        String logFormat = envOr(LOG_FORMAT_ENV, "text");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    err.println(USAGE);
                    return 0;
                }
                case "--control-host", "--control-port", "--control-token-file", "--log-format" -> {
                    if (i + 1 >= args.length) {
                        err.println("nucleon: " + a + " needs a value\n" + USAGE);
                        return 2;
                    }
                    String v = args[++i];
                    if (a.equals("--control-host")) {
                        host = v;
                    } else if (a.equals("--control-port")) {
                        port = v;
                    } else if (a.equals("--control-token-file")) {
                        tokenFile = v;
                    } else {
                        logFormat = v;
                    }
                }
                case "--no-control" -> controlEnabled = false;
                case "--nuclio" -> nuclio = true;
                default -> {
                    if (a.startsWith("-") || yamlPath != null) {
                        err.println("nucleon: unexpected argument '" + a + "'\n" + USAGE);
                        return 2;
                    }
                    yamlPath = a;
                }
            }
        }
        logFormat = logFormat.toLowerCase(Locale.ROOT);
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            err.println("nucleon: log format must be text or json, got '" + logFormat + "'");
            return 2;
        }
        configureLogging(logFormat);
        int controlPort;
        try {
            controlPort = Integer.parseInt(port.trim());
            if (controlPort < 0 || controlPort > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            err.println("nucleon: the control port must be a number from 0 to 65535, got '" + port + "'");
            return 2;
        }
        String token = null;
        if (tokenFile != null) {
            try {
                token = readToken(Path.of(tokenFile));
            } catch (IOException | IllegalArgumentException e) {
                err.println("nucleon: the control token file " + tokenFile + " cannot be used: " + e.getMessage());
                return 2;
            }
        }

        FunctionSpec spec;
        Processor processor;
        ReadOptions options = new ReadOptions(nuclio, null, null, null, null, null, null, null);
        try {
            spec = yamlPath != null ? FunctionSpecReader.read(Path.of(yamlPath), options) : packagedSpec(options);
            processor = new FunctionProcessor(spec, null, new ControlOptions(controlEnabled, host, controlPort, token));
        } catch (FunctionConfigException e) {
            err.println("nucleon: invalid function configuration\n" + e.getMessage());
            return 2;
        } catch (NoPackagedFunction e) {
            err.println("nucleon: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            processor.stop();
            stopped.countDown();
        };
        installSignalHandlers(stop);
        try {
            processor.start();
        } catch (Exception e) {
            err.println("nucleon: function '" + spec.name() + "' could not start: " + describe(e));
            return 1;
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage() != null ? e.getMessage() : e.toString()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("\n  caused by: ").append(c.getMessage() != null ? c.getMessage() : c.toString());
        }
        return sb.toString();
    }

    /**
     * SIGTERM and SIGINT stop the processor gracefully; the main thread then exits 0 (a shutdown hook could
     * not: the JVM would exit 143). {@code sun.misc.Signal} (module jdk.unsupported) is reached by
     * reflection, because javac cannot be told to accept a direct use of it under {@code -Werror}.
     */
    private static void installSignalHandlers(Runnable stop) {
        Thread stopper = new Thread(stop, "nucleon-stop");
        AtomicBoolean fired = new AtomicBoolean();
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(
                    handlerType.getClassLoader(), new Class<?>[] {handlerType}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "handle" -> {
                                if (fired.compareAndSet(false, true)) {
                                    stopper.start();
                                }
                                return null;
                            }
                            case "hashCode" -> {
                                return System.identityHashCode(proxy);
                            }
                            case "equals" -> {
                                return proxy == args[0];
                            }
                            default -> {
                                return "nucleon stop on signal";
                            }
                        }
                    });
            Method handle = signal.getMethod("handle", signal, handlerType);
            for (String name : new String[] {"TERM", "INT"}) {
                try {
                    handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
                } catch (InvocationTargetException e) {
                    // IllegalArgumentException: the signal is not available on this platform, or the JVM reserves it
                }
            }
        } catch (ReflectiveOperationException e) {
            // a JVM without jdk.unsupported: the default handling (exit 143 after the shutdown hooks) stays
        }
    }

    /** The {@code function.yaml} packed in the jar; it has no directory, so it must name the function. */
    private static FunctionSpec packagedSpec(ReadOptions options) {
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

    /**
     * Points Logback (when it is the SLF4J backend, as in a packaged function) at Nucleon's console
     * configuration, unless the user chose a configuration. Must run before the first logger is made.
     */
    private static void configureLogging(String format) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "nucleon-logback.xml");
        }
        System.setProperty("nucleon.log.format", format.equals("json") ? "JSON" : "TEXT");
    }

    /** The first line of {@code file}, trimmed; refuses an empty one. */
    static String readToken(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        String line = (nl < 0 ? text : text.substring(0, nl)).trim();
        if (line.isEmpty()) {
            throw new IllegalArgumentException("its first line is empty");
        }
        return line;
    }

    private static String envOr(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    private static final class NoPackagedFunction extends RuntimeException {
        NoPackagedFunction() {
            super("no function.yaml was given and none is packaged in the jar", null, false, false);
        }
    }
}
