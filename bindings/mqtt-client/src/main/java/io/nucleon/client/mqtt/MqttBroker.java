package io.nucleon.client.mqtt;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where the broker is, read from the {@code url} attribute: host, port, whether TLS and WebSocket
 * are used, and the user and password the url may carry.
 *
 * @param host the host name or address
 * @param port the port: the url's, else 1883 ({@code tcp}), 8883 ({@code ssl}), 80 ({@code ws}) or 443 ({@code wss})
 * @param tls whether the connection uses TLS ({@code ssl://}, {@code tls://}, {@code mqtts://}, {@code wss://})
 * @param webSocket whether MQTT runs over a WebSocket ({@code ws://}, {@code wss://})
 * @param path the WebSocket path without its leading slash (empty: none); always empty for other schemes
 * @param user the user name the url carries, or {@code null}
 * @param password the password the url carries, or {@code null}; never logged
 * @param safeUrl the url without user and password, for logs and {@code /status}
 */
public record MqttBroker(
        String host,
        int port,
        boolean tls,
        boolean webSocket,
        String path,
        String user,
        String password,
        String safeUrl) {

    /**
     * Reads {@code url}: {@code tcp://} or {@code mqtt://}, {@code ssl://}, {@code tls://} or {@code mqtts://},
     * {@code ws://} or {@code wss://}, with an optional {@code user:password@} (percent-encoded).
     *
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static MqttBroker parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException(
                    "is not a URI (such as tcp://host:1883, ssl://host:8883 or ws://host/mqtt)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        boolean tls;
        boolean ws;
        int defaultPort;
        switch (scheme) {
            case "tcp", "mqtt" -> {
                tls = false;
                ws = false;
                defaultPort = 1883;
            }
            case "ssl", "tls", "mqtts" -> {
                tls = true;
                ws = false;
                defaultPort = 8883;
            }
            case "ws" -> {
                tls = false;
                ws = true;
                defaultPort = 80;
            }
            case "wss" -> {
                tls = true;
                ws = true;
                defaultPort = 443;
            }
            default ->
                throw new IllegalArgumentException(
                        "must be a tcp://, mqtt://, ssl://, mqtts://, ws:// or wss:// URI, got \"" + scheme + "\"");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("has no host (such as tcp://127.0.0.1:1883)");
        }
        int port = uri.getPort() < 0 ? defaultPort : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty()
                ? ""
                : uri.getRawPath().substring(1);
        if (!ws && !path.isEmpty()) {
            throw new IllegalArgumentException("has a path, which only a ws:// or wss:// URI may have");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        String safe = scheme + "://" + uri.getHost() + ":" + port + (path.isEmpty() ? "" : "/" + path);
        return new MqttBroker(uri.getHost(), port, tls, ws, path, user, password, safe);
    }

    /** The url without user and password: a broker is often logged, its password never. */
    @Override
    public String toString() {
        return safeUrl;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
