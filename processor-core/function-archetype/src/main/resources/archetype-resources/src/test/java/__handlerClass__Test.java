package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nucleon.test.HttpCall;
import io.nucleon.test.HttpResult;
import io.nucleon.test.TestFunction;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The function as function.yaml defines it, run in this JVM by the test kit: the test sends it HTTP
 * requests (Kafka records, RabbitMQ messages, cron ticks for other triggers) without a port or a broker.
 */
class ${handlerClass}Test {
    @RegisterExtension
    static final TestFunction function = TestFunction.fromYaml(Path.of("src/main/resources/function.yaml"));

    @Test
    void greetsTheNameInTheQuery() {
        HttpResult r = function.send(HttpCall.get("/?name=Ada"));
        assertEquals(200, r.status());
        assertEquals("Hello, Ada!", r.bodyAsString());
    }

    @Test
    void greetsTheWorldWhenNoNameIsGiven() {
        assertEquals("Hello, world!", function.send(HttpCall.get("/")).bodyAsString());
    }
}
