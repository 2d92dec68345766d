package io.nucleon.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nucleon.test.HttpCall;
import io.nucleon.test.HttpResult;
import io.nucleon.test.TestFunction;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The function in this JVM, from its function.yaml, with the test kit: no port, no process. */
class HelloHandlerTest {
    @RegisterExtension
    static final TestFunction hello = TestFunction.fromYaml(Path.of("src/main/resources/function.yaml"));

    @Test
    void greetsTheNameInTheQuery() {
        HttpResult r = hello.send(HttpCall.get("/?name=Ada"));
        assertEquals(200, r.status());
        assertEquals("Hello, Ada!", r.bodyAsString());
        assertEquals("text/plain; charset=utf-8", r.contentType());
    }

    @Test
    void greetsTheNameInAJsonBody() {
        HttpResult r = hello.send(HttpCall.post("/").json("{\"name\": \"Grace\"}"));
        assertEquals(Map.of("greeting", "Hello, Grace!"), r.bodyAs(Map.class));
    }

    @Test
    void aBodyThatIsNotJsonIs400() {
        assertEquals(400, hello.send(HttpCall.post("/").body("Grace")).status());
    }
}
