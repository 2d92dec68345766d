package io.nucleon.core.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.NuclioAttributes;
import io.nucleon.spi.Trigger;
import io.nucleon.spi.TriggerContext;
import io.nucleon.spi.TriggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A trigger kind for core tests that reads Nuclio's attributes in its own names: {@code kafka-cluster},
 * with its own attributes {@code brokers} and {@code topics}. Its translation renames Nuclio's {@code url}
 * to {@code brokers}, keeps {@code topics}, drops {@code sasl} with a warning and refuses
 * {@code partitions}, so a test sees each outcome of a translation through the engine. It consumes
 * nothing: each trigger made records the attributes it was bound with, by trigger name, in {@link #BOUND}.
 */
public final class NuclioNamedTriggerFactory implements TriggerFactory {
    /** The bound attributes of each trigger made, by trigger name. */
    public static final Map<String, Config> BOUND = new ConcurrentHashMap<>();

    /** This kind's own attributes. */
    public static final class Config {
        public List<String> brokers = new ArrayList<>();
        public List<String> topics = new ArrayList<>();
    }

    @Override
    public String kind() {
        return "kafka-cluster";
    }

    @Override
    public NuclioAttributes nuclioAttributes() {
        return (attributes, findings) -> {
            ObjectNode out = attributes.objectNode();
            attributes.properties().forEach(e -> {
                switch (e.getKey()) {
                    case "url" -> {
                        ArrayNode brokers = out.putArray("brokers");
                        brokers.add(e.getValue().asText());
                    }
                    case "topics" -> out.set("topics", e.getValue());
                    case "sasl" -> findings.warn("sasl", "dropped by the test translation");
                    case "partitions" -> findings.error("partitions", "refused by the test translation");
                    default -> out.set(e.getKey(), e.getValue());
                }
            });
            return out;
        };
    }

    @Override
    public Trigger create(TriggerContext context) {
        BOUND.put(context.name(), context.attributes(Config.class));
        return new Trigger() {
            @Override
            public void start(Dispatcher dispatcher) {}

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void stopAccepting() {}

            @Override
            public void close() {}
        };
    }
}
