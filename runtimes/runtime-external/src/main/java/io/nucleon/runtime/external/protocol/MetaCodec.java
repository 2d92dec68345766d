package io.nucleon.runtime.external.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nucleon.api.Event;
import io.nucleon.api.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes an event's {@code meta} JSON (absent fields are left out) into a reused buffer, and reads
 * a response's ({@code docs/protocol.md} section 3). One per worker; not thread-safe.
 */
public final class MetaCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] EMPTY = new byte[0];

    private byte[] buf = new byte[512];
    /** The meta of the last {@link #answer} and the response it made (with an empty body). */
    private String lastMeta;

    private Response lastAnswer;
    private int len;
    private boolean first;

    /** The meta bytes of {@code event}, valid in {@link #buffer()} up to the returned length until the next call. */
    public int encode(Event event) throws IOException {
        len = 0;
        first = true;
        put('{');
        string("id", event.id());
        string("triggerKind", event.triggerKind());
        string("triggerName", event.triggerName());
        string("triggerClass", event.triggerClass());
        string("method", event.method());
        string("path", event.path());
        string("url", event.url());
        string("contentType", event.contentType());
        Map<String, String> headers = event.headers();
        if (headers != null && !headers.isEmpty()) {
            key("headers");
            put('{');
            boolean f = true;
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (!f) {
                    put(',');
                }
                f = false;
                quoted(e.getKey());
                put(':');
                quoted(e.getValue() == null ? "" : e.getValue());
            }
            put('}');
        }
        Map<String, Object> fields = event.fields();
        if (fields != null && !fields.isEmpty()) {
            key("fields");
            byte[] json = MAPPER.writeValueAsBytes(fields);
            ensure(json.length);
            System.arraycopy(json, 0, buf, len, json.length);
            len += json.length;
        }
        Instant ts = event.timestamp();
        if (ts != null) {
            number("timestamp", ts.toEpochMilli());
        }
        if (event.shardId() != 0) {
            number("shardId", event.shardId());
        }
        if (event.totalShards() != 0) {
            number("totalShards", event.totalShards());
        }
        if (event.offset() != 0) {
            number("offset", event.offset());
        }
        string("topic", event.topic());
        string("type", event.type());
        string("typeVersion", event.typeVersion());
        string("version", event.version());
        string("source", event.source());
        put('}');
        return len;
    }

    /** The buffer {@link #encode} wrote into; reused, so valid until the next call. */
    public byte[] buffer() {
        return buf;
    }

    /**
     * Builds the response from a RESPONSE frame's meta and body, as {@link #response(String, byte[])}
     * does, reusing the parsed meta when it is the same as the previous answer's (a handler tends to
     * answer with the same status, content type and headers every time).
     */
    public Response answer(String metaJson, byte[] body) throws ProtocolException {
        if (!metaJson.equals(lastMeta)) {
            lastAnswer = response(metaJson, EMPTY);
            lastMeta = metaJson;
        }
        return lastAnswer.withBody(body);
    }

    /** Builds the response from a RESPONSE frame's meta and body. */
    public static Response response(String metaJson, byte[] body) throws ProtocolException {
        if (metaJson.isEmpty() || metaJson.equals("{}")) {
            return Response.builder().body(body).build();
        }
        JsonNode meta;
        try {
            meta = MAPPER.readTree(metaJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProtocolException("RESPONSE meta is not valid JSON: " + e.getOriginalMessage());
        }
        if (meta == null || !meta.isObject()) {
            throw new ProtocolException("RESPONSE meta must be a JSON object");
        }
        Response.Builder b = Response.builder().body(body);
        JsonNode status = meta.get("status");
        if (status != null && !status.isNull()) {
            if (!status.canConvertToInt() || status.asInt() < 100 || status.asInt() > 599) {
                throw new ProtocolException("RESPONSE status must be a number from 100 to 599, got " + status);
            }
            b.status(status.asInt());
        }
        JsonNode ct = meta.get("contentType");
        if (ct != null && ct.isTextual()) {
            b.contentType(ct.asText());
        }
        JsonNode headers = meta.get("headers");
        if (headers != null && headers.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = headers.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v != null && !v.isNull()) {
                    b.header(e.getKey(), v.isTextual() ? v.asText() : v.toString());
                }
            }
        }
        return b.build();
    }

    /** Parses a JSON object sent by a wrapper (HELLO, LOG …). */
    public static JsonNode object(String json, String what) throws ProtocolException {
        try {
            JsonNode n = MAPPER.readTree(json);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProtocolException(what + " payload is not valid JSON: " + e.getOriginalMessage());
        }
        throw new ProtocolException(what + " payload must be a JSON object");
    }

    private void key(String name) {
        if (!first) {
            put(',');
        }
        first = false;
        put('"');
        for (int i = 0; i < name.length(); i++) {
            put(name.charAt(i));
        }
        put('"');
        put(':');
    }

    private void string(String name, String value) {
        if (value != null) {
            key(name);
            quoted(value);
        }
    }

    private void number(String name, long value) {
        key(name);
        String s = Long.toString(value);
        for (int i = 0; i < s.length(); i++) {
            put(s.charAt(i));
        }
    }

    private void quoted(String s) {
        ensure(s.length() * 3 + 2);
        buf[len++] = '"';
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == '"' || c == '\\') {
                    ensure(2);
                    buf[len++] = '\\';
                    buf[len++] = (byte) c;
                } else if (c < 0x20) {
                    ensure(6);
                    buf[len++] = '\\';
                    buf[len++] = 'u';
                    buf[len++] = '0';
                    buf[len++] = '0';
                    buf[len++] = HEX[c >> 4];
                    buf[len++] = HEX[c & 0xf];
                } else {
                    buf[len++] = (byte) c;
                }
            } else if (c < 0x800) {
                buf[len++] = (byte) (0xc0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                ensure(4);
                buf[len++] = (byte) (0xf0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                buf[len++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                buf[len++] = (byte) 0xef; // a lone surrogate: U+FFFD, as String.getBytes would
                buf[len++] = (byte) 0xbf;
                buf[len++] = (byte) 0xbd;
            } else {
                buf[len++] = (byte) (0xe0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        ensure(1);
        buf[len++] = '"';
    }

    private void put(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
