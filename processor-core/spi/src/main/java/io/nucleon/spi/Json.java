package io.nucleon.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The one JSON mapper of a processor, for triggers, runtimes and bindings: the engine reads event
 * bodies ({@link io.nucleon.api.Event#bodyAs}) and writes handler results with this same mapper, so a
 * plugin that reads or writes JSON for a handler sees it the way the handler does. Shared and
 * thread-safe; do not reconfigure it.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private Json() {}

    /** The shared mapper. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Serialises {@code value} as UTF-8 JSON bytes. */
    public static byte[] toBytes(Object value) throws JsonProcessingException {
        return MAPPER.writeValueAsBytes(value);
    }
}
