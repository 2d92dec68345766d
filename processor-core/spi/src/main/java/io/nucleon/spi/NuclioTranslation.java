package io.nucleon.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link NuclioAttributes} written as a table, so that every trigger kind translates Nuclio's
 * attributes the same way and says so the same way:
 *
 * <pre>{@code
 * NuclioTranslation.builder("kafka-cluster", KafkaTriggerConfig.class)
 *         .kept("brokers", "topics")                                   // same name, same meaning
 *         .renamed("maxWaitHandlerDuringRebalance", "revokeTimeout", NuclioTranslation::goDuration)
 *         .rule("sasl", (value, step) -> ...)                          // anything else
 *         .unsupported("cors", "Nucleon's http trigger does not answer CORS requests; ...")
 *         .platform("ingresses", "Kubernetes ingresses are made by Nuclio's platform")
 *         .ignored("logLevel", "sarama's log level; the Kafka client logs through SLF4J")
 *         .finish(step -> ...)                                         // Nuclio's defaults where ours differ
 *         .build();
 * }</pre>
 *
 * <p>How an attribute is read, in this order: a name with a rule (one of Nuclio's) is translated by
 * its rule, even when the trigger has an attribute of the same name, because in a file in Nuclio's
 * format Nuclio's meaning is the one the author had in mind; any other name the trigger knows (its
 * own, from {@code ours}) is kept as it is; anything else is dropped with a warning, as Nuclio itself
 * would ignore it. When a file gives both one of Nuclio's attributes and the trigger's own attribute
 * it translates to, the trigger's own wins and Nuclio's is reported as ignored.
 *
 * <p>Immutable and thread-safe once built; {@link #translate} keeps no state between calls.
 */
public final class NuclioTranslation implements NuclioAttributes {

    /** Translates one of Nuclio's attributes, with the help of a {@link Step}. */
    @FunctionalInterface
    public interface Rule {
        /**
         * Translates {@code value}, never {@code null} (an attribute written without a value takes
         * Nuclio's default, as absent).
         *
         * @param value the value as written
         * @param step  where to put the result and report problems
         */
        void apply(JsonNode value, Step step);
    }

    /** Converts a value from Nuclio's form into the trigger's. */
    @FunctionalInterface
    public interface Converter {
        /**
         * Converts {@code value}.
         *
         * @param value the value as written, never {@code null}
         * @return the value in the trigger's form
         * @throws IllegalArgumentException saying what is wrong with the value and what is allowed;
         *     reported as an error at the attribute
         */
        JsonNode convert(JsonNode value);
    }

    /** Runs once after every attribute was read: Nuclio's defaults where the trigger's differ. */
    @FunctionalInterface
    public interface Finish {
        /**
         * Completes the translation.
         *
         * @param step the translation so far; its {@link Step#attribute()} is empty
         */
        void apply(Step step);
    }

    private final String nuclioKind;
    private final Set<String> ours;
    private final Map<String, Rule> rules;
    private final List<Finish> finishers;

    private NuclioTranslation(Builder b) {
        this.nuclioKind = b.nuclioKind;
        this.ours = Set.copyOf(b.ours);
        this.rules = new LinkedHashMap<>(b.rules);
        this.finishers = List.copyOf(b.finishers);
    }

    /**
     * Starts a translation.
     *
     * @param nuclioKind the kind as Nuclio names it ({@code kafka-cluster}), for messages
     * @param config     the trigger's attributes class: its public fields are the trigger's own names
     * @return a builder
     */
    public static Builder builder(String nuclioKind, Class<?> config) {
        Set<String> names = new HashSet<>();
        for (java.lang.reflect.Field f : config.getFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                names.add(f.getName());
            }
        }
        return new Builder(nuclioKind, names);
    }

    @Override
    public ObjectNode translate(ObjectNode attributes, Findings findings) {
        ObjectNode out = Json.mapper().createObjectNode();
        Set<String> ownGiven = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : attributes.properties()) {
            if (!rules.containsKey(e.getKey()) && ours.contains(e.getKey())) {
                out.set(e.getKey(), e.getValue().deepCopy());
                ownGiven.add(e.getKey());
            }
        }
        for (Map.Entry<String, JsonNode> e : attributes.properties()) {
            Rule rule = rules.get(e.getKey());
            if (rule != null) {
                if (!e.getValue().isNull()) {
                    rule.apply(e.getValue(), new Step(e.getKey(), attributes, out, ownGiven, findings));
                }
            } else if (!ours.contains(e.getKey())) {
                findings.warn(
                        e.getKey(),
                        "ignored: neither Nuclio's " + nuclioKind + " trigger nor Nucleon's has this attribute");
            }
        }
        for (Finish f : finishers) {
            f.apply(new Step("", attributes, out, ownGiven, findings));
        }
        return out;
    }

    /**
     * Nuclio's duration form (Go's {@code time.ParseDuration}: {@code 10s}, {@code 1m30s},
     * {@code 250ms}, {@code 1.5h}, {@code 0}) as a duration Nucleon reads ({@link Durations}).
     *
     * @throws IllegalArgumentException when the value is not such a duration or is negative
     */
    public static JsonNode goDuration(JsonNode value) {
        java.time.Duration d = GoDuration.parse(value);
        // Durations.format keeps whole milliseconds; anything finer is written in ISO-8601, which it reads too
        return Json.mapper()
                .getNodeFactory()
                .textNode(d.getNano() % 1_000_000 == 0 ? Durations.format(d) : d.toString());
    }

    /** Builds a {@link NuclioTranslation}. Not thread-safe. */
    public static final class Builder {
        private final String nuclioKind;
        private final Set<String> ours;
        private final Map<String, Rule> rules = new LinkedHashMap<>();
        private final List<Finish> finishers = new ArrayList<>();

        private Builder(String nuclioKind, Set<String> ours) {
            this.nuclioKind = nuclioKind;
            this.ours = ours;
        }

        /**
         * Nuclio's attributes with the same name and meaning as the trigger's: kept as they are. (Any
         * of the trigger's own names is kept anyway; listing them says that Nuclio has them too.)
         *
         * @param names attribute names, each one of the trigger's own
         * @return this builder
         */
        public Builder kept(String... names) {
            for (String n : names) {
                if (!ours.contains(n)) {
                    throw new IllegalArgumentException(n + " is not an attribute of the trigger");
                }
                rule(n, (value, step) -> step.set(n, value));
            }
            return this;
        }

        /**
         * One of Nuclio's attributes that is one of the trigger's under another name or in another form.
         *
         * @param nuclio    Nuclio's name
         * @param ours      the trigger's name (may be the same)
         * @param converter from Nuclio's form to the trigger's
         * @return this builder
         */
        public Builder renamed(String nuclio, String ours, Converter converter) {
            return rule(nuclio, (value, step) -> {
                try {
                    step.set(ours, converter.convert(value));
                } catch (IllegalArgumentException e) {
                    step.error(e.getMessage());
                }
            });
        }

        /**
         * One of Nuclio's attributes that Nucleon's trigger does not support and that changes how the
         * function behaves: an error.
         *
         * @param nuclio Nuclio's name
         * @param what   what is not supported and what to do instead
         * @return this builder
         */
        public Builder unsupported(String nuclio, String what) {
            return rule(nuclio, (value, step) -> step.error("not supported: " + what));
        }

        /**
         * A setting of Nuclio's platform (Kubernetes, Docker) that means nothing to one processor:
         * dropped with a warning.
         *
         * @param nuclio Nuclio's name
         * @param what   what it does on Nuclio's platform
         * @return this builder
         */
        public Builder platform(String nuclio, String what) {
            return rule(nuclio, (value, step) -> step.warn("ignored: a setting of Nuclio's platform (" + what + ")"));
        }

        /**
         * One of Nuclio's attributes with no counterpart here that does not change what the function
         * does (a tuning of Nuclio's client library): dropped with a warning.
         *
         * @param nuclio Nuclio's name
         * @param why    why it does not matter here
         * @return this builder
         */
        public Builder ignored(String nuclio, String why) {
            return rule(nuclio, (value, step) -> step.warn("ignored: " + why));
        }

        /**
         * Any other translation of one of Nuclio's attributes.
         *
         * @param nuclio Nuclio's name
         * @param rule   how it is translated
         * @return this builder
         */
        public Builder rule(String nuclio, Rule rule) {
            if (rules.putIfAbsent(nuclio, rule) != null) {
                throw new IllegalArgumentException(nuclio + " has two rules");
            }
            return this;
        }

        /**
         * Runs after every attribute was read, e.g. to apply Nuclio's default where the trigger's
         * differs.
         *
         * @param finish what to do
         * @return this builder
         */
        public Builder finish(Finish finish) {
            finishers.add(finish);
            return this;
        }

        /**
         * The translation.
         *
         * @return an immutable translation
         */
        public NuclioTranslation build() {
            return new NuclioTranslation(this);
        }
    }

    /**
     * One attribute being translated: reads the other attributes as written, writes the trigger's, and
     * reports at the attribute's path.
     */
    public static final class Step {
        private final String attribute;
        private final ObjectNode in;
        private final ObjectNode out;
        private final Set<String> ownGiven;
        private final Findings findings;

        private Step(String attribute, ObjectNode in, ObjectNode out, Set<String> ownGiven, Findings findings) {
            this.attribute = attribute;
            this.in = in;
            this.out = out;
            this.ownGiven = ownGiven;
            this.findings = findings;
        }

        /**
         * The attribute being translated.
         *
         * @return its name; empty in a {@link Finish}
         */
        public String attribute() {
            return attribute;
        }

        /**
         * An attribute as written.
         *
         * @param name its name (Nuclio's or the trigger's)
         * @return its value, or {@code null} when it is absent or written without a value
         */
        public JsonNode written(String name) {
            JsonNode v = in.get(name);
            return v == null || v.isNull() ? null : v;
        }

        /**
         * Whether the translation has set one of the trigger's attributes (or the file gave it).
         *
         * @param ours the trigger's name
         * @return whether it is set
         */
        public boolean has(String ours) {
            return out.has(ours);
        }

        /**
         * Sets one of the trigger's attributes, unless the file gives it itself: then the file's wins
         * and this attribute is reported as ignored.
         *
         * @param ours  the trigger's name
         * @param value the value: a {@link JsonNode}, or anything Jackson turns into one
         */
        public void set(String ours, Object value) {
            if (ownGiven.contains(ours) && !ours.equals(attribute)) {
                warn("ignored: " + ours + " is given too, and Nucleon's own attribute wins");
                return;
            }
            out.set(
                    ours,
                    value instanceof JsonNode j ? j.deepCopy() : Json.mapper().valueToTree(value));
        }

        /**
         * Sets an entry of one of the trigger's map attributes (e.g. {@code consumerProperties}), unless
         * the file gives that entry itself: then the file's wins and this attribute is reported as ignored.
         *
         * @param map   the trigger's map attribute
         * @param key   the entry
         * @param value its value, as text
         */
        public void setEntry(String map, String key, String value) {
            JsonNode existing = out.get(map);
            if (existing != null && !existing.isObject()) {
                return; // the trigger reports the wrong form of its own attribute
            }
            ObjectNode target = existing == null ? out.putObject(map) : (ObjectNode) existing;
            if (ownGiven.contains(map) && target.has(key)) {
                warn("ignored: " + map + "." + key + " is given too, and Nucleon's own attribute wins");
                return;
            }
            target.put(key, value);
        }

        /**
         * Warns about this attribute; the message starts with what happens to it (e.g.
         * {@code ignored: ...}).
         *
         * @param message what happens and why
         */
        public void warn(String message) {
            findings.warn(attribute, message);
        }

        /**
         * Warns about a part of this attribute.
         *
         * @param path    below this attribute, e.g. {@code handshake} for {@code sasl.handshake}
         * @param message what happens and why
         */
        public void warn(String path, String message) {
            findings.warn(join(path), message);
        }

        /**
         * Reports this attribute as an error: the function would not behave as it does on Nuclio.
         *
         * @param message what is wrong and what to do
         */
        public void error(String message) {
            findings.error(attribute, message);
        }

        /**
         * Reports a part of this attribute as an error.
         *
         * @param path    below this attribute
         * @param message what is wrong and what to do
         */
        public void error(String path, String message) {
            findings.error(join(path), message);
        }

        private String join(String path) {
            return attribute.isEmpty() ? path : attribute + "." + path;
        }
    }
}
