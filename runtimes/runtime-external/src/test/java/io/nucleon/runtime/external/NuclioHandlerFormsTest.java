package io.nucleon.runtime.external;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.runtime.external.supervision.Language;
import io.nucleon.spi.AttributeProblems;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code spec.handler} in the forms Nuclio's runtimes parse. */
class NuclioHandlerFormsTest {

    private static String handler(Language language, String h) {
        AttributeProblems problems = AttributeProblems.at("spec.runtimeAttributes");
        String out = WrapperSettingsReader.handler(language, h, problems);
        if (out == null) {
            assertThrows(FunctionConfigException.class, problems::throwIfAny);
        }
        return out;
    }

    private static String problem(Language language, String h) {
        AttributeProblems problems = AttributeProblems.at("spec.runtimeAttributes");
        assertNull(WrapperSettingsReader.handler(language, h, problems));
        return assertThrows(FunctionConfigException.class, problems::throwIfAny).getMessage();
    }

    @Test
    void aNodeHandlerGivenAsAFunctionAloneIsAnExportOfHandlerJs() {
        assertEquals("handler:reverser", handler(Language.NODEJS, "reverser"));
        assertEquals("main:handler", handler(Language.NODEJS, "main:handler"));
        assertEquals("main.js:handler", handler(Language.NODEJS, " main.js:handler "));
    }

    @Test
    void aPythonHandlerIsModuleColonFunction() {
        assertEquals("main:handler", handler(Language.PYTHON, "main:handler"));
        assertTrue(problem(Language.PYTHON, "handler").contains("spec.handler: must be module:function"));
        assertTrue(problem(Language.PYTHON, "a:b:c").contains("got \"a:b:c\""));
        assertTrue(problem(Language.NODEJS, ":handler")
                .contains("or the function alone (an export of handler.js), got \":handler\""));
        assertTrue(problem(Language.NODEJS, null).contains("got nothing"));
    }

    @Test
    void runsANuclioNodeHandlerNamedByItsFunctionAlone() throws Exception {
        try (ExternalRuntimeTest.Running f = new ExternalRuntimeTest.Running(
                "nodejs", "reverser", "nuclio-node", "uds", 1, Duration.ofSeconds(10), b -> {})) {
            HttpResponse<byte[]> r = f.send("POST", "/", "nucleon".getBytes(StandardCharsets.UTF_8));
            assertEquals(200, r.statusCode());
            assertEquals("noelcun", new String(r.body(), StandardCharsets.UTF_8));
        }
    }
}
