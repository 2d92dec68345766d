package io.nucleon.api;

import java.io.IOException;
import java.util.ServiceLoader;

/**
 * What this API needs from the engine that runs functions ({@code io.nucleon:nucleon-core}): builders
 * for {@link Processor}s, and the JSON codec behind {@link Event#bodyAs} and {@link Response#json}.
 * Implemented by the engine and found through {@link ServiceLoader}
 * ({@code META-INF/services/io.nucleon.api.Engine}); handler authors never call it. Keeping it behind
 * this interface lets the API depend on nothing but the JDK.
 *
 * <p>Implementations are thread-safe.
 */
public interface Engine {

    /** A new, empty builder. */
    Processor.Builder newBuilder();

    /**
     * {@code json} bound to {@code type} (a record, a bean, a {@code Map}, or the codec's own tree type,
     * {@code com.fasterxml.jackson.databind.JsonNode} with nucleon-core).
     *
     * @throws IOException when {@code json} is not JSON or does not fit {@code type}
     */
    <T> T readJson(byte[] json, Class<T> type) throws IOException;

    /**
     * {@code value} as UTF-8 JSON.
     *
     * @throws IOException when it cannot be serialised
     */
    byte[] writeJson(Object value) throws IOException;

    /**
     * The engine on the class path: the first one {@link ServiceLoader} finds through the thread's
     * context class loader, or else through this interface's own.
     *
     * @throws IllegalStateException when there is none (add {@code io.nucleon:nucleon-core})
     */
    static Engine get() {
        return EngineHolder.ENGINE;
    }
}
