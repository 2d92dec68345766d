package io.nucleon.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.test.FunctionJar;
import io.nucleon.test.FunctionProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code init} makes a function directory that {@code run} serves at once, for each runtime. */
class InitRunIT {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "init --runtime {0}, then run")
    @CsvSource({"python, main.py", "nodejs, handler.js", "java, HelloFn.java"})
    void theScaffoldAnswers(String runtime, String handlerFile) throws Exception {
        RunnerCli.Result init = RunnerCli.exec(dir, "init", "--runtime", runtime, "hello-fn");
        assertEquals(0, init.exitCode(), init.toString());
        assertEquals(
                String.join(
                        "\n",
                        "created hello-fn/function.yaml",
                        "created hello-fn/" + handlerFile,
                        "",
                        "run it:  java -jar " + RunnerCli.JAR + " run hello-fn",
                        "call it: curl 'http://127.0.0.1:8080/?name=Ada'",
                        ""),
                init.out());
        assertTrue(Files.readString(dir.resolve("hello-fn/function.yaml")).contains("kind: NuclioFunction"));

        int port = FunctionJar.freePort();
        try (FunctionProcess fn = RunnerCli.run(dir.resolve("hello-fn").toString(), "--port", "" + port)
                .start()) {
            HttpResponse<String> r = RunnerCli.call(port, "/?name=Ada", null);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("Hello, Ada!", r.body());
            fn.await(
                    "the handler's log line",
                    Duration.ofSeconds(10),
                    () -> fn.output().contains("greeting"));
            assertEquals(0, fn.stop());
        }
    }
}
