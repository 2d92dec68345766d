package io.nucleon.core.testing;

import io.nucleon.api.Context;
import io.nucleon.api.Event;
import io.nucleon.api.Handler;

/**
 * A handler named by class in tests: counts its instances, inits and closes in the {@link Tally}
 * named by the function's {@code TALLY} env value; answers with its worker id. An instance is counted
 * when it is first initialised.
 */
public final class CountingHandler implements Handler {
    /** The env value that names the test's tally. */
    public static final String TALLY = "TALLY";

    private boolean initialised;

    @Override
    public void init(Context context) {
        Tally tally = Tally.of(context.env(TALLY));
        if (!initialised) {
            initialised = true;
            tally.add("instances");
        }
        tally.add("inits");
        context.userData().put("greeting", context.env("GREETING"));
    }

    @Override
    public Object handle(Context context, Event event) {
        return context.userData().get("greeting") + " from " + context.workerId();
    }

    @Override
    public void close(Context context) {
        Tally.of(context.env(TALLY)).add("closes");
    }
}
