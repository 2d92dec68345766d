package io.nucleon.trigger.http;

import static io.nucleon.trigger.http.AuthFixtures.claims;
import static io.nucleon.trigger.http.AuthFixtures.hs256;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import io.nucleon.api.FunctionConfigException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * No password, token, secret or credential header reaches a log line, at any level, whatever
 * happens: good and bad requests of every kind, reloads that work and reloads that fail, bad
 * configurations; in this process with every logger at TRACE, and in a process of its own whose
 * whole output is read.
 */
class HttpAuthLogSecrecyTest {
    @TempDir
    Path dir;

    @Test
    void noSecretOrTokenAppearsInAnyLogLineAtAnyLevel() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger netty = (Logger) LoggerFactory.getLogger("io.netty");
        Level rootLevel = root.getLevel();
        Level nettyLevel = netty.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.TRACE);
        netty.setLevel(Level.TRACE);
        List<String> secrets = new ArrayList<>();
        try {
            // basic
            String password = "pw-" + AuthFixtures.randomHex(10);
            secrets.add(password);
            Path credentials = AuthFixtures.write(dir.resolve("credentials"), "ada:" + password + "\n");
            try (RunningFunction f = RunningFunction.start(
                    HttpAuthJwtTest.ECHO,
                    t -> t.attribute("auth", Map.of("kind", "basic", "credentialsFile", credentials.toString())))) {
                for (String p : List.of(password, password + "x", "wrong-" + password)) {
                    String header = AuthFixtures.basic("ada", p);
                    secrets.add(header.substring(6));
                    f.get("/?name=a", "Authorization", header);
                }
            }
            // bearer, with a reload to new tokens and one that fails
            String token = "tok" + AuthFixtures.randomHex(16);
            String next = "tok" + AuthFixtures.randomHex(16);
            String brokenLine = "bad" + AuthFixtures.randomHex(3);
            secrets.addAll(List.of(token, next, brokenLine));
            Path tokens = AuthFixtures.write(dir.resolve("tokens"), "ci " + token + "\n");
            try (RunningFunction f = RunningFunction.start(
                    HttpAuthJwtTest.ECHO,
                    t -> t.attribute(
                            "auth",
                            Map.of("kind", "bearer", "tokensFile", tokens.toString(), "reloadInterval", "1s")))) {
                f.get("/", "Authorization", "Bearer " + token);
                f.get("/", "Authorization", "Bearer " + token + "0");
                AuthFixtures.write(dir.resolve("tokens.new"), next + "\n" + token + "\n");
                Files.move(dir.resolve("tokens.new"), tokens, StandardCopyOption.ATOMIC_MOVE);
                await().atMost(Duration.ofSeconds(15))
                        .until(() ->
                                f.get("/", "Authorization", "Bearer " + next).statusCode() == 200);
                AuthFixtures.write(tokens, next + "\n" + brokenLine + "\n");
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> f.getControl("/status").body().contains("lastReloadProblem"));
            }
            // jwt
            String secret = AuthFixtures.randomHex(32);
            secrets.add(secret);
            Path secretFile = AuthFixtures.write(dir.resolve("secret"), secret);
            try (RunningFunction f = RunningFunction.start(
                    HttpAuthJwtTest.ECHO,
                    t -> t.attribute(
                            "auth",
                            Map.of("kind", "jwt", "secretFile", secretFile.toString(), "audience", "hello-api")))) {
                List<String> jwts = List.of(
                        hs256(secret, claims("ada", c -> {})),
                        hs256(
                                secret,
                                claims("ada", c -> c.expirationTime(new Date(System.currentTimeMillis() - 600_000)))),
                        hs256(AuthFixtures.randomHex(32), claims("ada", c -> {})),
                        hs256(secret, claims("ada", c -> c.audience("elsewhere"))));
                for (String jwt : jwts) {
                    secrets.add(jwt);
                    secrets.add(jwt.substring(jwt.lastIndexOf('.') + 1));
                    f.get("/", "Authorization", "Bearer " + jwt);
                }
            }
            // a bad configuration
            String shortSecret = "short" + AuthFixtures.randomHex(4);
            secrets.add(shortSecret);
            Path shortFile = AuthFixtures.write(dir.resolve("short"), shortSecret);
            FunctionConfigException e = assertThrows(
                    FunctionConfigException.class,
                    () -> RunningFunction.start(
                                    HttpAuthJwtTest.ECHO,
                                    t -> t.attribute("auth", Map.of("kind", "jwt", "secretFile", shortFile.toString())))
                            .close());
            assertFalse(e.getMessage().contains(shortSecret), e.getMessage());
        } finally {
            root.detachAppender(appender);
            root.setLevel(rootLevel);
            netty.setLevel(nettyLevel);
        }

        List<ILoggingEvent> events = new ArrayList<>(appender.list);
        assertTrue(
                events.stream().anyMatch(ev -> ev.getFormattedMessage().equals("request refused by auth")),
                "the refusals were logged at DEBUG, so the lines were looked at");
        assertTrue(events.stream()
                .anyMatch(ev -> ev.getFormattedMessage().startsWith("auth files changed but cannot be used")));
        for (ILoggingEvent ev : events) {
            String line = render(ev);
            for (String s : secrets) {
                assertFalse(line.contains(s), () -> "a log line holds a secret: " + line);
            }
        }
    }

    private static String render(ILoggingEvent ev) {
        StringBuilder sb = new StringBuilder(ev.getLoggerName()).append(' ').append(ev.getFormattedMessage());
        if (ev.getKeyValuePairs() != null) {
            ev.getKeyValuePairs()
                    .forEach(kv -> sb.append(' ').append(kv.key).append('=').append(kv.value));
        }
        sb.append(' ').append(ev.getMDCPropertyMap());
        if (ev.getArgumentArray() != null) {
            for (Object a : ev.getArgumentArray()) {
                sb.append(' ').append(a);
            }
        }
        for (IThrowableProxy t = ev.getThrowableProxy(); t != null; t = t.getCause()) {
            sb.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
            for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                sb.append(' ').append(frame.getSTEAsString());
            }
        }
        return sb.toString();
    }

    @Test
    void basicCredentialsFromTheEnvironmentWorkAndTheProcessOutputNeverShowsThem() throws Exception {
        String password = "env-pw-" + AuthFixtures.randomHex(10);
        Path logConfig = AuthFixtures.write(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%level %logger %msg %kvp %mdc%n%ex</pattern></encoder>
                  </appender>
                  <root level="TRACE"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        Path portFile = dir.resolve("ports");
        Path log = dir.resolve("child.log");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dlogback.configurationFile=" + logConfig,
                        "-cp",
                        System.getProperty("java.class.path"),
                        HttpServerChild.class.getName(),
                        portFile.toString(),
                        "auth.kind=basic",
                        "auth.userEnv=NUCLEON_TEST_USER",
                        "auth.passwordEnv=NUCLEON_TEST_PASSWORD")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("NUCLEON_TEST_USER", "ada");
        pb.environment().put("NUCLEON_TEST_PASSWORD", password);
        Process child = pb.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !child.isAlive());
            assertTrue(child.isAlive(), () -> "the child exited: " + readQuietly(log));
            int port = Integer.parseInt(Files.readString(portFile).trim().split(" ")[0]);
            HttpClient http = HttpClient.newHttpClient();
            String good = AuthFixtures.basic("ada", password);
            String bad = AuthFixtures.basic("ada", password + "!");
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/whoami"))
                            .header("Authorization", good)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("ada", r.body());
            r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/whoami"))
                            .header("Authorization", bad)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode());
            child.destroy();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            String output = Files.readString(log);
            assertTrue(output.contains("http auth on"), output);
            assertTrue(output.contains("request refused by auth"), output);
            for (String s : List.of(
                    password,
                    good.substring(6),
                    bad.substring(6),
                    Base64.getEncoder().encodeToString(password.getBytes()))) {
                assertFalse(output.contains(s), () -> "the process output holds a secret:\n" + output);
            }
        } finally {
            child.destroyForcibly();
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
