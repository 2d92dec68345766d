package io.nucleon.binding.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.nucleon.api.Processor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A real Python handler publishing through the rabbitmq binding, against RabbitMQ on 127.0.0.1:5672. */
class RabbitMqBindingFromPythonTest {
    private static final String URL = "amqp://guest:guest@127.0.0.1:5672/%2f";
    private static final Path FUNCTIONS =
            Path.of("src/test/resources/functions").toAbsolutePath();

    @Test
    @SuppressWarnings("unchecked")
    void aPythonHandlerPublishesAndTheMessageIsInTheQueue() throws Exception {
        String queue = "nucleon-binding-python-" + UUID.randomUUID().toString().substring(0, 8);
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URL);
        try (Connection admin = f.newConnection("nucleon-binding-python-test")) {
            Channel channel = admin.createChannel();
            channel.queueDeclare(queue, false, false, true, null);
            Processor p = Processor.builder()
                    .name("rabbit-from-python")
                    .withoutControlServer()
                    .runtime("python")
                    .handler("publisher:handler")
                    .runtimeAttribute(
                            "codeDir", FUNCTIONS.resolve("rabbitmq-python").toString())
                    .eventTimeout(Duration.ofSeconds(20))
                    .dataBinding("out", "rabbitmq", Map.of("url", URL))
                    .trigger(
                            "web", "http", t -> t.attribute("host", "127.0.0.1").attribute("port", 0))
                    .build()
                    .start();
            try {
                int port = (Integer) ((List<Map<String, Object>>) p.status().get("triggers"))
                        .get(0)
                        .get("port");
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                        .timeout(Duration.ofSeconds(30))
                                        .header("X-Queue", queue)
                                        .POST(HttpRequest.BodyPublishers.ofString("h\u00e9llo rabbit"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("{}", r.body(), "publish returns once the broker confirmed, with an empty result");
                GetResponse got = channel.basicGet(queue, true);
                assertNotNull(got, "the message is in the queue once the handler answered");
                assertEquals("h\u00e9llo rabbit", new String(got.getBody(), StandardCharsets.UTF_8));
                assertEquals("python", got.getProps().getHeaders().get("via").toString());
            } finally {
                p.stop(Duration.ofSeconds(5));
            }
            channel.queueDelete(queue);
        }
    }
}
