package io.nucleon.core;

import io.nucleon.api.Engine;
import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import java.io.IOException;

/**
 * The engine as the API sees it ({@code META-INF/services/io.nucleon.api.Engine}): builders that make
 * {@link FunctionProcessor}s, and Jackson, through the processor's one mapper ({@link Json}), as the
 * JSON codec of event bodies and handler results. Stateless and thread-safe.
 */
public final class CoreEngine implements Engine {

    @Override
    public Processor.Builder newBuilder() {
        return new ProcessorBuilder();
    }

    @Override
    public <T> T readJson(byte[] json, Class<T> type) throws IOException {
        return Json.mapper().readValue(json, type);
    }

    @Override
    public byte[] writeJson(Object value) throws IOException {
        return Json.mapper().writeValueAsBytes(value);
    }
}
