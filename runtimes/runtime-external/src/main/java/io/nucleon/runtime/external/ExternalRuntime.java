package io.nucleon.runtime.external;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nucleon.api.Context;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.WorkerRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * The {@code python} and {@code nodejs} runtimes: one supervised wrapper process per worker. Checks
 * the configuration when created; at the first worker's start it makes a private run directory
 * (mode 0700) for the sockets, the wrapper script and, for a packaged function, the unpacked code.
 */
final class ExternalRuntime implements FunctionRuntime {
    private static final String CLASSPATH = "classpath:";
    private static final String WRAPPERS = "io/nucleon/runtime/external/wrappers/";
    private static final int MAX_SOCKET_PATH = 100; // sun_path holds 108 bytes with the terminator; keep room for the name
    private static final int MAX_METRIC_NAMES = 100;

    private final Language language;
    private final ExternalRuntimeConfig config;
    private final String functionName;
    private final String handler;
    private final Map<String, String> env;
    /** The part of the processor's environment the wrappers inherit, chosen once (a JVM's environment does not change). */
    private final Map<String, String> inheritedEnv;
    private final int withheldEnvCount;
    private final WrapperEnvironment wrapperEnvironment;
    private final String interpreter;
    private final String transport;
    private final Path shmDirectory;
    private final int ringSize;
    private final int maxFrame;
    /** The code directory when it is on disk already; else {@code null} and {@link #classpathCode} is set. */
    private final Path givenCodeDirectory;
    private final URL classpathCode;
    private final String classpathPrefix;
    private final Path runBase;
    private final MeterRegistry registry;
    private final org.slf4j.Logger log = LoggerFactory.getLogger(ExternalRuntime.class);
    private final org.slf4j.Logger wrapperLog;
    private final AtomicLong wrapperIds = new AtomicLong();
    private final Map<ExternalWorker, Boolean> workers = new ConcurrentHashMap<>();
    private final Map<String, Counter> restarts = new ConcurrentHashMap<>();
    private final Map<String, Counter> handlerMetrics = new ConcurrentHashMap<>();
    private final Counter[] droppedLines = new Counter[WrapperLog.Source.values().length];
    private final Timer invocations;
    private volatile boolean metricLimitWarned;

    private Path runDirectory;
    private Path codeDirectory;
    private Path wrapperScript;
    private ScheduledExecutorService timer;
    private boolean closed;

    ExternalRuntime(Language language, RuntimeContext context) {
        this.language = language;
        this.config = context.attributes(ExternalRuntimeConfig.class);
        this.functionName = context.functionName();
        this.env = context.env();
        this.registry = context.meterRegistry();
        this.wrapperLog = LoggerFactory.getLogger("nucleon.wrapper." + functionName);

        String h = context.handler();
        if (h == null || h.isBlank() || h.indexOf(':') <= 0 || h.indexOf(':') == h.length() - 1) {
            throw new FunctionConfigException("spec.handler", "must be " + language.handlerForm + ", got "
                    + (h == null ? "nothing" : "\"" + h + "\""));
        }
        this.handler = h.trim();
        String module = handler.substring(0, handler.indexOf(':'));

        this.interpreter = resolveInterpreter(context);
        this.transport = chooseTransport(context);
        this.shmDirectory = Path.of(config.shmDirectory);
        long ring = config.ringSize.bytes();
        if (Long.bitCount(ring) != 1 || ring < (64 << 10) || ring > (1L << 30)) {
            throw context.attributeError("ringSize", "must be a power of two from 64KiB to 1GiB, got " + config.ringSize);
        }
        this.ringSize = (int) ring;
        long frame = config.maxFrameSize.bytes();
        if (frame < 1024 || frame > Integer.MAX_VALUE - 64) {
            throw context.attributeError("maxFrameSize", "must be from 1KiB to 2GiB, got " + config.maxFrameSize);
        }
        this.maxFrame = (int) frame;
        requirePositive(context, "startTimeout", config.startTimeout);
        requirePositive(context, "stopTimeout", config.stopTimeout);
        requirePositive(context, "restartDelay", config.restartDelay);
        requirePositive(context, "maxRestartDelay", config.maxRestartDelay);
        if (config.spinTime == null || config.spinTime.isNegative()) {
            throw context.attributeError("spinTime", "must be zero or more");
        }
        if (config.maxLogLinesPerSecond < 1) {
            throw context.attributeError("maxLogLinesPerSecond", "must be at least 1, got " + config.maxLogLinesPerSecond);
        }
        if (config.logLineBurst < 1) {
            throw context.attributeError("logLineBurst", "must be at least 1, got " + config.logLineBurst);
        }
        this.wrapperEnvironment = WrapperEnvironment.of(config, context);
        Map<String, String> processorEnv = System.getenv();
        this.inheritedEnv = java.util.Collections.unmodifiableMap(wrapperEnvironment.select(processorEnv));
        this.withheldEnvCount = processorEnv.size() - inheritedEnv.size();
        if (config.decodeJsonBody && language != Language.PYTHON) {
            throw context.attributeError("decodeJsonBody", "is a python runtime setting (the " + language.kind
                    + " wrapper always gives the body as bytes)");
        }
        this.runBase = Path.of(config.runDirectory.isBlank() ? System.getProperty("java.io.tmpdir") : config.runDirectory);

        // The code: a directory on disk, or a directory on the classpath (unpacked at start when in a jar).
        Path base = context.baseDirectory();
        String cd = config.codeDir.trim();
        Path onDisk = null;
        URL onClasspath = null;
        String prefix = null;
        if (cd.startsWith(CLASSPATH)) {
            prefix = trimSlashes(cd.substring(CLASSPATH.length()));
            onClasspath = classpathModule(prefix, module);
            if (onClasspath == null) {
                throw context.attributeError("codeDir", "no " + String.join(" or ", language.moduleFiles(module))
                        + " under classpath directory '" + prefix + "' for handler " + handler);
            }
        } else if (!cd.isEmpty()) {
            Path dir = base != null ? base.resolve(cd) : Path.of(cd).toAbsolutePath();
            if (!Files.isDirectory(dir)) {
                throw context.attributeError("codeDir", "directory " + dir + " does not exist");
            }
            if (language.findModule(dir, module) == null) {
                throw new FunctionConfigException("spec.handler", "module '" + module + "' not found: no "
                        + String.join(" or ", language.moduleFiles(module)) + " in " + dir);
            }
            onDisk = dir.normalize();
        } else if (base != null && language.findModule(base, module) != null) {
            onDisk = base;
        } else {
            prefix = "function";
            onClasspath = classpathModule(prefix, module);
            if (onClasspath == null) {
                throw new FunctionConfigException("spec.handler", "module '" + module + "' not found: no "
                        + String.join(" or ", language.moduleFiles(module)) + (base != null ? " in " + base + " or" : " in")
                        + " the classpath directory 'function' (set runtimeAttributes.codeDir)");
            }
        }
        if (onClasspath != null && onClasspath.getProtocol().equals("file")) {
            onDisk = classpathDirectory(onClasspath, prefix, module, language);
            onClasspath = null;
        }
        this.givenCodeDirectory = onDisk;
        this.classpathCode = onClasspath;
        this.classpathPrefix = prefix;
        if (getClass().getClassLoader().getResource(WRAPPERS + language.wrapperScript) == null) {
            throw new FunctionConfigException("spec.runtime", "the " + language.kind + " wrapper ("
                    + language.wrapperScript + ") is missing from nucleon-runtime-external");
        }

        Map<String, String> tags = Map.of("function", functionName, "runtime", language.kind);
        for (String reason : List.of("crash", "timeout", "protocol")) {
            restarts.put(reason, Counter.builder("nucleon.runtime.restarts")
                    .description("Wrapper processes restarted, by reason (crash, timeout, protocol)")
                    .tag("function", functionName).tag("runtime", language.kind).tag("reason", reason).register(registry));
        }
        for (WrapperLog.Source source : WrapperLog.Source.values()) {
            droppedLines[source.ordinal()] = Counter.builder("nucleon.wrapper.log.lines.dropped")
                    .description("Lines from wrapper processes (log calls, stdout, stderr) dropped for exceeding"
                            + " runtimeAttributes.maxLogLinesPerSecond")
                    .tag("function", functionName).tag("runtime", language.kind).tag("source", source.tag).register(registry);
        }
        this.invocations = Timer.builder("nucleon.runtime.invocation")
                .description("Round trip of an event through a wrapper process (send, handler, answer)")
                .tag("function", functionName).tag("runtime", language.kind).tag("transport", transport)
                .register(registry);
        Gauge.builder("nucleon.runtime.wrappers", workers, w -> w.keySet().stream().filter(ExternalWorker::running).count())
                .description("Wrapper processes running").tags(tags.entrySet().stream()
                        .flatMap(e -> Stream.of(e.getKey(), e.getValue())).toArray(String[]::new))
                .register(registry);
    }

    private static void requirePositive(RuntimeContext context, String name, java.time.Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw context.attributeError(name, "must be a positive duration");
        }
    }

    private String resolveInterpreter(RuntimeContext context) {
        String given = config.interpreter.isBlank() ? language.defaultInterpreter : config.interpreter.trim();
        if (given.contains("/")) {
            Path p = context.baseDirectory() != null ? context.baseDirectory().resolve(given) : Path.of(given);
            if (!Files.isExecutable(p)) {
                throw context.attributeError("interpreter", "'" + p + "' is not an executable file");
            }
            return p.toString();
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, given))) {
                    return Path.of(dir, given).toString();
                }
            }
        }
        throw context.attributeError("interpreter", "'" + given + "' was not found on PATH; install it or set"
                + " runtimeAttributes.interpreter to its path");
    }

    private String chooseTransport(RuntimeContext context) {
        String t = config.transport.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.isEmpty()) {
            Path shm = Path.of(config.shmDirectory);
            return language.supportsShm && Files.isDirectory(shm) && Files.isWritable(shm) ? "shm" : "uds";
        }
        if (t.equals("uds")) {
            return t;
        }
        if (t.equals("shm")) {
            if (!language.supportsShm) {
                throw context.attributeError("transport", "the " + language.kind + " wrapper has no shared-memory"
                        + " transport (Node.js cannot map a file without a native add-on); use uds");
            }
            Path shm = Path.of(config.shmDirectory);
            if (!Files.isDirectory(shm) || !Files.isWritable(shm)) {
                throw context.attributeError("transport", "shm needs a writable shmDirectory; " + shm + " is not one");
            }
            return t;
        }
        throw context.attributeError("transport", "must be shm or uds, got \"" + config.transport + "\"");
    }

    private URL classpathModule(String prefix, String module) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = getClass().getClassLoader();
        }
        for (String f : language.moduleFiles(module)) {
            URL u = loader.getResource(prefix.isEmpty() ? f : prefix + "/" + f);
            if (u != null) {
                return u;
            }
        }
        return null;
    }

    private static Path classpathDirectory(URL moduleUrl, String prefix, String module, Language language) {
        try {
            Path file = Path.of(moduleUrl.toURI());
            for (String f : language.moduleFiles(module)) {
                if (file.endsWith(f)) {
                    Path dir = file;
                    for (int i = 0; i < Path.of(f).getNameCount(); i++) {
                        dir = dir.getParent();
                    }
                    return dir;
                }
            }
            return file.getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("unreadable classpath location " + moduleUrl, e);
        }
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

    // ---- start ----------------------------------------------------------------------------------

    @Override
    public WorkerRuntime startWorker(Context context) throws Exception {
        prepare();
        ExternalWorker w;
        try {
            w = new ExternalWorker(this, context);
        } catch (WrapperProcess.StartFailure e) {
            throw new IllegalStateException(e.getMessage(), null);
        }
        workers.put(w, Boolean.TRUE);
        return w;
    }

    /** Makes the run directory, unpacks the wrapper (and packaged code) once. */
    private synchronized void prepare() throws IOException {
        if (closed) {
            throw new IllegalStateException("the runtime is closed");
        }
        if (runDirectory != null) {
            return;
        }
        sweepStale();
        Files.createDirectories(runBase);
        Path dir = Files.createTempDirectory(runBase, "nucleon-" + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (dir.resolve("w" + Long.MAX_VALUE + ".sock").toString().length() > MAX_SOCKET_PATH) {
            deleteTree(dir);
            throw new IllegalStateException("the run directory " + dir + " makes socket paths longer than the "
                    + MAX_SOCKET_PATH + " bytes a Unix socket allows; set runtimeAttributes.runDirectory to a short path");
        }
        try {
            Path script = dir.resolve(language.wrapperScript);
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(WRAPPERS + language.wrapperScript)) {
                Files.copy(in, script);
            }
            Path code = givenCodeDirectory;
            if (code == null) {
                code = dir.resolve("code");
                unpack(classpathCode, classpathPrefix, code);
            }
            this.wrapperScript = script;
            this.codeDirectory = code;
            this.runDirectory = dir;
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "nucleon-" + language.kind + "-timer");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        logEnvironment();
    }

    /** Says once which of the processor's variables the wrappers inherit and how many they do not; never a value. */
    private void logEnvironment() {
        if (wrapperEnvironment.inheritsAll()) {
            log.atInfo().addKeyValue("function", functionName).log("the " + language.kind + " wrappers inherit the processor's whole"
                    + " environment (" + inheritedEnv.size() + " variables; runtimeAttributes.inheritEnv is true)");
            return;
        }
        log.atInfo().addKeyValue("function", functionName).log("the " + language.kind + " wrappers inherit "
                + inheritedEnv.size() + " of the processor's environment variables (" + String.join(", ", inheritedEnv.keySet())
                + ") and spec.env; " + withheldEnvCount + " are withheld (runtimeAttributes.inheritEnvNames passes more)");
        if (log.isDebugEnabled() && withheldEnvCount > 0) {
            log.atDebug().addKeyValue("function", functionName).log("environment variables withheld from the " + language.kind
                    + " wrappers: " + String.join(", ", new java.util.TreeSet<>(System.getenv().keySet().stream()
                    .filter(k -> !inheritedEnv.containsKey(k)).map(UntrustedText::oneLine).toList())));
        }
    }

    /** Unpacks the entries under {@code prefix/} of the jar holding {@code moduleUrl} into {@code target}. */
    private static void unpack(URL moduleUrl, String prefix, Path target) throws IOException {
        JarURLConnection conn = (JarURLConnection) moduleUrl.openConnection();
        conn.setUseCaches(false);
        String start = prefix.isEmpty() ? "" : prefix + "/";
        Files.createDirectories(target);
        try (JarFile jar = conn.getJarFile()) {
            for (Iterator<JarEntry> it = jar.entries().asIterator(); it.hasNext(); ) {
                JarEntry e = it.next();
                if (!e.getName().startsWith(start) || e.getName().length() == start.length()) {
                    continue;
                }
                Path out = target.resolve(e.getName().substring(start.length())).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("jar entry " + e.getName() + " points outside the code directory");
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = jar.getInputStream(e)) {
                        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /** Removes run directories and shared-memory files left by processors that died without cleaning up. */
    private void sweepStale() {
        for (Path dir : List.of(runBase, shmDirectory)) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> {
                    String n = p.getFileName().toString();
                    if (!n.startsWith("nucleon-")) {
                        return false;
                    }
                    int dash = n.indexOf('-', 8);
                    if (dash < 0) {
                        return false;
                    }
                    try {
                        long pid = Long.parseLong(n.substring(8, dash));
                        return ProcessHandle.of(pid).isEmpty() && isMine(p);
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }).forEach(ExternalRuntime::deleteTree);
            } catch (IOException | UncheckedIOException ignored) {
                // best effort
            }
        }
    }

    private static boolean isMine(Path p) {
        try {
            return Files.getOwner(p).getName().equals(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    // ---- what the workers use -------------------------------------------------------------------

    Language language() {
        return language;
    }

    ExternalRuntimeConfig config() {
        return config;
    }

    String handler() {
        return handler;
    }

    String interpreter() {
        return interpreter;
    }

    String transport() {
        return transport;
    }

    Path shmDirectory() {
        return shmDirectory;
    }

    int ringSize() {
        return ringSize;
    }

    int maxFrame() {
        return maxFrame;
    }

    synchronized Path runDirectory() {
        return runDirectory;
    }

    synchronized Path codeDirectory() {
        return codeDirectory != null ? codeDirectory : givenCodeDirectory;
    }

    synchronized Path wrapperScript() {
        return wrapperScript;
    }

    synchronized ScheduledExecutorService timer() {
        return timer;
    }

    Map<String, String> functionEnv() {
        return env;
    }

    /** The processor's variables the wrappers inherit ({@link WrapperEnvironment}). */
    Map<String, String> inheritedEnv() {
        return inheritedEnv;
    }

    /** How many of the processor's variables the wrappers do not inherit. */
    int withheldEnvCount() {
        return withheldEnvCount;
    }

    void countDroppedLine(WrapperLog.Source source) {
        droppedLines[source.ordinal()].increment();
    }

    long nextWrapperId() {
        return wrapperIds.incrementAndGet();
    }

    org.slf4j.Logger log() {
        return log;
    }

    org.slf4j.Logger wrapperLog() {
        return wrapperLog;
    }

    void recordInvocation(long nanos) {
        invocations.record(nanos, TimeUnit.NANOSECONDS);
    }

    void countRestart(String reason) {
        restarts.get(reason).increment();
    }

    void logStarted(Context ctx, WrapperProcess w, boolean restarted) {
        log.atDebug().addKeyValue("function", functionName).addKeyValue("trigger", ctx.triggerName())
                .addKeyValue("worker", ctx.workerId()).addKeyValue("pid", w.pid).addKeyValue("transport", w.wire.transport())
                .log(language.kind + " wrapper " + (restarted ? "restarted" : "started"));
    }

    /** A METRIC frame: adds to the counter {@code nucleon.handler.metric{name=…}} (at most 100 names). */
    void metricFromWrapper(String json) {
        JsonNode n;
        try {
            n = MetaCodec.object(json, "METRIC");
        } catch (Protocol.ProtocolException e) {
            return;
        }
        String name = n.path("name").asText("");
        double value = n.path("value").asDouble(1.0);
        if (name.isEmpty() || !(value >= 0)) {
            return;
        }
        Counter c = handlerMetrics.get(name);
        if (c == null) {
            if (handlerMetrics.size() >= MAX_METRIC_NAMES) {
                if (!metricLimitWarned) {
                    metricLimitWarned = true;
                    log.warn("handler metrics are limited to {} names; '{}' and later new names are dropped", MAX_METRIC_NAMES,
                            WrapperLog.text(name));
                }
                return;
            }
            c = handlerMetrics.computeIfAbsent(name, k -> Counter.builder("nucleon.handler.metric")
                    .description("Counters reported by the handler through its wrapper")
                    .tag("function", functionName).tag("runtime", language.kind).tag("name", k).register(registry));
        }
        c.increment(value);
    }

    void closed(ExternalWorker w) {
        workers.remove(w);
    }

    // ---- status and close -----------------------------------------------------------------------

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", language.kind);
        m.put("interpreter", interpreter);
        m.put("handler", handler);
        m.put("transport", transport);
        long total = 0;
        List<Map<String, Object>> list = new ArrayList<>();
        List<ExternalWorker> sorted = new ArrayList<>(workers.keySet());
        sorted.sort(Comparator.comparing(ExternalWorker::key));
        for (ExternalWorker w : sorted) {
            list.add(w.status());
            total += w.restarts;
        }
        m.put("restarts", total);
        m.put("wrappers", list);
        return m;
    }

    @Override
    public void close() {
        Path dir;
        ScheduledExecutorService t;
        synchronized (this) {
            closed = true;
            dir = runDirectory;
            t = timer;
        }
        for (ExternalWorker w : workers.keySet()) {
            w.killIfRunning(); // workers abandoned by a timeout, or never closed
        }
        workers.clear();
        if (t != null) {
            t.shutdownNow();
        }
        if (dir != null) {
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
