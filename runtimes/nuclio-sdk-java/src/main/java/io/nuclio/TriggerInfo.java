package io.nuclio;

/** The trigger an event came from. */
public interface TriggerInfo {

    /**
     * The trigger's class.
     *
     * @return {@code sync} (e.g. http) or {@code async} (e.g. message queues)
     */
    String getClassName();

    /**
     * The trigger's kind.
     *
     * @return the kind as written in {@code function.yaml}, e.g. {@code http}, {@code kafka}, {@code cron}
     */
    String getKindName();
}
