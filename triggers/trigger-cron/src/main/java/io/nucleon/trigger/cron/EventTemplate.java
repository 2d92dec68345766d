package io.nucleon.trigger.cron;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code event} attribute of the {@code cron} and {@code kickstart} triggers: what every event
 * they make carries. Bound from {@code function.yaml}; unknown fields are an error.
 */
public final class EventTemplate {
    /** The event's body, as text (UTF-8). Empty by default. */
    public String body = "";
    /** The event's headers. */
    public Map<String, String> headers = new LinkedHashMap<>();
    /** The event's path, as a handler that routes on it would expect. Empty by default. */
    public String path = "";
    /**
     * The event's method, for a handler that routes on it as on an HTTP request (Nuclio's cron events
     * carry one); {@code null} by default, as for any event that is not a request.
     */
    public String method = null;
    /** The body's content type; {@code text/plain} by default, {@code application/json} is common. */
    public String contentType = "text/plain; charset=utf-8";
}
