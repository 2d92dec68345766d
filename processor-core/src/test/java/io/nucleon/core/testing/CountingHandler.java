package io.nucleon.core.testing;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;
import java.util.concurrent.atomic.AtomicInteger;

/** A handler named by class in tests: counts its instances, inits and closes; answers with its worker id. */
public final class CountingHandler implements Handler {
    public static final AtomicInteger INSTANCES = new AtomicInteger();
    public static final AtomicInteger INITS = new AtomicInteger();
    public static final AtomicInteger CLOSES = new AtomicInteger();

    public CountingHandler() {
        INSTANCES.incrementAndGet();
    }

    @Override
    public void init(Context context) {
        INITS.incrementAndGet();
        context.userData().put("greeting", context.env("GREETING"));
    }

    @Override
    public Object handle(Context context, Event event) {
        return context.userData().get("greeting") + " from " + context.workerId();
    }

    @Override
    public void close(Context context) {
        CLOSES.incrementAndGet();
    }
}
