package io.nucleon.core.runtime;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.WorkerRuntime;
import java.io.IOException;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Java handlers in-process: a worker calls the handler directly on its own thread. A timed-out
 * handler's thread is interrupted (the JVM cannot stop a thread by force); the worker is replaced
 * either way.
 *
 * <p>A handler loaded from {@code runtimeAttributes.classpath} runs with that class loader as its
 * thread's context class loader (while it is constructed, in its hooks and while it handles an
 * event), so that libraries in its jars that look up resources or services that way find them. The
 * runtime closes the class loader when it is closed, after every worker.
 */
public final class JavaRuntime implements FunctionRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(JavaRuntime.class);

    private final Supplier<Handler> handlers;
    private final URLClassLoader functionLoader;
    private final Map<String, Object> status;

    /** A runtime that asks {@code handlers} for each worker's handler: a new instance, or one shared instance. */
    public JavaRuntime(Supplier<Handler> handlers) {
        this(handlers, null, Map.of());
    }

    /**
     * A runtime whose handlers come from {@code functionLoader} (closed with the runtime), or from the
     * processor's own class path when it is {@code null}; {@code status} is what {@code /status} shows.
     */
    JavaRuntime(Supplier<Handler> handlers, URLClassLoader functionLoader, Map<String, Object> status) {
        this.handlers = handlers;
        this.functionLoader = functionLoader;
        this.status = Map.copyOf(status);
    }

    @Override
    public WorkerRuntime startWorker(Context context) throws Exception {
        ClassLoader previous = enter();
        try {
            Handler handler = handlers.get();
            handler.init(context);
            return functionLoader == null ? new JavaWorker(handler) : new IsolatedJavaWorker(handler, this);
        } finally {
            leave(previous);
        }
    }

    @Override
    public Map<String, Object> status() {
        return status;
    }

    @Override
    public void close() {
        if (functionLoader != null) {
            try {
                functionLoader.close();
            } catch (IOException e) {
                LOG.warn("closing the class loader of {} failed", status.get("handlerClass"), e);
            }
        }
    }

    /** Makes the function's class loader the thread's context class loader; returns the one to restore. */
    private ClassLoader enter() {
        if (functionLoader == null) {
            return null;
        }
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(functionLoader);
        return previous;
    }

    private void leave(ClassLoader previous) {
        if (functionLoader != null) {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private record JavaWorker(Handler handler) implements WorkerRuntime {
        @Override
        public Object invoke(Context context, Event event) throws Exception {
            return handler.handle(context, event);
        }

        @Override
        public void abort(Thread workerThread) {
            workerThread.interrupt();
        }

        @Override
        public void close(Context context) {
            closeHandler(handler, context);
        }
    }

    /** A worker whose handler runs with the function's class loader as its thread's context class loader. */
    private record IsolatedJavaWorker(Handler handler, JavaRuntime runtime) implements WorkerRuntime {
        @Override
        public Object invoke(Context context, Event event) throws Exception {
            ClassLoader previous = runtime.enter();
            try {
                return handler.handle(context, event);
            } finally {
                runtime.leave(previous);
            }
        }

        @Override
        public void abort(Thread workerThread) {
            workerThread.interrupt();
        }

        @Override
        public void close(Context context) {
            ClassLoader previous = runtime.enter();
            try {
                closeHandler(handler, context);
            } finally {
                runtime.leave(previous);
            }
        }
    }

    private static void closeHandler(Handler handler, Context context) {
        try {
            handler.close(context);
        } catch (Exception e) {
            context.logger().warn("handler close hook failed", e);
        }
    }
}
