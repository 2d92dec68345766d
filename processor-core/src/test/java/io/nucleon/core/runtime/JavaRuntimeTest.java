package io.nucleon.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import io.nucleon.api.Handler;
import io.nucleon.api.Processor;
import io.nucleon.core.testing.DirectTriggerFactory;
import io.nucleon.core.testing.JavaSources;
import io.nucleon.core.testing.Outcomes;
import io.nucleon.core.testing.TestEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The java runtime: the forms of {@code spec.handler}, handler adapters, and handlers loaded from
 * {@code runtimeAttributes.classpath}, run by real processors through the in-process direct trigger.
 */
class JavaRuntimeTest {
    private static final AtomicInteger TRIGGERS = new AtomicInteger();

    /** A handler compiled outside the processor's class path, in the default package as Nuclio's examples are. */
    private static final String HELLO = """
            import io.nucleon.api.Context;
            import io.nucleon.api.Event;
            import io.nucleon.api.Handler;
            import io.nucleon.core.runtime.LoaderProbe;

            public class Hello implements Handler {
                @Override
                public Object handle(Context context, Event event) {
                    LoaderProbe.LAST.set(getClass().getClassLoader());
                    boolean own = Thread.currentThread().getContextClassLoader() == getClass().getClassLoader();
                    return Shout.shout(event.bodyAsString()) + (own ? " (context loader: the function's)" : "");
                }
            }
            """;

    private static final String SHOUT = """
            public class Shout {
                public static String shout(String s) {
                    return s.toUpperCase() + "!";
                }
            }
            """;

    /** Runs {@code handler} with one worker on a direct trigger; answers the body of the response to {@code body}. */
    private static String call(Processor p, String trigger, String body) {
        Outcomes outcomes = new Outcomes();
        String id = Integer.toString(TRIGGERS.incrementAndGet());
        DirectTriggerFactory.dispatcher(trigger).dispatch(TestEvent.of(id, body), outcomes);
        outcomes.await(1, 10, TimeUnit.SECONDS);
        Outcomes.Result r = outcomes.get(id);
        assertNotNull(r.response(), () -> "no response: " + r);
        return r.response().bodyAsString();
    }

    private static Processor.Builder function(String trigger) {
        return Processor.builder()
                .name("java-runtime")
                .withoutControlServer()
                .trigger(trigger, "direct", t -> t.numWorkers(1));
    }

    private static String trigger() {
        return "t" + TRIGGERS.incrementAndGet();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "io.nucleon.core.runtime.Greeter              | hello bob",
                "main:io.nucleon.core.runtime.Greeter         | hello bob",
                "' handler : io.nucleon.core.runtime.Greeter '  | hello bob",
                "io.nucleon.core.runtime.Greeter$Loud         | HELLO bob",
                "io.nucleon.core.runtime.Greeter.Loud         | HELLO bob",
                "main:io.nucleon.core.runtime.Greeter.Loud    | HELLO bob"
            })
    void takesTheHandlerClassInEveryFormNuclioAccepts(String handler, String answer) throws Exception {
        String t = trigger();
        try (Processor p = function(t).handler(handler).build().start()) {
            assertEquals(answer, call(p, t, "bob"));
        }
    }

    @Test
    void runsAClassThatAnAdapterTakesWithAnInstancePerWorker() throws Exception {
        String t = trigger();
        try (Processor p =
                function(t).handler(PoliteGreeting.class.getName()).build().start()) {
            assertEquals("good day ann #1", call(p, t, "ann"));
            assertEquals("good day bob #2", call(p, t, "bob"));
            assertEquals(
                    Map.of("handlerClass", PoliteGreeting.class.getName(), "handlerType", Greeting.class.getName()),
                    p.status().get("runtimeStatus"));
        }
    }

    @Test
    void aHandlerClassShowsItsTypeInStatus() throws Exception {
        String t = trigger();
        try (Processor p = function(t).handler(Greeter.class.getName()).build().start()) {
            assertEquals(
                    Map.of("handlerClass", Greeter.class.getName(), "handlerType", Handler.class.getName()),
                    p.status().get("runtimeStatus"));
        }
    }

    @Test
    void aClassThatIsNeitherAHandlerNorAdaptedIsRefusedNamingEveryInterfaceThatWouldDo() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> function(trigger()).handler(NotAHandler.class.getName()).build());
        assertEquals(
                "spec.handler: class 'io.nucleon.core.runtime.NotAHandler' implements neither"
                        + " io.nucleon.api.Handler nor io.nucleon.core.runtime.Greeting nor io.nuclio.EventHandler"
                        + " (Nuclio's Java SDK: add the module io.nucleon:nucleon-nuclio-sdk to the classpath)",
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''                  | is required: the binary name of a class implementing io.nucleon.api.Handler or"
                        + " io.nuclio.EventHandler, e.g. com.example.Hello",
                "main:               | must be a class's binary name, optionally after a prefix ending in ':'"
                        + " (e.g. com.example.Hello or main:com.example.Hello), got \"main:\"",
                "com/example/Hello   | must be a class's binary name, optionally after a prefix ending in ':'"
                        + " (e.g. com.example.Hello or main:com.example.Hello), got \"com/example/Hello\""
                        + " (dots separate packages, not slashes)",
                "Hello.java          | must be a class's binary name, got \"Hello.java\" (name the class, not its file)",
                "main:handler        | class 'handler' was not found on the classpath",
                "io.nucleon.core.runtime.Greeting | class 'io.nucleon.core.runtime.Greeting' is abstract;"
                        + " name a concrete class",
                "io.nucleon.core.runtime.LoaderProbe | class 'io.nucleon.core.runtime.LoaderProbe' has no public"
                        + " no-argument constructor"
            })
    void aHandlerNameThatNamesNoUsableClassSaysWhatIsExpected(String handler, String message) {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> function(trigger()).handler(handler).build());
        assertEquals("spec.handler: " + message, e.getMessage());
    }

    @Test
    void loadsTheHandlerFromAJarAndAClassDirectoryRelativeToTheFunctionsDirectoryAndClosesThemWithTheRuntime(
            @TempDir Path dir) throws Exception {
        compileHelloAndShout(dir, dir.resolve("build/jar"), dir.resolve("fn/classes"), "Unused");
        JavaSources.jar(dir.resolve("build/jar"), dir.resolve("fn/lib/hello.jar"));
        Path yaml = Files.writeString(dir.resolve("fn/function.yaml"), """
                metadata:
                  name: from-jar
                spec:
                  runtime: java
                  handler: main:Hello
                  runtimeAttributes:
                    classpath:
                      - lib/hello.jar
                      - classes
                  triggers:
                    jar:
                      kind: direct
                """);
        LoaderProbe.LAST.set(null);
        ClassLoader loader;
        try (Processor p = Processor.builder()
                .functionYaml(yaml)
                .withoutControlServer()
                .build()
                .start()) {
            assertEquals("BOB! (context loader: the function's)", call(p, "jar", "bob"));
            loader = LoaderProbe.LAST.get();
            assertNotSame(getClass().getClassLoader(), loader);
            assertNotNull(loader.getResource("Unused.class"), "the jar is open while the function runs");
            @SuppressWarnings("unchecked")
            Map<String, Object> status = (Map<String, Object>) p.status().get("runtimeStatus");
            assertEquals(
                    List.of(
                            dir.resolve("fn/lib/hello.jar").toString(),
                            dir.resolve("fn/classes").toString()),
                    status.get("classpath"));
        }
        assertNull(loader.getResource("Unused.class"), "the class loader was closed with the runtime");
    }

    /**
     * Compiles {@link #HELLO} and {@link #SHOUT} (with {@code more} empty classes), then puts {@code Hello} and
     * {@code more} in {@code helloDir} and {@code Shout} in {@code shoutDir}: a handler and its library.
     */
    private static void compileHelloAndShout(Path dir, Path helloDir, Path shoutDir, String... more) throws Exception {
        Map<String, String> sources = new java.util.HashMap<>(Map.of("Hello", HELLO, "Shout", SHOUT));
        for (String m : more) {
            sources.put(m, "public class " + m + " {}");
        }
        Path all = JavaSources.compile(dir.resolve("all"), sources, Handler.class, LoaderProbe.class);
        Files.createDirectories(helloDir);
        Files.createDirectories(shoutDir);
        for (String name : sources.keySet()) {
            Path to = name.equals("Shout") ? shoutDir : helloDir;
            Files.move(all.resolve(name + ".class"), to.resolve(name + ".class"));
        }
    }

    @Test
    void aDirectoryWildcardTakesEveryJarInItAndAnEntryMayJoinSeveralPaths(@TempDir Path dir) throws Exception {
        compileHelloAndShout(dir, dir.resolve("hello"), dir.resolve("shout"));
        JavaSources.jar(dir.resolve("hello"), dir.resolve("lib/hello.jar"));
        JavaSources.jar(dir.resolve("shout"), dir.resolve("lib/shout.jar"));
        JavaSources.jar(dir.resolve("shout"), dir.resolve("other/shout.jar"));
        String t = trigger();
        try (Processor p = function(t)
                .handler("Hello")
                .runtimeAttribute("classpath", List.of(dir.resolve("lib") + "/*"))
                .build()
                .start()) {
            assertEquals("ANN! (context loader: the function's)", call(p, t, "ann"));
        }
        t = trigger();
        try (Processor p = function(t)
                .handler("Hello")
                .runtimeAttribute(
                        "classpath",
                        List.of(dir.resolve("hello") + java.io.File.pathSeparator + dir.resolve("other/shout.jar")))
                .build()
                .start()) {
            assertEquals("ANN! (context loader: the function's)", call(p, t, "ann"));
        }
    }

    @Test
    void everyBadClasspathEntryIsReportedAtOnceWithItsLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a jar");
        Path yaml = Files.writeString(dir.resolve("function.yaml"), """
                metadata:
                  name: bad-classpath
                spec:
                  handler: com/example/Hello
                  runtimeAttributes:
                    classpath:
                      - missing.jar
                      - ""
                      - notes.txt
                      - nowhere/*
                  triggers:
                    t:
                      kind: direct
                """);
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .functionYaml(yaml)
                        .withoutControlServer()
                        .build());
        List<ConfigProblem> problems = e.problems();
        assertEquals(5, problems.size(), e.getMessage());
        String file = yaml.toString();
        assertProblem(problems.get(0), file, 4, "spec.handler", "must be a class's binary name");
        assertProblem(
                problems.get(1),
                file,
                7,
                "spec.runtimeAttributes.classpath[0]",
                "'" + dir.resolve("missing.jar") + "' does not exist (relative paths are resolved against " + dir
                        + "); give a jar or a class directory");
        assertProblem(
                problems.get(2),
                file,
                8,
                "spec.runtimeAttributes.classpath[1]",
                "is empty: give a jar or a class directory");
        assertProblem(
                problems.get(3),
                file,
                9,
                "spec.runtimeAttributes.classpath[2]",
                "'" + dir.resolve("notes.txt") + "' is neither a class directory nor a readable jar");
        assertProblem(
                problems.get(4),
                file,
                10,
                "spec.runtimeAttributes.classpath[3]",
                "'" + dir.resolve("nowhere") + "' is not a directory");
    }

    private static void assertProblem(ConfigProblem p, String file, int line, String path, String messageStart) {
        assertEquals(file, p.file(), p::toString);
        assertEquals(line, p.line(), p::toString);
        assertEquals(path, p.path(), p::toString);
        assertTrue(p.message().startsWith(messageStart), () -> p.message() + "\n does not start with\n" + messageStart);
    }

    @Test
    void aHandlerWhoseClasspathLacksOneOfItsClassesNamesTheMissingClass(@TempDir Path dir) throws Exception {
        Path shout = JavaSources.compile(dir.resolve("shout"), Map.of("Shout", SHOUT));
        JavaSources.compile(
                dir.resolve("hello"),
                Map.of(
                        "LoudHello",
                        "public class LoudHello extends Shout implements io.nucleon.api.Handler {"
                                + " public Object handle(io.nucleon.api.Context c, io.nucleon.api.Event e) { return null; } }"),
                List.of(shout, JavaSources.locationOf(Handler.class)));
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> function(trigger())
                        .handler("LoudHello")
                        .runtimeAttribute(
                                "classpath", List.of(dir.resolve("hello").toString()))
                        .build());
        assertEquals(
                "spec.handler: class 'LoudHello' cannot be loaded: it needs Shout, which is not on the classpath"
                        + " (add the jar that holds it to runtimeAttributes.classpath)",
                e.getMessage());
    }

    @Test
    void nuclioJvmOptionsAreAcceptedThoughNotApplied() throws Exception {
        String t = trigger();
        try (Processor p = function(t)
                .handler(Greeter.class.getName())
                .runtimeAttribute("jvmOptions", List.of("-Xmx1g"))
                .build()
                .start()) {
            assertEquals("hello ann", call(p, t, "ann"));
        }
    }

    @Test
    void anUnknownRuntimeAttributeNamesTheOnesThereAre() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> function(trigger())
                        .handler(Greeter.class.getName())
                        .runtimeAttribute("classPath", List.of("x.jar"))
                        .build());
        assertEquals(
                "spec.runtimeAttributes.classPath: unknown attribute; allowed: classpath, jvmOptions", e.getMessage());
    }
}
