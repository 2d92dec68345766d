package io.nucleon.trigger.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * A CloudEvents envelope in structured mode ({@code application/cloudevents+json}), parsed on the
 * event loop so that a malformed one gets a 400 rather than an event with no attributes.
 */
final class CloudEvent {
    /** The media type of structured-mode CloudEvents. */
    static final String STRUCTURED_JSON = "application/cloudevents+json";

    private final JsonNode envelope;
    private final byte[] data;
    private final boolean dataIsJson;

    private CloudEvent(JsonNode envelope, byte[] data, boolean dataIsJson) {
        this.envelope = envelope;
        this.data = data;
        this.dataIsJson = dataIsJson;
    }

    static boolean isStructured(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(STRUCTURED_JSON);
    }

    /**
     * Parses an envelope.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static CloudEvent parse(byte[] body) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the CloudEvents envelope is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the CloudEvents envelope must be a JSON object");
        }
        for (String required : new String[] {"id", "source", "specversion", "type"}) {
            JsonNode v = root.get(required);
            if (v == null || !v.isTextual() || v.asText().isEmpty()) {
                throw new IllegalArgumentException(
                        "the CloudEvents envelope lacks the required attribute '" + required + "'");
            }
        }
        JsonNode data = root.get("data");
        JsonNode base64 = root.get("data_base64");
        if (data != null && base64 != null) {
            throw new IllegalArgumentException("a CloudEvents envelope has either data or data_base64, not both");
        }
        String dct =
                root.hasNonNull("datacontenttype") ? root.get("datacontenttype").asText() : null;
        boolean jsonType = dct == null || dct.toLowerCase(Locale.ROOT).contains("json");
        byte[] bytes;
        boolean isJson = false;
        if (base64 != null) {
            try {
                bytes = Base64.getDecoder().decode(base64.asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("data_base64 is not valid base64");
            }
        } else if (data == null || data.isNull()) {
            bytes = new byte[0];
        } else if (data.isTextual() && !jsonType) {
            bytes = data.asText().getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                bytes = Json.mapper().writeValueAsBytes(data);
            } catch (IOException e) {
                throw new IllegalArgumentException("the CloudEvents data cannot be re-encoded: " + e.getMessage());
            }
            isJson = true;
        }
        return new CloudEvent(root, bytes, isJson);
    }

    String attribute(String name) {
        JsonNode v = envelope.get(name);
        return v == null || v.isNull() ? null : v.asText();
    }

    byte[] data() {
        return data;
    }

    boolean dataIsJson() {
        return dataIsJson;
    }
}
