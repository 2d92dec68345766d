package io.nucleon.test;

import io.nucleon.api.Event;
import io.nucleon.api.Processor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A function run in this JVM for a test, from its {@code function.yaml} or its builder, to which the
 * test sends synthetic events of every kind and gets their outcome back:
 *
 * <pre>{@code
 * class GreeterTest {
 *     @RegisterExtension
 *     static final TestFunction greeter = TestFunction.fromYaml(Path.of("src/main/resources/function.yaml"));
 *
 *     @Test
 *     void greetsByName() {
 *         HttpResult r = greeter.send(HttpCall.get("/?name=Ada"));
 *         assertEquals(200, r.status());
 *         assertEquals("Hello, Ada!", r.bodyAsString());
 *     }
 *
 *     @Test
 *     void deadLettersAnOrderThatCannotBeRead() {
 *         MessageResult r = greeter.send(KafkaRecord.of("orders", "not json").attempt(4));
 *         assertEquals(MessageDecision.DEAD_LETTER, r.decision());
 *     }
 * }
 * }</pre>
 *
 * <p>Everything but the sources is real: the function is built and checked by the engine as in
 * production (the same validation and error messages, each trigger's attributes checked by that
 * trigger's own module), and its handler runs on the engine's worker pools, with their event timeout,
 * queue and rejection rules, through the runtime {@code spec.runtime} names (Java in-process, Python
 * and Node.js in their wrapper processes). Only the http, kafka, rabbitmq, cron and kickstart
 * triggers are replaced: by stand-ins that open no socket and take their events from the test,
 * dispatching them, under the trigger's own name and kind, to the pool the real trigger would use.
 * The events look to the handler as the real trigger's do (see {@link HttpCall}, {@link KafkaRecord},
 * {@link RabbitMqMessage}, {@link CronTick}). Triggers of other kinds run for real. Data bindings are
 * opened for real: a test that must not reach a broker gives the function code-made bindings
 * ({@link Processor.Builder#dataBinding(io.nucleon.api.DataBinding)}). The control server is off.
 *
 * <p>As a JUnit 5 extension ({@code @RegisterExtension}) it starts before the tests and stops after
 * them: once for a {@code static} field, around each test for an instance field. Without JUnit, call
 * {@link #start()} and {@link #close()} (try-with-resources). A test function starts once.
 * Thread-safe: tests may send from several threads at once.
 */
public final class TestFunction
        implements AutoCloseable, BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final Set<String> HTTP = Set.of("http");
    private static final Set<String> KAFKA = Set.of("kafka", "kafka-cluster");
    private static final Set<String> RABBITMQ = Set.of("rabbitmq", "rabbit-mq");
    private static final Set<String> TIMERS = Set.of("cron", "kickstart");

    private enum State {
        NEW,
        RUNNING,
        CLOSED
    }

    private final String description;
    private final Consumer<Processor.Builder> definition;
    private final SyntheticTriggers triggers = new SyntheticTriggers();
    private volatile Duration resultTimeout = Duration.ofSeconds(60);
    private volatile Processor processor;
    private State state = State.NEW;
    private boolean startedForOneTest;

    private TestFunction(String description, Consumer<Processor.Builder> definition) {
        this.description = description;
        this.definition = definition;
    }

    /** The function {@code file} defines (e.g. {@code src/main/resources/function.yaml}); its handler class must be on the test's class path. */
    public static TestFunction fromYaml(Path file) {
        Objects.requireNonNull(file, "file");
        return new TestFunction("the function of " + file, b -> b.functionYaml(file));
    }

    /**
     * The function {@code definition} gives to a builder, e.g.
     * {@code TestFunction.of(b -> b.name("hello").handler(new Hello()).trigger("web", "http", t -> t.numWorkers(2)))}.
     * The trigger's attributes (a port, brokers) are checked but never used.
     */
    public static TestFunction of(Consumer<Processor.Builder> definition) {
        Objects.requireNonNull(definition, "definition");
        return new TestFunction("the function defined in code", definition);
    }

    /** How long {@code send} waits for an event's outcome before failing the test; 60 s by default. */
    public TestFunction resultTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the result timeout must be positive, got " + timeout);
        }
        this.resultTimeout = timeout;
        return this;
    }

    /**
     * Builds the function (checking it as the engine does) and starts it: its runtime, its workers
     * (running the handlers' init hooks), its data bindings and its triggers.
     *
     * @throws io.nucleon.api.FunctionConfigException when the function's configuration is wrong, listing every problem
     * @throws IllegalStateException when it does not start (a handler's init fails …), or was started before
     */
    public synchronized TestFunction start() {
        if (state != State.NEW) {
            throw new IllegalStateException(description + " was started before; a TestFunction starts once");
        }
        state = State.CLOSED; // unless it gets to RUNNING
        Processor.Builder builder = Processor.builder();
        definition.accept(builder);
        builder.withoutControlServer();
        Processor p = SyntheticTriggerLoader.buildWith(triggers, builder::build);
        try {
            p.start();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(description + " did not start: " + e.getMessage(), e);
        }
        processor = p;
        state = State.RUNNING;
        return this;
    }

    /** The running processor: its {@link Processor#status()}, {@link Processor#isReady()} …. */
    public Processor processor() {
        Processor p = processor;
        if (p == null) {
            throw new IllegalStateException(description + " is not started");
        }
        return p;
    }

    /** Stops the function: in-flight events drain (up to its drain timeout), the handlers' close hooks run. Idempotent. */
    @Override
    public synchronized void close() {
        Processor p = processor;
        state = State.CLOSED;
        if (p != null) {
            processor = null;
            p.stop();
        }
    }

    // ---- sending ------------------------------------------------------------------------------

    /** Sends {@code call} to the function's one http trigger and waits for the answer. */
    public HttpResult send(HttpCall call) {
        return send(null, call);
    }

    /** Sends {@code call} to the http trigger called {@code trigger} and waits for the answer. */
    public HttpResult send(String trigger, HttpCall call) {
        SyntheticTrigger t = find(trigger, HTTP, "HTTP requests");
        return new HttpResult(await(t, t.dispatch(call.toEvent(t))));
    }

    /** Sends {@code record} to the function's one kafka trigger and waits for the outcome and the trigger's decision. */
    public MessageResult send(KafkaRecord record) {
        return send(null, record);
    }

    /** Sends {@code record} to the kafka trigger called {@code trigger} and waits for the outcome and the trigger's decision. */
    public MessageResult send(String trigger, KafkaRecord record) {
        SyntheticTrigger t = find(trigger, KAFKA, "Kafka records");
        TriggerTraits.Kafka traits = (TriggerTraits.Kafka) t.traits();
        return new MessageResult(await(t, t.dispatch(record.toEvent(t, traits))), traits.retries(), record.attempt());
    }

    /** Sends {@code message} to the function's one rabbitmq trigger and waits for the outcome and the trigger's decision. */
    public MessageResult send(RabbitMqMessage message) {
        return send(null, message);
    }

    /** Sends {@code message} to the rabbitmq trigger called {@code trigger} and waits for the outcome and the trigger's decision. */
    public MessageResult send(String trigger, RabbitMqMessage message) {
        SyntheticTrigger t = find(trigger, RABBITMQ, "RabbitMQ messages");
        TriggerTraits.RabbitMq traits = (TriggerTraits.RabbitMq) t.traits();
        return new MessageResult(await(t, t.dispatch(message.toEvent(t, traits))), traits.retries(), message.attempt());
    }

    /** Fires the function's one cron (or kickstart) trigger and waits for the outcome. */
    public EventResult send(CronTick tick) {
        return send(null, tick);
    }

    /** Fires the cron or kickstart trigger called {@code trigger} and waits for the outcome. */
    public EventResult send(String trigger, CronTick tick) {
        SyntheticTrigger t = find(trigger, TIMERS, "timer ticks");
        return await(t, t.dispatch(tick.toEvent(t, (TriggerTraits.Timer) t.traits())));
    }

    /**
     * Dispatches an event of the test's own making through the trigger called {@code trigger} (of a
     * kind the kit stands in for), and waits for the outcome: for a handler that gets events of
     * another shape, or to send many without waiting for each ({@link #dispatch}).
     */
    public EventResult send(String trigger, Event event) {
        SyntheticTrigger t = triggers.named(functionName(), trigger);
        return await(t, t.dispatch(event));
    }

    /**
     * Dispatches {@code event} through the trigger called {@code trigger} without waiting: the future
     * completes with its outcome. For tests of concurrency, overload and ordering.
     */
    public CompletableFuture<EventResult> dispatch(String trigger, Event event) {
        return triggers.named(functionName(), trigger).dispatch(event);
    }

    /**
     * Dispatches {@code call} to the function's one http trigger without waiting: the future completes
     * with the answer. For tests of concurrency and overload.
     */
    public CompletableFuture<HttpResult> dispatch(HttpCall call) {
        SyntheticTrigger t = find(null, HTTP, "HTTP requests");
        return t.dispatch(call.toEvent(t)).thenApply(HttpResult::new);
    }

    private SyntheticTrigger find(String name, Set<String> kinds, String what) {
        processor(); // started?
        return triggers.find(functionName(), name, kinds, what);
    }

    private String functionName() {
        return processor().functionName();
    }

    private EventResult await(SyntheticTrigger trigger, CompletableFuture<EventResult> result) {
        Duration timeout = resultTimeout;
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no outcome within " + timeout.toMillis() + " ms for an event sent to trigger '"
                    + trigger.name() + "' of function '" + trigger.function() + "' (the engine completes every event, "
                    + "at the latest at its eventTimeout; raise resultTimeout if the function's is longer)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an event's outcome", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the completion failed", e.getCause()); // never: completions only complete
        }
    }

    // ---- JUnit 5 ------------------------------------------------------------------------------

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        synchronized (this) {
            if (state != State.NEW) {
                return; // a static field: started once, before all
            }
            startedForOneTest = true;
        }
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (startedForOneTest) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public String toString() {
        return "TestFunction{" + description + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + "}";
    }
}
