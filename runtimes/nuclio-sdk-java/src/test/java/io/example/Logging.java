package io.example;

import io.nuclio.Context;
import io.nuclio.Event;
import io.nuclio.EventHandler;
import io.nuclio.Logger;
import io.nuclio.Response;

/** Uses every one of Nuclio's logger methods once. */
public class Logging implements EventHandler {
    @Override
    public Response handleEvent(Context context, Event event) {
        Logger log = context.getLogger();
        log.info("%d items for %s", 3, "ann");
        log.warn("disk %s%% full", "93");
        log.error("100% wrong");
        log.debug("debug %s", "hidden");
        log.infoWith("stored", "id", 7, "name", "ann");
        log.warnWith("slow", "ms", 250);
        log.errorWith("failed", "error", "timeout");
        log.debugWith("detail", "k", "v");
        return new Response().setBody("logged");
    }
}
