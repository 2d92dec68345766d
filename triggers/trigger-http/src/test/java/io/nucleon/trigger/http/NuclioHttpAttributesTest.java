package io.nucleon.trigger.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.spi.Json;
import io.nucleon.spi.NuclioAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The http trigger reading the attributes of Nuclio's {@code http} trigger, with the examples of
 * Nuclio's documentation ({@code docs/reference/triggers/http.md}).
 */
class NuclioHttpAttributesTest {
    private final NuclioAttributes nuclio = new HttpTriggerFactory().nuclioAttributes();
    private final List<String> findings = new ArrayList<>();

    private ObjectNode translate(String json) throws JsonProcessingException {
        return nuclio.translate(json(json), new NuclioAttributes.Findings() {
            @Override
            public void warn(String attribute, String message) {
                findings.add("warn " + attribute + ": " + message);
            }

            @Override
            public void error(String attribute, String message) {
                findings.add("error " + attribute + ": " + message);
            }
        });
    }

    private static ObjectNode json(String json) throws JsonProcessingException {
        return (ObjectNode) Json.mapper().readTree(json.replace('\'', '"'));
    }

    @Test
    void nucliosExampleWithIngresses() throws Exception {
        ObjectNode out = translate("{'port': 32001, 'ingresses': {'http': {'host': 'host.nuclio', 'paths':"
                + " ['/first/path', '/second/path']}, 'http2': {'paths': ['MyFunctions/{{.Name}}/{{.Version}}']}}}");
        assertEquals(json("{'port': 32001, 'maxHeaderSize': '16KiB'}"), out);
        assertEquals(
                List.of("warn ingresses: ignored: a setting of Nuclio's platform (the Kubernetes ingresses that route"
                        + " to the function)"),
                findings);
    }

    @Test
    void theListenAddressAndFasthttpsSizes() throws Exception {
        assertEquals(
                json("{'host': '127.0.0.1', 'port': 9090, 'maxRequestBodySize': 1048576, 'maxHeaderSize': 65536}"),
                translate("{'url': '127.0.0.1:9090', 'maxRequestBodySize': 1048576, 'readBufferSize': 65536}"));
        assertEquals(
                json("{'port': 8080, 'maxRequestBodySize': '4MiB', 'maxHeaderSize': '16KiB'}"),
                translate("{'url': ':8080', 'maxRequestBodySize': 0, 'readBufferSize': 0}"),
                "0 is Nuclio's default");
        assertEquals(List.of(), findings);
        assertEquals(
                json("{'port': 32001, 'maxHeaderSize': 1024}"),
                translate("{'url': ':8080', 'port': 32001, 'maxHeaderSize': 1024, 'readBufferSize': 4096}"));
        assertEquals(
                List.of(
                        "warn url: ignored its port 8080: port is given (32001), and one processor listens where"
                                + " callers reach it",
                        "warn readBufferSize: ignored: maxHeaderSize is given too, and Nucleon's own attribute wins"),
                findings);
    }

    @Test
    void corsIsRefusedAndPlatformSettingsWarned() throws Exception {
        translate("{'cors': {'enabled': true, 'allowOrigins': ['*']}, 'serviceType': 'NodePort',"
                + " 'reduceMemoryUsage': true, 'url': 'localhost'}");
        assertEquals(
                List.of("error cors", "warn serviceType", "warn reduceMemoryUsage", "error url"),
                findings.stream().map(f -> f.substring(0, f.indexOf(':'))).toList(),
                findings.toString());
        assertTrue(
                findings.get(0).contains("not supported: Nucleon's http trigger neither answers CORS"),
                findings.get(0));
        findings.clear();
        translate("{'cors': {'enabled': false}}");
        assertEquals(
                List.of("warn cors: ignored: cors.enabled is not true, so Nuclio does not apply it either"), findings);
    }

    @Test
    void aFunctionWithNucliosAttributesTakesTheHeadersNuclioTakes() throws Exception {
        ObjectNode attributes = translate("{'url': '127.0.0.1:0'}");
        try (RunningFunction f = RunningFunction.start(
                (ctx, e) -> "hello",
                t -> Json.mapper()
                        .convertValue(attributes, new TypeReference<Map<String, Object>>() {})
                        .forEach(t::attribute))) {
            String twelveKiB = "x".repeat(12 << 10);
            assertEquals(200, f.get("/", "x-large", twelveKiB).statusCode(), "fasthttp reads 16 KiB of headers");
        }
        try (RunningFunction f = RunningFunction.start((ctx, e) -> "hello", t -> {})) {
            assertEquals(431, f.get("/", "x-large", "x".repeat(12 << 10)).statusCode(), "Nucleon's own default");
        }
    }
}
