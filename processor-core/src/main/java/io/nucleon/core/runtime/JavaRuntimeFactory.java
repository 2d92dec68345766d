package io.nucleon.core.runtime;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Handler;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.RuntimeContext;
import io.nucleon.spi.RuntimeFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;

/**
 * The {@code java} runtime: runs a {@link Handler} class in-process. {@code spec.handler} is the
 * class's binary name; it needs a public no-argument constructor, and each worker gets its own
 * instance.
 */
public final class JavaRuntimeFactory implements RuntimeFactory {
    /** The java runtime takes no {@code spec.runtimeAttributes}. */
    static final class NoAttributes {}

    /** The runtime kind, as written in {@code spec.runtime}. */
    public static final String KIND = "java";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public FunctionRuntime create(RuntimeContext context) {
        context.attributes(NoAttributes.class); // the java runtime has none: any given is reported
        String name = context.handler();
        if (name == null || name.isBlank()) {
            throw new FunctionConfigException(
                    "spec.handler",
                    "is required: the binary name of a class implementing io.nucleon.api.Handler, e.g. com.example.Hello");
        }
        Class<?> type;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            type = Class.forName(
                    name.trim(), false, loader != null ? loader : JavaRuntimeFactory.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new FunctionConfigException("spec.handler", "class '" + name + "' was not found on the classpath");
        }
        if (!Handler.class.isAssignableFrom(type)) {
            throw new FunctionConfigException(
                    "spec.handler", "class '" + name + "' does not implement io.nucleon.api.Handler");
        }
        if (Modifier.isAbstract(type.getModifiers())) {
            throw new FunctionConfigException(
                    "spec.handler", "class '" + name + "' is abstract; name a concrete class");
        }
        Constructor<? extends Handler> ctor;
        try {
            ctor = type.asSubclass(Handler.class).getConstructor();
        } catch (NoSuchMethodException e) {
            throw new FunctionConfigException(
                    "spec.handler", "class '" + name + "' has no public no-argument constructor");
        }
        return new JavaRuntime(() -> {
            try {
                return ctor.newInstance();
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw new IllegalStateException(
                        "constructing handler " + name + " failed: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("constructing handler " + name + " failed: " + e, e);
            }
        });
    }
}
