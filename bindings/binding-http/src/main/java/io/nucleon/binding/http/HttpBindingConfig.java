package io.nucleon.binding.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code attributes} of an {@code http} data binding, with their defaults. Bound from
 * {@code spec.dataBindings.<name>.attributes}; unknown attributes are an error.
 */
public final class HttpBindingConfig {
    /** What relative paths are resolved against, e.g. {@code https://api.example.com/v1}; empty: every request gives a full URL. */
    public String baseUrl = "";
    /** How long opening a connection may take. */
    public Duration connectTimeout = Duration.ofSeconds(5);
    /** How long one attempt may take, from sending the request to the end of the response headers. */
    public Duration requestTimeout = Duration.ofSeconds(30);
    /**
     * Headers sent with every request (a request's own headers of the same name win). Their values
     * (e.g. {@code Authorization}) are never logged nor shown in {@code /status}.
     */
    public Map<String, String> headers = new LinkedHashMap<>();
    /**
     * Attempts after the first, for idempotent methods only (GET, HEAD, PUT, DELETE, OPTIONS), after a
     * connection error or a 502, 503 or 504. POST and PATCH are never retried.
     */
    public int maxRetries = 2;
    /** Delay before the first retry; doubled for each further one, up to {@link #maxRetryDelay}. A {@code Retry-After} in seconds is honoured up to that bound. */
    public Duration retryDelay = Duration.ofMillis(100);
    /** The longest delay between two attempts. */
    public Duration maxRetryDelay = Duration.ofSeconds(5);
    /** Whether redirects are followed (except from HTTPS to HTTP). */
    public boolean followRedirects = false;
    /** {@code 1.1} or {@code 2} (HTTP/2, with a fall-back to 1.1 where the server does not speak it). */
    public String httpVersion = "1.1";
    /** How long {@code close} waits for requests in flight. */
    public Duration closeTimeout = Duration.ofSeconds(5);
}
