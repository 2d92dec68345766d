package io.nucleon.core.runtime;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.spi.AttributeProblems;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.HandlerAdapter;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.RuntimeFactory;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code java} runtime: runs a handler class in-process, each worker with its own instance made
 * by the class's public no-argument constructor.
 *
 * <p>{@code spec.handler} names the class as Nuclio's java runtime takes it: its binary name
 * ({@code Reverser}, {@code com.example.Reverser}, {@code com.example.Outer$Inner}; a nested class
 * may also be written {@code com.example.Outer.Inner}), optionally after a prefix ending in a colon
 * that is ignored ({@code main:com.example.Reverser}), as Nuclio ignores it. The class implements
 * {@link Handler}, or is taken by a {@link HandlerAdapter} found with {@link ServiceLoader} (the
 * module {@code nucleon-nuclio-sdk} registers one for Nuclio's {@code io.nuclio.EventHandler}).
 *
 * <p>The class is looked up through the thread's context class loader, or, when
 * {@code runtimeAttributes.classpath} lists jars and class directories, through a class loader over
 * them whose parent is that context class loader. It asks its parent first, so the API, the SPI and
 * the adapters' own types (such as {@code io.nuclio}) are the processor's even when a jar carries
 * copies of them: a handler compiled against Nuclio's real SDK jar binds to the types its adapter
 * knows. That class loader lives as long as the runtime, which closes it.
 */
public final class JavaRuntimeFactory implements RuntimeFactory {
    private static final Logger LOG = LoggerFactory.getLogger(JavaRuntimeFactory.class);

    /** The runtime kind, as written in {@code spec.runtime}. */
    public static final String KIND = "java";

    private static final String EXAMPLE = "e.g. com.example.Hello";
    private static final String HANDLER = Handler.class.getName();
    /** Named in errors even when its adapter is absent, since it is what a Nuclio user will have written. */
    private static final String NUCLIO_HANDLER = "io.nuclio.EventHandler";

    private static final String IDENTIFIER = "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*";
    private static final Pattern BINARY_NAME = Pattern.compile(IDENTIFIER + "(\\." + IDENTIFIER + ")*");

    /** {@code spec.runtimeAttributes} of the java runtime, as documented in {@code docs/configuration.md}. */
    public static final class JavaRuntimeConfig {
        /**
         * Jars and class directories the handler is loaded from, relative to the function's directory
         * (the working directory when there is none). An entry may hold several paths joined by the
         * platform's path separator, and {@code dir/*} stands for every jar in {@code dir}, as in
         * {@code java -cp}.
         */
        public List<String> classpath = new ArrayList<>();

        /**
         * Nuclio's JVM options for its separate handler JVM; accepted so that Nuclio's files run, and
         * logged as not applied: an in-process handler runs in the processor's JVM.
         */
        public List<String> jvmOptions = new ArrayList<>();

        /** Defaults: the context class loader alone. */
        public JavaRuntimeConfig() {}
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public FunctionRuntime create(RuntimeContext context) {
        JavaRuntimeConfig config = context.attributes(JavaRuntimeConfig.class);
        AttributeProblems problems = AttributeProblems.of(context::attributeError);
        String name = className(context.handler(), problems);
        List<Path> classpath = classpath(config.classpath, context.baseDirectory(), problems);
        problems.throwIfAny(); // a class is not looked for on a classpath that is wrong
        if (!config.jvmOptions.isEmpty()) {
            LOG.warn(
                    "function '{}': spec.runtimeAttributes.jvmOptions {} not applied: a java handler runs in the"
                            + " processor's own JVM; give these options to the java command that starts it",
                    context.functionName(),
                    config.jvmOptions);
        }
        ClassLoader parent = Thread.currentThread().getContextClassLoader();
        if (parent == null) {
            parent = JavaRuntimeFactory.class.getClassLoader();
        }
        URL[] urls = classpath.stream().map(JavaRuntimeFactory::url).toArray(URL[]::new);
        URLClassLoader functionLoader = urls.length == 0
                ? null
                : new URLClassLoader("nucleon-function-" + context.functionName(), urls, parent);
        try {
            ClassLoader loader = functionLoader != null ? functionLoader : parent;
            Class<?> type = load(name, loader, functionLoader != null);
            Constructor<?> ctor = constructor(name, type);
            Supplier<Handler> handlers;
            String handlerType;
            if (Handler.class.isAssignableFrom(type)) {
                handlers = () -> (Handler) instantiate(name, ctor);
                handlerType = HANDLER;
            } else {
                HandlerAdapter adapter = adapterFor(name, type, loader);
                handlers = () -> adapter.adapt(instantiate(name, ctor));
                handlerType = adapter.handlerType();
            }
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("handlerClass", type.getName());
            status.put("handlerType", handlerType);
            if (functionLoader != null) {
                status.put("classpath", classpath.stream().map(Path::toString).toList());
            }
            return new JavaRuntime(handlers, functionLoader, status);
        } catch (RuntimeException e) {
            closeQuietly(functionLoader);
            throw e;
        }
    }

    /** The class's binary name from {@code spec.handler}, or {@code null} (a problem then). */
    private static String className(String handler, AttributeProblems problems) {
        if (handler == null || handler.isBlank()) {
            problems.addAll(new FunctionConfigException(
                    "spec.handler",
                    "is required: the binary name of a class implementing " + HANDLER + " or " + NUCLIO_HANDLER + ", "
                            + EXAMPLE));
            return null;
        }
        String name = handler.trim();
        int colon = name.indexOf(':');
        if (colon >= 0) {
            name = name.substring(colon + 1).trim(); // Nuclio's "module:Class": the module part means nothing to Java
        }
        String hint = name.endsWith(".java") || name.endsWith(".class")
                ? " (name the class, not its file)"
                : name.contains("/") ? " (dots separate packages, not slashes)" : "";
        if (!BINARY_NAME.matcher(name).matches()) {
            problems.addAll(new FunctionConfigException(
                    "spec.handler",
                    "must be a class's binary name, optionally after a prefix ending in ':' (" + EXAMPLE
                            + " or main:com.example.Hello), got \"" + handler + "\"" + hint));
            return null;
        }
        if (!hint.isEmpty()) { // "Foo.class" is a valid binary name (class "class" in package "Foo"), but not meant
            problems.addAll(new FunctionConfigException(
                    "spec.handler", "must be a class's binary name, got \"" + handler + "\"" + hint));
            return null;
        }
        return name;
    }

    /** The jars and directories of {@code runtimeAttributes.classpath}; every missing or unreadable entry is a problem. */
    private static List<Path> classpath(List<String> entries, Path base, AttributeProblems problems) {
        List<Path> paths = new ArrayList<>();
        String relativeTo = base != null
                ? base.toString()
                : "the working directory " + Path.of("").toAbsolutePath();
        for (int i = 0; i < entries.size(); i++) {
            String attribute = "classpath[" + i + "]";
            String entry = entries.get(i);
            if (entry == null || entry.isBlank()) {
                problems.add(attribute, "is empty: give a jar or a class directory");
                continue;
            }
            for (String part : entry.split(Pattern.quote(File.pathSeparator))) {
                if (part.isBlank()) {
                    continue;
                }
                String p = part.trim();
                if (p.equals("*") || p.endsWith("/*")) {
                    Path dir = resolve(base, p.substring(0, p.length() - 1));
                    if (problems.check(
                            Files.isDirectory(dir),
                            attribute,
                            "'" + dir + "' is not a directory (relative paths are resolved against " + relativeTo
                                    + ")")) {
                        jarsIn(dir, attribute, paths, problems);
                    }
                    continue;
                }
                Path path = resolve(base, p);
                if (!Files.exists(path)) {
                    problems.add(
                            attribute,
                            "'" + path + "' does not exist (relative paths are resolved against " + relativeTo
                                    + "); give a jar or a class directory");
                } else if (Files.isDirectory(path) || readableJar(path, attribute, problems)) {
                    paths.add(path);
                }
            }
        }
        return paths;
    }

    private static Path resolve(Path base, String path) {
        Path p = base != null ? base.resolve(path) : Path.of(path).toAbsolutePath();
        return p.normalize();
    }

    /** Every {@code *.jar} directly in {@code dir}, in name order, as {@code java -cp dir/*} takes them. */
    private static void jarsIn(Path dir, String attribute, List<Path> paths, AttributeProblems problems) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path jar : files.filter(f -> Files.isRegularFile(f)
                            && f.getFileName()
                                    .toString()
                                    .toLowerCase(Locale.ROOT)
                                    .endsWith(".jar"))
                    .sorted()
                    .toList()) {
                if (readableJar(jar, attribute, problems)) {
                    paths.add(jar);
                }
            }
        } catch (IOException e) {
            problems.add(attribute, "'" + dir + "' cannot be listed: " + e.getMessage());
        }
    }

    private static boolean readableJar(Path file, String attribute, AttributeProblems problems) {
        try (ZipFile jar = new ZipFile(file.toFile())) {
            return jar.size() >= 0; // opened: a zip's central directory was read
        } catch (IOException e) {
            problems.add(
                    attribute,
                    "'" + file + "' is neither a class directory nor a readable jar (" + e.getMessage() + ")");
            return false;
        }
    }

    private static URL url(Path path) {
        try {
            return path.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("no URL for " + path, e);
        }
    }

    /** The handler class, not initialised: its static initialiser runs with the first instance, on a worker. */
    private static Class<?> load(String name, ClassLoader loader, boolean ownClasspath) {
        String where = ownClasspath ? "on the classpath nor in runtimeAttributes.classpath" : "on the classpath";
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            Class<?> nested = nested(name, loader);
            if (nested != null) {
                return nested;
            }
            throw new FunctionConfigException("spec.handler", "class '" + name + "' was not found " + where);
        } catch (LinkageError e) {
            throw new FunctionConfigException("spec.handler", "class '" + name + "' cannot be loaded: " + linkage(e));
        }
    }

    /** {@code a.b.Outer.Inner} as {@code a.b.Outer$Inner}, trying each dot from the right; {@code null} when none is a class. */
    private static Class<?> nested(String name, ClassLoader loader) {
        StringBuilder b = new StringBuilder(name);
        for (int dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
            b.setCharAt(dot, '$');
            try {
                return Class.forName(b.toString(), false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // not this split: try the next dot to the left
            }
        }
        return null;
    }

    private static String linkage(LinkageError e) {
        if (e instanceof NoClassDefFoundError && e.getMessage() != null) {
            String missing = e.getMessage().replace('/', '.');
            String hint = missing.startsWith("io.nuclio.")
                    ? " (Nuclio's Java handlers run with the module io.nucleon:nucleon-nuclio-sdk on the"
                            + " processor's classpath)"
                    : " (add the jar that holds it to runtimeAttributes.classpath)";
            return "it needs " + missing + ", which is not on the classpath" + hint;
        }
        if (e instanceof UnsupportedClassVersionError) {
            return "it was compiled for a newer Java than this JVM's "
                    + Runtime.version().feature() + " (" + e.getMessage() + ")";
        }
        return e.toString();
    }

    private static Constructor<?> constructor(String name, Class<?> type) {
        int m = type.getModifiers();
        if (type.isInterface() || Modifier.isAbstract(m)) {
            throw new FunctionConfigException(
                    "spec.handler", "class '" + name + "' is abstract; name a concrete class");
        }
        if (!Modifier.isPublic(m)) {
            throw new FunctionConfigException("spec.handler", "class '" + name + "' is not public");
        }
        try {
            return type.getConstructor();
        } catch (NoSuchMethodException e) {
            String nested =
                    type.getEnclosingClass() != null && !Modifier.isStatic(m) ? " (an inner class must be static)" : "";
            throw new FunctionConfigException(
                    "spec.handler", "class '" + name + "' has no public no-argument constructor" + nested);
        }
    }

    /**
     * The first adapter found through {@code loader} that takes {@code type}.
     *
     * @throws FunctionConfigException naming {@link Handler} and every adaptable type when none takes it
     */
    private static HandlerAdapter adapterFor(String name, Class<?> type, ClassLoader loader) {
        List<String> types = new ArrayList<>();
        try {
            for (HandlerAdapter a : ServiceLoader.load(HandlerAdapter.class, loader)) {
                if (a.accepts(type)) {
                    return a;
                }
                types.add(a.handlerType());
            }
        } catch (ServiceConfigurationError e) {
            throw new FunctionConfigException(
                    "spec.handler", "a handler adapter on the classpath cannot be loaded: " + e.getMessage());
        }
        if (!types.contains(NUCLIO_HANDLER)) {
            String hint = implementsByName(type, NUCLIO_HANDLER)
                    ? " (it implements an " + NUCLIO_HANDLER + " from its own jar; Nuclio's Java handlers run"
                            + " with the module io.nucleon:nucleon-nuclio-sdk on the processor's classpath)"
                    : " (Nuclio's Java SDK: add the module io.nucleon:nucleon-nuclio-sdk to the classpath)";
            types.add(NUCLIO_HANDLER + hint);
        }
        throw new FunctionConfigException(
                "spec.handler",
                "class '" + name + "' implements neither " + HANDLER + " nor " + String.join(" nor ", types));
    }

    /** Whether {@code type} or a supertype implements an interface called {@code name}, from any class loader. */
    private static boolean implementsByName(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals(name) || implementsByName(i, name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Object instantiate(String name, Constructor<?> ctor) {
        try {
            return ctor.newInstance();
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("constructing handler " + name + " failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("constructing handler " + name + " failed: " + e, e);
        }
    }

    private static void closeQuietly(URLClassLoader loader) {
        if (loader != null) {
            try {
                loader.close();
            } catch (IOException e) {
                LOG.debug("closing the function's class loader failed", e);
            }
        }
    }
}
