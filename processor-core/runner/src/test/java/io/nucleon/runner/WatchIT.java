package io.nucleon.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --watch}: the runner restarts a function on its new code when its files change (a Python
 * handler after the call in flight has its answer; a Java function recompiled), and keeps the running
 * version when the new one is invalid.
 */
class WatchIT {
    private static final Duration RELOAD = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final int port = FunctionJar.freePort();

    private Path function(String answer) {
        RunnerCli.write(
                dir,
                "function.yaml",
                "metadata:",
                "  name: watched",
                "spec:",
                "  runtime: python",
                "  handler: main:handler",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      numWorkers: 2",
                "      attributes:",
                "        port: " + port);
        return handler(answer);
    }

    private Path handler(String answer) {
        return RunnerCli.write(
                dir,
                "main.py",
                "import time",
                "",
                "def handler(context, event):",
                "    if event.path == '/slow':",
                "        context.logger.info('slow call started')",
                "        time.sleep(3)  # the behaviour under test: a call still in flight when the code changes",
                "    return '" + answer + "'",
                "");
    }

    @Test
    void restartsOnTheNewCodeAfterTheCallInFlightHasItsAnswer() throws Exception {
        function("first");
        try (FunctionProcess fn = RunnerCli.run(dir.toString(), "--watch").start()) {
            assertEquals("first", RunnerCli.call(port, "/", null).body());

            CompletableFuture<HttpResponse<String>> slow =
                    CompletableFuture.supplyAsync(() -> RunnerCli.call(port, "/slow", null));
            fn.await(
                    "the slow call to reach the handler",
                    RELOAD,
                    () -> fn.output().contains("slow call started"));
            handler("second");

            HttpResponse<String> inFlight = slow.get(30, TimeUnit.SECONDS);
            assertEquals(200, inFlight.statusCode(), inFlight.body());
            assertEquals("first", inFlight.body(), "the call in flight completes on the code it started on");
            fn.await("the new code to answer", RELOAD, () -> answer(port).equals("second"));
            assertTrue(fn.output().contains("main.py changed: restarted on the new code"), fn.output());
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void keepsTheRunningVersionWhenTheNewFunctionYamlIsInvalid() throws Exception {
        function("kept");
        try (FunctionProcess fn = RunnerCli.run(dir.toString(), "--watch").start()) {
            assertEquals("kept", RunnerCli.call(port, "/", null).body());
            RunnerCli.write(
                    dir,
                    "function.yaml",
                    "metadata:",
                    "  name: watched",
                    "spec:",
                    "  runtime: python",
                    "  handler: main:handler",
                    "  eventTimeout: soon",
                    "  triggers:",
                    "    web:",
                    "      kind: http",
                    "      attributes:",
                    "        port: " + port);
            fn.await(
                    "the problem to be logged",
                    RELOAD,
                    () -> fn.output()
                            .contains(
                                    "function.yaml changed, but the new version cannot run; still running the previous one"));
            assertTrue(fn.output().contains("function.yaml:6: spec.eventTimeout"), fn.output());
            assertEquals("kept", RunnerCli.call(port, "/", null).body());

            function("fixed");
            fn.await("the fixed function to answer", RELOAD, () -> answer(port).equals("fixed"));
            assertEquals(0, fn.stop());
        }
    }

    @Test
    void recompilesAJavaFunctionsSourcesWhenTheyChange() {
        RunnerCli.write(
                dir,
                "function.yaml",
                "metadata:",
                "  name: watched-java",
                "spec:",
                "  runtime: java",
                "  handler: Answer",
                "  triggers:",
                "    web:",
                "      kind: http",
                "      attributes:",
                "        port: " + port);
        javaAnswer("compiled once");
        try (FunctionProcess fn = RunnerCli.run(dir.toString(), "--watch").start()) {
            assertEquals("compiled once", RunnerCli.call(port, "/", null).body());
            javaAnswer("compiled twice");
            fn.await("the recompiled code to answer", RELOAD, () -> answer(port).equals("compiled twice"));
            assertTrue(fn.output().contains("Answer.java changed: restarted on the new code"), fn.output());
            assertEquals(0, fn.stop());
        }
    }

    private void javaAnswer(String answer) {
        RunnerCli.write(
                dir,
                "Answer.java",
                "public final class Answer implements io.nucleon.api.Handler {",
                "    @Override",
                "    public Object handle(io.nucleon.api.Context ctx, io.nucleon.api.Event event) {",
                "        return \"" + answer + "\";",
                "    }",
                "}");
    }

    /** The body of GET /, or "" while nothing listens (between the old processor's stop and the new one's start). */
    private static String answer(int port) {
        try {
            return RunnerCli.call(port, "/", null).body();
        } catch (RuntimeException refused) {
            return "";
        }
    }
}
