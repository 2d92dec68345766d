package io.nucleon.runtime.external;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.runtime.external.supervision.FunctionCode;
import io.nucleon.runtime.external.supervision.Language;
import io.nucleon.runtime.external.supervision.WrapperEnvironment;
import io.nucleon.runtime.external.supervision.WrapperSettings;
import io.nucleon.runtime.external.transport.Transport;
import io.nucleon.runtime.external.transport.TransportSettings;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.ByteSize;
import io.nucleon.spi.RuntimeContext;
import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Reads {@code spec.handler}, {@code spec.env} and {@code spec.runtimeAttributes}
 * ({@link ExternalRuntimeConfig}) into {@link WrapperSettings}, once, when the function is built.
 * Checks everything it can before a wrapper exists (the interpreter on {@code PATH}, the handler's
 * module in the code directory, every attribute's range) and reports every problem at once through
 * {@link AttributeProblems}.
 */
final class WrapperSettingsReader {
    private static final String CLASSPATH = "classpath:";

    private WrapperSettingsReader() {}

    /** @throws FunctionConfigException listing every problem, each with the path of its field */
    static WrapperSettings read(Language language, RuntimeContext context) {
        ExternalRuntimeConfig config = context.attributes(ExternalRuntimeConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);

        String handler = handler(language, context.handler(), problems);
        String interpreter = interpreter(language, config, context.baseDirectory(), problems);
        TransportSettings transport = transport(language, config, problems);
        Duration startTimeout = positive(config.startTimeout, "startTimeout", problems);
        Duration stopTimeout = positive(config.stopTimeout, "stopTimeout", problems);
        Duration restartDelay = positive(config.restartDelay, "restartDelay", problems);
        Duration maxRestartDelay = positive(config.maxRestartDelay, "maxRestartDelay", problems);
        problems.check(
                config.maxLogLinesPerSecond >= 1,
                "maxLogLinesPerSecond",
                "must be at least 1, got " + config.maxLogLinesPerSecond);
        problems.check(config.logLineBurst >= 1, "logLineBurst", "must be at least 1, got " + config.logLineBurst);
        problems.check(
                !config.decodeJsonBody || language == Language.PYTHON,
                "decodeJsonBody",
                "is a python runtime" + " setting (the " + language.kind()
                        + " wrapper always gives the body as bytes)");
        WrapperEnvironment environment =
                WrapperEnvironment.of(config.inheritEnv, config.inheritEnvNames, System.getenv(), problems);
        FunctionCode code = handler == null ? null : code(language, config, handler, context.baseDirectory(), problems);
        if (!language.wrapperPresent()) {
            problems.addAll(new FunctionConfigException(
                    "spec.runtime",
                    "the " + language.kind() + " wrapper (" + language.wrapperScript()
                            + ") is missing from nucleon-runtime-external"));
        }
        problems.throwIfAny();

        Path runBase =
                Path.of(config.runDirectory.isBlank() ? System.getProperty("java.io.tmpdir") : config.runDirectory);
        if (language == Language.PYTHON && config.interpreter.indexOf('/') < 0) {
            // found on PATH: pyenv's shim costs every wrapper start as much again as Python's own start
            interpreter = PyenvShim.resolve(
                            Path.of(interpreter),
                            System.getenv(),
                            context.env(),
                            java.util.Arrays.asList(
                                    code instanceof FunctionCode.OnDisk d ? d.directory() : null, runBase))
                    .toString();
        }
        return new WrapperSettings(
                language,
                context.functionName(),
                handler,
                interpreter,
                config.interpreterArgs,
                code,
                runBase,
                context.env(),
                environment,
                config.decodeJsonBody,
                transport,
                startTimeout,
                stopTimeout,
                restartDelay,
                maxRestartDelay,
                config.maxLogLinesPerSecond,
                config.logLineBurst,
                context.eventTimeout() == null ? Duration.ZERO : context.eventTimeout(),
                context.dataBindings());
    }

    /** The file a Node.js handler given as a function name alone is exported from, as in Nuclio's nodejs runtime. */
    static final String NODE_DEFAULT_FILE = "handler";

    /**
     * {@code spec.handler} in the {@code file:function} form the wrappers take, or {@code null} when it has
     * none of the forms the runtime accepts (a problem then). Python: {@code module:function}. Node.js, as
     * Nuclio's nodejs runtime reads it: {@code file:function}, or {@code function} alone, exported from
     * {@code handler.js}.
     */
    static String handler(Language language, String h, AttributeProblems problems) {
        String t = h == null ? "" : h.trim();
        int colon = t.indexOf(':');
        if (language == Language.NODEJS && colon < 0 && !t.isEmpty()) {
            return NODE_DEFAULT_FILE + ":" + t;
        }
        if (colon <= 0 || colon == t.length() - 1 || t.indexOf(':', colon + 1) >= 0) {
            problems.addAll(new FunctionConfigException(
                    "spec.handler",
                    "must be " + language.handlerForm()
                            + (language == Language.NODEJS
                                    ? ", or the function alone (an export of " + NODE_DEFAULT_FILE + ".js)"
                                    : "")
                            + ", got " + (h == null ? "nothing" : "\"" + h + "\"")));
            return null;
        }
        return t;
    }

    private static Duration positive(Duration d, String attribute, AttributeProblems problems) {
        return problems.check(d != null && !d.isZero() && !d.isNegative(), attribute, "must be a positive duration")
                ? d
                : null;
    }

    /** The interpreter's path: as given when it holds a slash, else found on {@code PATH}. */
    private static String interpreter(
            Language language, ExternalRuntimeConfig config, Path base, AttributeProblems problems) {
        String given = config.interpreter.isBlank() ? language.defaultInterpreter() : config.interpreter.trim();
        if (given.contains("/")) {
            Path p = base != null ? base.resolve(given) : Path.of(given);
            problems.check(Files.isExecutable(p), "interpreter", "'" + p + "' is not an executable file");
            return p.toString();
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, given))) {
                    return Path.of(dir, given).toString();
                }
            }
        }
        problems.add(
                "interpreter",
                "'" + given + "' was not found on PATH; install it or set"
                        + " runtimeAttributes.interpreter to its path");
        return given;
    }

    /** The transport and its sizes; {@code shm} by default where the wrapper has it and the directory is writable. */
    private static TransportSettings transport(
            Language language, ExternalRuntimeConfig config, AttributeProblems problems) {
        Path shm = Path.of(config.shmDirectory);
        boolean shmUsable = Files.isDirectory(shm) && Files.isWritable(shm);
        String t = config.transport.trim().toLowerCase(Locale.ROOT);
        String name;
        if (t.isEmpty()) {
            name = language.supportsShm() && shmUsable ? Transport.SHM : Transport.UDS;
        } else if (t.equals(Transport.UDS)) {
            name = t;
        } else if (t.equals(Transport.SHM)) {
            name = t;
            if (!language.supportsShm()) {
                problems.add(
                        "transport",
                        "the " + language.kind() + " wrapper has no shared-memory"
                                + " transport (Node.js cannot map a file without a native add-on); use uds");
            } else {
                problems.check(shmUsable, "transport", "shm needs a writable shmDirectory; " + shm + " is not one");
            }
        } else {
            problems.add("transport", "must be shm or uds, got \"" + config.transport + "\"");
            name = Transport.UDS;
        }
        int ringSize = size(
                config.ringSize, "ringSize", 64 << 10, 1L << 30, true, "a power of two from 64KiB to 1GiB", problems);
        int maxFrame = size(
                config.maxFrameSize,
                "maxFrameSize",
                1024,
                Integer.MAX_VALUE - 64,
                false,
                "from 1KiB to 2GiB",
                problems);
        Duration spin = config.spinTime;
        if (!problems.check(spin != null && !spin.isNegative(), "spinTime", "must be zero or more")) {
            spin = Duration.ZERO;
        }
        int inFlight = config.eventsInFlight;
        if (!problems.check(
                inFlight >= 1 && inFlight <= TransportSettings.MAX_EVENTS_IN_FLIGHT,
                "eventsInFlight",
                "must be from 1 to " + TransportSettings.MAX_EVENTS_IN_FLIGHT + ", got " + inFlight)) {
            inFlight = 1;
        }
        return new TransportSettings(name, shm, ringSize, maxFrame, spin, inFlight);
    }

    private static int size(
            ByteSize size,
            String attribute,
            long min,
            long max,
            boolean powerOfTwo,
            String allowed,
            AttributeProblems problems) {
        long bytes = size == null ? -1 : size.bytes();
        boolean ok = bytes >= min && bytes <= max && (!powerOfTwo || Long.bitCount(bytes) == 1);
        return problems.check(ok, attribute, "must be " + allowed + ", got " + size) ? (int) bytes : (int) min;
    }

    /**
     * Where the handler's module is: {@code codeDir} (a directory, or {@code classpath:<dir>}), else the
     * function.yaml's directory, else the class path's {@code function} directory (a packaged function).
     * {@code null} when it is nowhere (a problem then).
     */
    private static FunctionCode code(
            Language language, ExternalRuntimeConfig config, String handler, Path base, AttributeProblems problems) {
        String module = handler.substring(0, handler.indexOf(':'));
        String cd = config.codeDir.trim();
        String files = String.join(" or ", language.moduleFiles(module));
        String prefix;
        if (cd.startsWith(CLASSPATH)) {
            prefix = trimSlashes(cd.substring(CLASSPATH.length()));
            URL found = classpathModule(language, prefix, module);
            if (!problems.check(
                    found != null,
                    "codeDir",
                    "no " + files + " under classpath directory '" + prefix + "' for handler " + handler)) {
                return null;
            }
            return classpathCode(language, found, prefix, module);
        }
        if (!cd.isEmpty()) {
            Path dir = base != null ? base.resolve(cd) : Path.of(cd).toAbsolutePath();
            if (!problems.check(Files.isDirectory(dir), "codeDir", "directory " + dir + " does not exist")) {
                return null;
            }
            if (language.findModule(dir, module) == null) {
                problems.addAll(new FunctionConfigException(
                        "spec.handler", "module '" + module + "' not found: no " + files + " in " + dir));
                return null;
            }
            return new FunctionCode.OnDisk(dir.normalize());
        }
        if (base != null && language.findModule(base, module) != null) {
            return new FunctionCode.OnDisk(base);
        }
        prefix = "function";
        URL found = classpathModule(language, prefix, module);
        if (found == null) {
            problems.addAll(new FunctionConfigException(
                    "spec.handler",
                    "module '" + module + "' not found: no " + files
                            + (base != null ? " in " + base + " or" : " in") + " the classpath directory 'function'"
                            + " (set runtimeAttributes.codeDir)"));
            return null;
        }
        return classpathCode(language, found, prefix, module);
    }

    /** Code found on the class path: used where it is when that is a directory, else unpacked from its jar at start. */
    private static FunctionCode classpathCode(Language language, URL moduleUrl, String prefix, String module) {
        if (!moduleUrl.getProtocol().equals("file")) {
            return new FunctionCode.InJar(moduleUrl, prefix);
        }
        try {
            Path file = Path.of(moduleUrl.toURI());
            for (String f : language.moduleFiles(module)) {
                if (file.endsWith(f)) {
                    Path dir = file;
                    for (int i = 0; i < Path.of(f).getNameCount(); i++) {
                        dir = dir.getParent();
                    }
                    return new FunctionCode.OnDisk(dir);
                }
            }
            return new FunctionCode.OnDisk(file.getParent());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("unreadable classpath location " + moduleUrl, e);
        }
    }

    private static URL classpathModule(Language language, String prefix, String module) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = WrapperSettingsReader.class.getClassLoader();
        }
        for (String f : language.moduleFiles(module)) {
            URL u = loader.getResource(prefix.isEmpty() ? f : prefix + "/" + f);
            if (u != null) {
                return u;
            }
        }
        return null;
    }

    private static String trimSlashes(String s) {
        String t = s.trim();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }
}
