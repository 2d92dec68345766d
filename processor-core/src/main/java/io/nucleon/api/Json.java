package io.nucleon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON mapper Nucleon uses to read event bodies and to write handler results that are neither
 * a {@link Response}, bytes nor a string. Shared and thread-safe; do not reconfigure it.
 */
public final class Json {
    private Json() {
    }

    /** The shared mapper. */
    public static ObjectMapper mapper() {
        return JsonSupport.MAPPER;
    }

    /** Serialises {@code value} as UTF-8 JSON bytes. */
    public static byte[] toBytes(Object value) throws JsonProcessingException {
        return JsonSupport.MAPPER.writeValueAsBytes(value);
    }
}
