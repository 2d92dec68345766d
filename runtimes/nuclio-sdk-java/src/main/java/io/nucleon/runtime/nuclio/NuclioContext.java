package io.nucleon.runtime.nuclio;

import io.nuclio.Context;
import io.nuclio.Logger;

/** Nuclio's {@link Context} over one worker's {@link io.nucleon.api.Context}. */
final class NuclioContext implements Context {
    private final Logger logger;

    NuclioContext(io.nucleon.api.Context context) {
        this.logger = new NuclioLogger(context.logger());
    }

    @Override
    public Logger getLogger() {
        return logger;
    }
}
