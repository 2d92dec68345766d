package io.nucleon.api;

import java.util.Map;

/**
 * What a handler knows about where it runs. There is one context per worker; it lives as long as
 * the worker and is only used from that worker's thread, so {@link #userData()} needs no locking.
 */
public interface Context {

    /** A structured logger whose lines carry the function, trigger and worker. */
    Logger logger();

    /** The function's name ({@code metadata.name}). */
    String functionName();

    /** The worker's index within its trigger's pool, from 0. */
    int workerId();

    /** The kind of the trigger this worker serves, e.g. {@code http}. */
    String triggerKind();

    /** The name of the trigger this worker serves. */
    String triggerName();

    /**
     * A mutable map that lives as long as the worker: the place for state built in
     * {@link Handler#init(Context)} (a parsed model, a prepared statement …). Not shared between workers.
     */
    Map<String, Object> userData();

    /**
     * A function environment variable: {@code spec.env} first, then the process environment;
     * {@code null} when neither has it.
     */
    String env(String name);

    /**
     * The data binding called {@code name}, as {@code type}.
     *
     * @throws IllegalArgumentException when no binding has that name (the message lists those that exist)
     *                                  or it is not of that type
     */
    <T> T binding(String name, Class<T> type);
}
