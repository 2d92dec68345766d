package io.nucleon.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Functions written the way Nuclio's documentation shows them, each run by the runner as a process from
 * its directory (with a Nuclio-style function.yaml that has no trigger, or with no function.yaml and
 * flags only, as {@code nuctl deploy} takes them) and called over HTTP on the default trigger's port;
 * their log lines are in the processor's log.
 */
class NuclioFunctionsIT {
    @TempDir
    Path dir;

    private final int port = FunctionJar.freePort();

    @Test
    void aPythonHelloWorldReturningContextResponse() {
        RunnerCli.write(
                dir,
                "function.yaml",
                "apiVersion: \"nuclio.io/v1\"",
                "kind: NuclioFunction",
                "spec:",
                "  runtime: python",
                "  handler: helloworld:handler",
                "  minReplicas: 1",
                "  maxReplicas: 1",
                "  disableDefaultHTTPTrigger: false");
        RunnerCli.write(
                dir,
                "helloworld.py",
                "def handler(context, event):",
                "    context.logger.info('saying hello')",
                "    return context.Response(body='Hello, from Nucleon :]',",
                "                            headers={'x-greeter': 'python'},",
                "                            content_type='text/plain',",
                "                            status_code=200)");
        try (FunctionProcess fn =
                RunnerCli.run(dir.toString(), "--port", Integer.toString(port)).start()) {
            HttpResponse<String> r = RunnerCli.call(port, "/", null);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("Hello, from Nucleon :]", r.body());
            assertTrue(
                    r.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
                    r.headers().toString());
            assertEquals("python", r.headers().firstValue("x-greeter").orElse(""));
            fn.await(
                    "the handler's log line",
                    Duration.ofSeconds(10),
                    () -> fn.output().contains("saying hello"));
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void anEmptyPythonHandlerFromFlagsAlone() {
        RunnerCli.write(dir, "empty.py", "def handler(context, event):", "    pass");
        try (FunctionProcess fn = RunnerCli.run(
                        dir.toString(), "--runtime", "python", "--handler", "empty:handler", "--port", "" + port)
                .start()) {
            HttpResponse<String> r = RunnerCli.call(port, "/", "ignored");
            assertEquals(200, r.statusCode(), "Nuclio answers a handler that returns None with 200: " + r.body());
            assertEquals("", r.body());
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void aNodeReverserAnsweringThroughContextCallbackFromFlagsAlone() {
        RunnerCli.write(
                dir,
                "reverser.js",
                "exports.handler = function (context, event) {",
                "    const text = event.body.toString();",
                "    context.logger.info('reversing ' + text);",
                "    context.callback(text.split('').reverse().join(''));",
                "};");
        try (FunctionProcess fn = RunnerCli.run(
                        dir.toString(), "--runtime", "nodejs", "--handler", "reverser:handler", "--port", "" + port)
                .start()) {
            HttpResponse<String> r = RunnerCli.call(port, "/", "stressed");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("desserts", r.body());
            fn.await(
                    "the handler's log line",
                    Duration.ofSeconds(10),
                    () -> fn.output().contains("reversing stressed"));
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void aPythonHandlerReadingAJsonBodyWithAnEnvFlagOverTheFile() throws Exception {
        RunnerCli.write(
                dir,
                "function.yaml",
                "apiVersion: \"nuclio.io/v1\"",
                "kind: NuclioFunction",
                "metadata:",
                "  name: greeter",
                "spec:",
                "  runtime: python",
                "  handler: main:handler",
                "  env:",
                "  - name: GREETING",
                "    value: Hello");
        RunnerCli.write(
                dir,
                "main.py",
                "import os",
                "",
                "def handler(context, event):",
                "    context.logger.info_with('greeting', name=event.body['name'])",
                "    return '%s, %s!' % (os.environ['GREETING'], event.body['name'])");
        try (FunctionProcess fn = RunnerCli.run(dir.toString(), "--port", "" + port, "--env", "GREETING=Hi")
                .start()) {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"Ada\"}"))
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("Hi, Ada!", r.body());
            fn.await(
                    "the handler's log line",
                    Duration.ofSeconds(10),
                    () -> fn.output().contains("greeting"));
            assertTrue(fn.output().contains("name=Ada"), fn.output());
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void aJavaReverserOnNuclioSdkCompiledFromItsSource() {
        RunnerCli.write(
                dir,
                "function.yaml",
                "apiVersion: \"nuclio.io/v1\"",
                "kind: NuclioFunction",
                "metadata:",
                "  name: java-reverser",
                "spec:",
                "  runtime: java",
                "  handler: ReverseEventHandler",
                "  minReplicas: 1",
                "  maxReplicas: 1");
        RunnerCli.write(
                dir,
                "ReverseEventHandler.java",
                "import io.nuclio.Context;",
                "import io.nuclio.Event;",
                "import io.nuclio.EventHandler;",
                "import io.nuclio.Response;",
                "import java.nio.charset.StandardCharsets;",
                "",
                "public class ReverseEventHandler implements EventHandler {",
                "    @Override",
                "    public Response handleEvent(Context context, Event event) {",
                "        String body = new String(event.getBody(), StandardCharsets.UTF_8);",
                "        context.getLogger().infoWith(\"Got event\", \"body\", body);",
                "        return new Response().setBody(new StringBuilder(body).reverse().toString());",
                "    }",
                "}");
        try (FunctionProcess fn =
                RunnerCli.run(dir.toString(), "--port", "" + port).start()) {
            HttpResponse<String> r = RunnerCli.call(port, "/", "nuclio");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("oilcun", r.body());
            assertTrue(
                    r.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
                    r.headers().toString());
            fn.await(
                    "the handler's log line",
                    Duration.ofSeconds(10),
                    () -> fn.output().contains("Got event"));
            assertTrue(fn.output().contains("body=nuclio"), fn.output());
            assertEquals(0, fn.stop());
        }
    }
}
