package io.nucleon.core;

import io.nucleon.core.control.ControlServer;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every command-line entry point into the engine shares: a packaged function's {@link Main} and
 * the runner ({@code nucleon.jar run}). It parses the control-server and logging flags (with their
 * environment variables as defaults), points Logback at Nucleon's console configuration, and turns
 * SIGTERM and SIGINT into a graceful stop. One instance parses one command line.
 */
public final class Launcher {
    /** The environment variable that switches the console log to JSON lines: {@code NUCLEON_LOG_FORMAT=json}. */
    public static final String LOG_FORMAT_ENV = "NUCLEON_LOG_FORMAT";
    /** Overrides the control server's address. */
    public static final String CONTROL_HOST_ENV = "NUCLEON_CONTROL_HOST";
    /** Overrides the control server's port. */
    public static final String CONTROL_PORT_ENV = "NUCLEON_CONTROL_PORT";
    /** A file holding the control server's bearer token (its first line). */
    public static final String CONTROL_TOKEN_FILE_ENV = "NUCLEON_CONTROL_TOKEN_FILE";

    /** The usage lines of the flags {@link #accept} takes, to put in a command's {@code --help}. */
    public static final String FLAGS_USAGE = String.join(
            "\n",
            "  --control-host HOST     control server address (default 127.0.0.1; env " + CONTROL_HOST_ENV + ")",
            "  --control-port PORT     control server port, 0 for any free port (default 8082; env " + CONTROL_PORT_ENV
                    + ")",
            "  --control-token-file F  the control server's bearer token, read from the first line of F",
            "                          (/metrics, /status and admin endpoints ask for it; env " + CONTROL_TOKEN_FILE_ENV
                    + ")",
            "  --no-control            run without the control server",
            "  --log-format text|json  console log format (default text; env " + LOG_FORMAT_ENV + ")");

    private String host = envOr(CONTROL_HOST_ENV, ControlServer.DEFAULT_HOST);
    private String port = envOr(CONTROL_PORT_ENV, Integer.toString(ControlServer.DEFAULT_PORT));
    private boolean controlEnabled = true;
    private String tokenFile = envOr(CONTROL_TOKEN_FILE_ENV, null);
    private String logFormat = envOr(LOG_FORMAT_ENV, "text");

    /** A wrong command line: the caller prints the message (and its usage) and exits 2. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** A usage error saying {@code message}. */
        public UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Takes {@code args[i]} when it is one of the shared flags, with its value.
     *
     * @return the index of the last argument used, or -1 when {@code args[i]} is not a shared flag
     * @throws UsageException when the flag's value is missing
     */
    public int accept(String[] args, int i) {
        String a = args[i];
        switch (a) {
            case "--no-control" -> {
                controlEnabled = false;
                return i;
            }
            case "--control-host", "--control-port", "--control-token-file", "--log-format" -> {
                if (i + 1 >= args.length) {
                    throw new UsageException(a + " needs a value");
                }
                String v = args[i + 1];
                switch (a) {
                    case "--control-host" -> host = v;
                    case "--control-port" -> port = v;
                    case "--control-token-file" -> tokenFile = v;
                    default -> logFormat = v;
                }
                return i + 1;
            }
            default -> {
                return -1;
            }
        }
    }

    /**
     * Checks the flags, configures the console log (so call it before the first logger is made) and reads
     * the control token.
     *
     * @throws UsageException naming the flag that is wrong and what it allows
     */
    public ControlOptions controlOptions() {
        String format = logFormat.toLowerCase(Locale.ROOT);
        if (!format.equals("text") && !format.equals("json")) {
            throw new UsageException("log format must be text or json, got '" + logFormat + "'");
        }
        configureLogging(format);
        nettyDefaults();
        int controlPort;
        try {
            controlPort = Integer.parseInt(port.trim());
            if (controlPort < 0 || controlPort > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new UsageException("the control port must be a number from 0 to 65535, got '" + port + "'");
        }
        String token = null;
        if (tokenFile != null) {
            try {
                token = readToken(Path.of(tokenFile));
            } catch (IOException | IllegalArgumentException e) {
                throw new UsageException("the control token file " + tokenFile + " cannot be used: " + e.getMessage());
            }
        }
        return new ControlOptions(controlEnabled, host, controlPort, token);
    }

    /** The message of {@code e} and of each of its causes, one per line, without stack traces. */
    public static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage() != null ? e.getMessage() : e.toString()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("\n  caused by: ").append(c.getMessage() != null ? c.getMessage() : c.toString());
        }
        return sb.toString();
    }

    /**
     * Runs {@code stop} once, on a thread of its own, at the first SIGTERM or SIGINT; the main thread then
     * returns and exits 0 (a shutdown hook could not: the JVM would exit 143). {@code sun.misc.Signal}
     * (module jdk.unsupported) is reached by reflection, because javac cannot be told to accept a direct use
     * of it under {@code -Werror}.
     */
    public static void onStopSignal(Runnable stop) {
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

    /**
     * Points Logback (when it is the SLF4J backend, as in a packaged function) at Nucleon's console
     * configuration, unless the user chose a configuration. Must run before the first logger is made.
     *
     * @param format {@code text} or {@code json}
     */
    public static void configureLogging(String format) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "nucleon-logback.xml");
        }
        System.setProperty("nucleon.log.format", format.equals("json") ? "JSON" : "TEXT");
    }

    /**
     * Netty's defaults that a command-line start changes, each only when the user has not set it: Netty's JFR
     * events off ({@code io.netty.jfr.enabled=false}). With them on, Netty's first buffer allocation (the first
     * request) registers its event classes with JFR, which generates code for them even when nothing records:
     * about a tenth of a second before the first answer (docs/startup.md). {@code -Dio.netty.jfr.enabled=true}
     * turns them back on for a JFR recording that wants them.
     */
    static void nettyDefaults() {
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
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
}
