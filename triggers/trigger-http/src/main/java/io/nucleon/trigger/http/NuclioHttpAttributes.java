package io.nucleon.trigger.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.nucleon.spi.ByteSize;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.NuclioTranslation;

/**
 * How the {@code http} trigger reads the attributes of Nuclio's {@code http} trigger
 * ({@code pkg/processor/trigger/http/types.go} in nuclio/nuclio, a fasthttp server, and
 * {@code docs/reference/triggers/http.md}).
 *
 * <p>{@code port} is where callers reach the function on Nuclio (a node port or a host port mapped
 * to the container's 8080): one processor listens on it. The trigger's {@code url} (moved into the
 * attributes by the engine) is Nuclio's listen address, {@code [host]:port}. fasthttp's
 * {@code readBufferSize} is also the largest header block it reads: it becomes {@code maxHeaderSize},
 * and Nuclio's 16 KiB default applies when neither is given.
 */
final class NuclioHttpAttributes {
    /** fasthttp's read buffer in Nuclio unless {@code readBufferSize} says otherwise. */
    static final ByteSize NUCLIO_READ_BUFFER_SIZE = ByteSize.ofBytes(16L << 10);
    /** Nuclio's largest request body unless {@code maxRequestBodySize} says otherwise. */
    static final ByteSize NUCLIO_MAX_REQUEST_BODY_SIZE = ByteSize.ofBytes(4L << 20);

    static final NuclioAttributes TRANSLATION = NuclioTranslation.builder("http", HttpTriggerConfig.class)
            .kept("port")
            .rule("url", NuclioHttpAttributes::listenAddress)
            .rule(
                    "maxRequestBodySize",
                    (value, step) -> step.set("maxRequestBodySize", sizeOr(value, NUCLIO_MAX_REQUEST_BODY_SIZE)))
            .rule("readBufferSize", (value, step) -> step.set("maxHeaderSize", sizeOr(value, NUCLIO_READ_BUFFER_SIZE)))
            .rule("cors", (value, step) -> {
                if (value.isObject() && isTrue(value.get("enabled"))) {
                    step.error("not supported: Nucleon's http trigger neither answers CORS preflight requests nor"
                            + " adds Access-Control-* headers; answer OPTIONS and set the headers in the handler,"
                            + " or put a proxy that does in front of the function, and remove cors");
                } else {
                    step.warn("ignored: cors.enabled is not true, so Nuclio does not apply it either");
                }
            })
            .ignored(
                    "reduceMemoryUsage",
                    "a memory-for-CPU trade-off of fasthttp; Nucleon's connection buffers are pooled already")
            .platform("ingresses", "the Kubernetes ingresses that route to the function")
            .platform("serviceType", "the type of the Kubernetes service in front of the function")
            .finish(step -> {
                if (!step.has("maxHeaderSize")) {
                    step.set("maxHeaderSize", NUCLIO_READ_BUFFER_SIZE.toString());
                }
            })
            .build();

    private NuclioHttpAttributes() {}

    /** Nuclio's listen address, {@code [host]:port} (":8080" by default). */
    private static void listenAddress(JsonNode value, NuclioTranslation.Step step) {
        String url = value.asText().trim();
        if (url.startsWith("http://")) {
            url = url.substring("http://".length());
        }
        int colon = url.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(url.substring(colon + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            step.error("must be a listen address such as :8080 or 127.0.0.1:8080, got " + value);
            return;
        }
        String host = colon > 0 ? url.substring(0, colon) : "";
        if (!host.isEmpty()) {
            step.set("host", host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host);
        }
        JsonNode given = step.written("port");
        if (given == null) {
            step.set("port", port);
        } else if (given.asInt(-1) != port) {
            step.warn("ignored its port " + port + ": port is given (" + given.asText() + "), and one processor"
                    + " listens where callers reach it");
        }
    }

    /** A number of bytes as Nuclio writes it, 0 meaning Nuclio's default; or a size in Nucleon's form. */
    private static Object sizeOr(JsonNode value, ByteSize nuclioDefault) {
        if (value.isIntegralNumber() && value.asLong() == 0) {
            return nuclioDefault.toString();
        }
        return value; // ByteSize reads it, and says what is wrong with it
    }

    private static boolean isTrue(JsonNode v) {
        return v != null && v.asBoolean(false);
    }
}
