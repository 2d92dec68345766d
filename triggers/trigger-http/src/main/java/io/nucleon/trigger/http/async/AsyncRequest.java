package io.nucleon.trigger.http.async;

import java.util.Map;

/**
 * A request to run asynchronously, as handed by a trigger to {@link AsyncIntake#accept}.
 *
 * @param method           the HTTP method
 * @param path             the path the handler sees (without the async prefix, without the query)
 * @param url              the request target the handler sees (without the async prefix)
 * @param headers          the headers (repeated ones joined with ", ")
 * @param fields           the query-string fields (repeated ones joined with ",")
 * @param contentType      the body's media type, or null
 * @param body             the body (not copied)
 * @param callbackUrl      where to POST the result ({@code X-Callback-Url}), or null
 * @param receivedAtMillis when the request arrived
 */
public record AsyncRequest(String method, String path, String url, Map<String, String> headers,
                           Map<String, String> fields, String contentType, byte[] body, String callbackUrl,
                           long receivedAtMillis) {
}
