package io.nuclio;

/** What a handler knows about where it runs. One per worker, used only from that worker's thread. */
public interface Context {

    /**
     * The function's logger.
     *
     * @return the logger, whose lines go to the processor's log tagged with the function, trigger and worker
     */
    Logger getLogger();
}
