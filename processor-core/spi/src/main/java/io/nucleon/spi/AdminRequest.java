package io.nucleon.spi;

/**
 * One request to an {@link AdminEndpoint}, read whole by the control server. Immutable.
 *
 * @param method the method as sent ({@code GET}, {@code POST}, …); {@code HEAD} arrives as {@code GET}
 * @param path   the path below the endpoint's mount point, starting with {@code /} ({@code /} for the
 *               endpoint itself); not percent-decoded
 * @param query  the raw query after {@code ?}, or {@code null} when there is none
 * @param body   the body, empty when there was none (at most 64 KiB); do not modify the array
 */
public record AdminRequest(String method, String path, String query, byte[] body) {}
