package io.nucleon.core.runtime;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import io.nucleon.spi.FunctionRuntime;
import io.nucleon.spi.WorkerRuntime;
import java.util.function.Supplier;

/**
 * Runs Java handlers in-process: a worker calls the handler directly on its own thread. A timed-out
 * handler's thread is interrupted (the JVM cannot stop a thread by force); the worker is replaced
 * either way.
 */
public final class JavaRuntime implements FunctionRuntime {
    private final Supplier<Handler> handlers;

    /** A runtime that asks {@code handlers} for each worker's handler: a new instance, or one shared instance. */
    public JavaRuntime(Supplier<Handler> handlers) {
        this.handlers = handlers;
    }

    @Override
    public WorkerRuntime startWorker(Context context) throws Exception {
        Handler handler = handlers.get();
        handler.init(context);
        return new JavaWorker(handler);
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
            try {
                handler.close(context);
            } catch (Exception e) {
                context.logger().warn("handler close hook failed", e);
            }
        }
    }
}
