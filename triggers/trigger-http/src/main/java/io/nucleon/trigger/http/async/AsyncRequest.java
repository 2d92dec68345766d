package io.nucleon.trigger.http.async;

import java.util.Map;

/**
 * A request to run asynchronously, as handed by a trigger to {@link AsyncIntake#accept}.
 *
 * @param method           the HTTP method
 * @param path             the path the handler sees (without the async prefix, without the query)
 * @param url              the request target the handler sees (without the async prefix)
 * @param headers          the headers (repeated ones joined with ", ")
 * @param fields           the event's fields, as a sync call's event has them ({@code Event.fields()}): the
 *                         query parameters, a {@code String} each, or a {@code List<String>} for a
 *                         name given more than once, and the fields of the verified caller ({@code auth.*})
 * @param contentType      the body's media type, or null
 * @param body             the body (not copied)
 * @param callbackUrl      where to POST the result ({@code X-Callback-Url}), or null
 * @param receivedAtMillis when the request arrived
 */
public record AsyncRequest(
        String method,
        String path,
        String url,
        Map<String, String> headers,
        Map<String, Object> fields,
        String contentType,
        byte[] body,
        String callbackUrl,
        long receivedAtMillis) {}
