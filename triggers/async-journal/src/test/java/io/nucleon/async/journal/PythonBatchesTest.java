package io.nucleon.async.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.Processor;
import io.nucleon.spi.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The async tail handing journaled calls to a Python handler in batches ({@code async.batchSize},
 * Nuclio's batch API): the handler gets lists of the calls waiting for its one worker, and each call
 * ends with the response tagged with its own event id.
 */
class PythonBatchesTest {

    @Test
    void waitingCallsReachAPythonBatchHandlerAsListsAndEachGetsItsOwnResult(@TempDir Path tmp) throws Exception {
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(
                code.resolve("main.py"),
                String.join(
                        "\n",
                        "import time",
                        "",
                        "",
                        "def handler(context, events):",
                        "    if not isinstance(events, list):",
                        "        raise TypeError('a batching trigger hands the handler a list')",
                        "    time.sleep(0.05)  # so that calls queue up behind the running batch",
                        "    return [context.Response(body='%d:%s' % (len(events), e.body.decode()), event_id=e.id)",
                        "            for e in events]",
                        ""));
        Processor p = Processor.builder()
                .name("py-async-batches")
                .runtime("python")
                .handler("main:handler")
                .runtimeAttribute("codeDir", code.toString())
                .eventTimeout(Duration.ofSeconds(10))
                .trigger(
                        "web",
                        "http",
                        t -> t.numWorkers(1)
                                .attribute("host", "127.0.0.1")
                                .attribute("port", 0)
                                .attribute(
                                        "async",
                                        Map.of(
                                                "enabled",
                                                true,
                                                "directory",
                                                tmp.resolve("journal").toString(),
                                                "batchSize",
                                                8,
                                                "maxInFlight",
                                                16)))
                .controlServer("127.0.0.1", 0)
                .build()
                .start();
        HttpClient http = HttpClient.newHttpClient();
        try {
            @SuppressWarnings("unchecked")
            int port = (Integer) ((List<Map<String, Object>>) p.status().get("triggers"))
                    .get(0)
                    .get("port");
            List<CompletableFuture<HttpResponse<String>>> accepts = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                accepts.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/async/go"))
                                .POST(HttpRequest.BodyPublishers.ofString("call " + i))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            int largest = 0;
            for (int i = 0; i < 40; i++) {
                HttpResponse<String> accepted = accepts.get(i).get();
                assertEquals(202, accepted.statusCode(), accepted.body());
                URI status = URI.create("http://127.0.0.1:" + port
                        + Json.mapper().readTree(accepted.body()).get("status").asText());
                @SuppressWarnings({"unchecked", "rawtypes"}) // a holder the lambda can write
                HttpResponse<String>[] last = new HttpResponse[1];
                AsyncFunction.await("call " + i + " succeeded", Duration.ofSeconds(30), () -> {
                    try {
                        last[0] =
                                http.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString());
                        return "succeeded"
                                .equals(last[0].headers()
                                        .firstValue("X-Nucleon-State")
                                        .orElse(""));
                    } catch (Exception e) {
                        return false;
                    }
                });
                String body = last[0].body();
                int colon = body.indexOf(':');
                assertTrue(colon > 0, body);
                assertEquals("call " + i, body.substring(colon + 1), "call " + i + " got another call's result");
                largest = Math.max(largest, Integer.parseInt(body.substring(0, colon)));
            }
            assertTrue(largest > 1, "no batch of more than one call was formed");
            assertTrue(largest <= 8, "a batch larger than async.batchSize: " + largest);
        } finally {
            p.stop(Duration.ofSeconds(5));
        }
    }
}
