package io.nucleon.runner;

import io.nucleon.test.FunctionJar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code java -jar nucleon.jar <args>} as a child process, as a user types it, for the commands
 * that end by themselves ({@code check}, {@code init}, {@code --help}, bad command lines); a function
 * run until stopped goes through {@link FunctionJar} (which waits for its {@code /ready}).
 */
final class RunnerCli {
    /** The packaged runner, target/nucleon.jar: the path failsafe passes to the integration tests. */
    static final Path JAR = Path.of(System.getProperty(FunctionJar.JAR_PROPERTY, "target/nucleon.jar"))
            .toAbsolutePath();

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunnerCli() {}

    /** What a finished command printed and its exit code. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    /** Runs the runner with {@code args} in {@code workDir} and waits (at most a minute) for it to exit. */
    static Result exec(Path workDir, String... args) {
        return exec(List.of(), workDir, args);
    }

    /** {@link #exec(Path, String...)} with JVM options before {@code -jar}. */
    static Result exec(List<String> jvmOptions, Path workDir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(workDir, "out-", ".txt");
            Path err = Files.createTempFile(workDir, "err-", ".txt");
            Process p = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("nucleon.jar " + String.join(" ", args) + " did not exit within 60 s");
            }
            Result r = new Result(
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A function started by the runner: {@code java -jar nucleon.jar run <args>}, until /ready. */
    static FunctionJar run(String... args) {
        List<String> all = new ArrayList<>(List.of("run"));
        all.addAll(List.of(args));
        return FunctionJar.at(JAR).args(all.toArray(String[]::new));
    }

    /** GET or, with a body, POST {@code http://127.0.0.1:<port><path>}. */
    static HttpResponse<String> call(int port, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            b.POST(HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code lines} to {@code dir/name}, making the directory. */
    static Path write(Path dir, String name, String... lines) {
        try {
            Files.createDirectories(dir);
            return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
