package io.nucleon.examples.hellopython;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nucleon.test.HttpCall;
import io.nucleon.test.HttpResult;
import io.nucleon.test.TestFunction;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Python handler through the test kit: the function from its function.yaml in this JVM, its
 * Python wrapper processes started by the python runtime as in the jar, and HTTP calls without a port.
 */
class HelloPythonTest {
    @RegisterExtension
    static final TestFunction hello = TestFunction.fromYaml(Path.of("src/main/resources/function.yaml"));

    @Test
    void greetsByQueryOrJsonAndRefusesABodyThatIsNotJson() {
        assertEquals("Hello, Ada!", hello.send(HttpCall.get("/?name=Ada")).bodyAsString());
        HttpResult json = hello.send(HttpCall.post("/").json("{\"name\": \"Grace\"}"));
        assertEquals(Map.of("greeting", "Hello, Grace!"), json.bodyAs(Map.class));
        assertEquals(400, hello.send(HttpCall.post("/").body("Grace")).status());
    }
}
