package io.nucleon.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.api.DataBinding;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.Processor;
import io.nucleon.core.testing.DirectTriggerFactory;
import io.nucleon.core.testing.MemoryBindingFactory.MemoryBinding;
import io.nucleon.core.testing.Outcomes;
import io.nucleon.core.testing.Tally;
import io.nucleon.core.testing.TestEvent;
import io.nucleon.spi.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data bindings: configured, opened once before the workers, reached by name, part of readiness, closed at stop. */
class DataBindingTest {

    @Test
    void aBindingFromYamlIsOpenedBeforeInitSharedByWorkersAndClosedAtStop(@TempDir Path dir) throws Exception {
        try (Tally tally = Tally.open()) {
            Path yaml = dir.resolve("function.yaml");
            Files.writeString(
                    yaml,
                    String.join(
                            "\n",
                            "metadata:",
                            "  name: bound",
                            "spec:",
                            "  handler: io.nucleon.core.testing.CountingHandler",
                            "  dataBindings:",
                            "    store:",
                            "      kind: memory",
                            "      attributes:",
                            "        prefix: 'k-'",
                            "        tally: " + tally.id(),
                            "  triggers:",
                            "    in:",
                            "      kind: direct",
                            "      numWorkers: 3",
                            ""));
            AtomicReference<MemoryBinding> seen = new AtomicReference<>();
            Processor p = Processor.builder()
                    .functionYaml(yaml)
                    .handler((ctx, e) -> {
                        MemoryBinding b = ctx.binding("store", MemoryBinding.class);
                        seen.set(b);
                        b.put(e.id(), e.bodyAsString());
                        return "ok";
                    })
                    .withoutControlServer()
                    .build();
            p.start();
            try {
                assertEquals(1, tally.count("opens"), "opened once, whatever the worker count");
                assertTrue(p.isReady());
                Outcomes outcomes = new Outcomes();
                for (int i = 0; i < 100; i++) {
                    DirectTriggerFactory.dispatcher("in").dispatch(TestEvent.of("e" + i, "v" + i), outcomes);
                }
                outcomes.await(100, 10, TimeUnit.SECONDS);
                assertEquals(100, outcomes.count(Outcome.SUCCESS));
                assertEquals(100, seen.get().values.size());
                assertEquals("v7", seen.get().values.get("k-e7"));
                @SuppressWarnings("unchecked")
                Map<String, Object> status =
                        ((List<Map<String, Object>>) p.status().get("dataBindings")).get(0);
                assertEquals(Map.of("name", "store", "kind", "memory", "ready", true, "entries", 100), status);
            } finally {
                p.stop();
            }
            assertEquals(1, tally.count("closes"));
        }
    }

    @Test
    void wrongNameOrTypeIsAClearErrorForTheHandler() throws Exception {
        AtomicReference<String> message = new AtomicReference<>();
        Processor p = Processor.builder()
                .name("names")
                .withoutControlServer()
                .dataBinding("store", "memory", Map.of())
                .trigger("in", "direct", t -> t.numWorkers(1))
                .handler((ctx, e) -> {
                    try {
                        Class<?> type = e.id().equals("type") ? String.class : MemoryBinding.class;
                        ctx.binding(e.bodyAsString(), type);
                    } catch (IllegalArgumentException ex) {
                        message.set(ex.getMessage());
                    }
                    return "ok";
                })
                .build()
                .start();
        try {
            Outcomes outcomes = new Outcomes();
            DirectTriggerFactory.dispatcher("in").dispatch(TestEvent.of("name", "stroe"), outcomes);
            outcomes.await(1, 10, TimeUnit.SECONDS);
            assertEquals("no data binding named 'stroe'; it has store", message.get());
            DirectTriggerFactory.dispatcher("in").dispatch(TestEvent.of("type", "store"), outcomes);
            outcomes.await(2, 10, TimeUnit.SECONDS);
            assertTrue(
                    message.get().contains("data binding 'store' is a ")
                            && message.get().contains("not a java.lang.String"),
                    message.get());
        } finally {
            p.stop();
        }
    }

    @Test
    void configurationErrorsNameTheBindingField() {
        FunctionConfigException e = assertThrows(
                FunctionConfigException.class,
                () -> Processor.builder()
                        .name("bad")
                        .withoutControlServer()
                        .handler((ctx, ev) -> "x")
                        .dataBinding("out", "no-such-kind", Map.of())
                        .dataBinding("store", "memory", Map.of("prefix", "a b"))
                        .dataBinding("other", "memory", Map.of("colour", "red"))
                        .trigger("in", "direct", t -> {})
                        .build());
        String m = e.getMessage();
        assertTrue(m.contains("spec.dataBindings.out.kind: unknown binding kind 'no-such-kind'; available: memory"), m);
        assertTrue(m.contains("spec.dataBindings.store.attributes.prefix: must not contain spaces"), m);
        assertTrue(
                m.contains(
                        "spec.dataBindings.other.attributes.colour: unknown attribute; allowed: failOpen, prefix, tally"),
                m);
    }

    @Test
    void aBindingThatFailsToOpenFailsTheStartAndNothingIsLeftOpen() {
        try (Tally tally = Tally.open()) {
            Processor p = Processor.builder()
                    .name("fails")
                    .withoutControlServer()
                    .handler((ctx, ev) -> "x")
                    .dataBinding("first", "memory", Map.of("tally", tally.id()))
                    .dataBinding("second", "memory", Map.of("failOpen", true, "tally", tally.id()))
                    .trigger("in", "direct", t -> {})
                    .build();
            Exception e = assertThrows(Exception.class, p::start);
            assertTrue(
                    e.getMessage()
                            .contains("data binding 'second' (memory) failed to open: cannot reach the memory server"),
                    e.getMessage());
            assertEquals(1, tally.count("opens"));
            assertEquals(1, tally.count("closes"), "the binding opened before the failure is closed");
            assertFalse(p.isReady());
        }
    }

    @Test
    void aBindingMadeInCodeIsOpenedAndClosedLikeOneFromYaml() throws Exception {
        AtomicReference<String> events = new AtomicReference<>("");
        DataBinding own = new DataBinding() {
            @Override
            public String name() {
                return "audit";
            }

            @Override
            public String kind() {
                return "custom";
            }

            @Override
            public void open() {
                events.set(events.get() + "open;");
            }

            @Override
            public void close() {
                events.set(events.get() + "close;");
            }
        };
        Processor p = Processor.builder()
                .name("code")
                .withoutControlServer()
                .handler((ctx, ev) -> "x")
                .dataBinding(own)
                .trigger("in", "direct", t -> {})
                .build()
                .start();
        assertEquals("open;", events.get());
        p.stop();
        assertEquals("open;close;", events.get());
    }
}
