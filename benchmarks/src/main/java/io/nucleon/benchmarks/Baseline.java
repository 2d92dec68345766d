package io.nucleon.benchmarks;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Another build of {@code benchmarks.jar} (say, of the commit before a change) loaded beside this one
 * in the same JVM, so that a throughput benchmark can run the same round against both builds,
 * alternately, on the same broker and the same data: a before/after comparison in one run, which a
 * noisy shared machine sways far less than two runs apart.
 *
 * <p>The other jar gets a class loader of its own whose parent is the platform loader, so none of its
 * classes (Nucleon, Kafka's and RabbitMQ's clients, Jackson) mixes with this build's. Its rounds are
 * called by reflection with JDK types only, with the thread's context class loader set to it, so
 * that {@link java.util.ServiceLoader} finds that build's engine and triggers. The other jar must
 * have been built from the same benchmark sources (only the engine and triggers under them differ),
 * so the round being called exists with the same signature.
 */
public final class Baseline {
    /** The system property that names the other build's jar: {@code -Dbaseline=/path/to/benchmarks.jar}. */
    public static final String PROPERTY = "baseline";

    private final Path jar;
    private final URLClassLoader loader;

    private Baseline(Path jar) throws Exception {
        this.jar = jar;
        this.loader =
                new URLClassLoader("baseline", new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    }

    /** The build named by {@code -Dbaseline}, or {@code null} when the property is not set. */
    public static Baseline fromSystemProperty() throws Exception {
        String path = System.getProperty(PROPERTY);
        if (path == null || path.isBlank()) {
            return null;
        }
        Path jar = Path.of(path);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("-D" + PROPERTY + " names no file: " + jar);
        }
        return new Baseline(jar);
    }

    /** The jar's path, for the report. */
    public Path jar() {
        return jar;
    }

    /**
     * Calls {@code className.method(args)} (public, static, returning a {@code double}) in the other
     * build. {@code Integer} arguments are passed as {@code int}.
     */
    public double call(String className, String method, Object... args) throws Exception {
        Class<?>[] types = new Class<?>[args.length];
        for (int i = 0; i < args.length; i++) {
            types[i] = args[i] instanceof Integer ? int.class : args[i].getClass();
        }
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            Method m = Class.forName(className, true, loader).getMethod(method, types);
            return (double) m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
