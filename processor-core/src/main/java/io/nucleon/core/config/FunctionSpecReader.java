package io.nucleon.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import io.nucleon.core.worker.QueueFullPolicy;
import io.nucleon.core.worker.WaitStrategyKind;
import io.nucleon.spi.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code function.yaml} (a Nuclio-compatible subset) into a {@link FunctionSpec}.
 * The builder goes through the same checks, so a rule is written once.
 *
 * <p>Every problem is collected, not just the first, and each names the file, the line, the field
 * path and what is allowed. Unknown fields are errors. A few Nuclio fields that mean nothing to a
 * single processor ({@code apiVersion}, {@code kind}, {@code metadata.namespace}, {@code labels},
 * {@code annotations}, {@code spec.description}) are accepted and ignored so that Nuclio files load.
 */
public final class FunctionSpecReader {
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(YAML);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_-]{0,62})");

    private static final Set<String> TOP_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec");
    private static final Set<String> METADATA_FIELDS = Set.of("name", "namespace", "labels", "annotations");
    private static final Set<String> SPEC_FIELDS = Set.of(
            "runtime",
            "runtimeAttributes",
            "dataBindings",
            "handler",
            "description",
            "env",
            "eventTimeout",
            "drainTimeout",
            "triggers");
    private static final Set<String> TRIGGER_FIELDS = Set.of(
            "kind",
            "numWorkers",
            "workerAvailabilityTimeoutMilliseconds",
            "workerQueueSize",
            "waitStrategy",
            "whenQueueFull",
            "waitingListSize",
            "maxAbandonedWorkers",
            "attributes",
            "disabled");
    private static final Map<String, String> HINTS = Map.of(
            "maxWorkers", "use numWorkers",
            "workerAllocatorName", "Nucleon gives every trigger its own pool; remove it",
            "resources", "a platform field that a processor does not use; remove it",
            "minReplicas", "a platform field; scale out by running more processors",
            "maxReplicas", "a platform field; scale out by running more processors",
            "build", "Nucleon builds functions with Maven; remove it",
            "class", "Nucleon names a binding's type with kind",
            "url", "put it under attributes");
    private static final Set<String> BINDING_FIELDS = Set.of("kind", "attributes");

    private final SpecSource source;
    private final List<ConfigProblem> problems = new ArrayList<>();

    private FunctionSpecReader(SpecSource source) {
        this.source = source;
    }

    /** Reads {@code file}; the file name in errors is the path as given. */
    public static FunctionSpec read(Path file) {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new FunctionConfigException(List.of(new ConfigProblem(name, 0, "", "file not found")));
        } catch (IOException e) {
            throw new FunctionConfigException(
                    List.of(new ConfigProblem(name, 0, "", "cannot be read: " + e.getMessage())));
        }
        return read(name, text);
    }

    /**
     * Reads {@code file} with {@code options} over it (Nuclio's format, flags over the file).
     * Not implemented yet: the options are ignored.
     */
    public static FunctionSpec read(Path file, ReadOptions options) {
        return read(file);
    }

    /**
     * Reads the function in {@code dir}: its {@code function.yaml} when there is one, else the function the
     * options describe alone (a directory run with flags). Not implemented yet.
     */
    public static FunctionSpec readDirectory(Path dir, ReadOptions options) {
        Path file = dir.resolve("function.yaml");
        if (Files.isRegularFile(file)) {
            return read(file, options);
        }
        throw new UnsupportedOperationException("a directory without function.yaml is not supported yet");
    }

    /** Reads YAML {@code text} that came from {@code fileName}. */
    public static FunctionSpec read(String fileName, String text) {
        JsonNode tree;
        Map<String, Integer> lines;
        try {
            lines = indexLines(text);
            tree = MAPPER.readTree(text);
        } catch (JsonParseException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? 0 : at.getLineNr();
            throw new FunctionConfigException(
                    List.of(new ConfigProblem(fileName, line, "", "not valid YAML: " + e.getOriginalMessage())));
        } catch (IOException e) {
            throw new FunctionConfigException(
                    List.of(new ConfigProblem(fileName, 0, "", "not valid YAML: " + e.getMessage())));
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new FunctionConfigException(List.of(new ConfigProblem(fileName, 1, "", "the file is empty")));
        }
        return read(tree, new SpecSource(fileName, lines));
    }

    /** Validates a tree in the shape of {@code function.yaml}; the builder's entry point. */
    public static FunctionSpec read(JsonNode tree, SpecSource source) {
        return new FunctionSpecReader(source).readRoot(tree);
    }

    private FunctionSpec readRoot(JsonNode root) {
        if (!root.isObject()) {
            problem("", "must be a mapping with metadata and spec, got " + describe(root));
            throw failure();
        }
        checkFields(root, "", TOP_FIELDS);
        JsonNode metadata = object(root, "metadata", "metadata", true);
        String name = null;
        if (metadata != null) {
            checkFields(metadata, "metadata", METADATA_FIELDS);
            name = string(metadata, "name", "metadata.name", true);
            if (name != null && !NAME.matcher(name).matches()) {
                problem(
                        "metadata.name",
                        "must be 1 to 63 letters, digits, '-' or '_', starting with a letter or digit, got \"" + name
                                + "\"");
            }
        }
        JsonNode spec = object(root, "spec", "spec", true);
        String runtime = FunctionSpec.DEFAULT_RUNTIME;
        String handler = null;
        Map<String, String> env = Map.of();
        Duration eventTimeout = FunctionSpec.DEFAULT_EVENT_TIMEOUT;
        Duration drainTimeout = FunctionSpec.DEFAULT_DRAIN_TIMEOUT;
        Map<String, TriggerSpec> triggers = Map.of();
        ObjectNode runtimeAttributes = JsonNodeFactory.instance.objectNode();
        Map<String, BindingSpec> dataBindings = Map.of();
        if (spec != null) {
            checkFields(spec, "spec", SPEC_FIELDS);
            String r = string(spec, "runtime", "spec.runtime", false);
            if (r != null) {
                int colon = r.indexOf(':');
                runtime = colon >= 0 ? r.substring(0, colon) : r;
            }
            handler = string(spec, "handler", "spec.handler", false);
            string(spec, "description", "spec.description", false);
            env = env(spec.get("env"));
            eventTimeout = duration(spec, "eventTimeout", "spec.eventTimeout", eventTimeout, Duration.ofMillis(1));
            drainTimeout = duration(spec, "drainTimeout", "spec.drainTimeout", drainTimeout, Duration.ZERO);
            triggers = triggers(spec.get("triggers"));
            JsonNode ra = object(spec, "runtimeAttributes", "spec.runtimeAttributes", false);
            if (ra instanceof ObjectNode o) {
                runtimeAttributes = o;
            }
            dataBindings = dataBindings(spec.get("dataBindings"));
        }
        if (!problems.isEmpty()) {
            throw failure();
        }
        return new FunctionSpec(
                name,
                runtime,
                handler,
                env,
                eventTimeout,
                drainTimeout,
                triggers,
                runtimeAttributes,
                dataBindings,
                source);
    }

    private Map<String, String> env(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (node.isObject()) {
            node.properties().forEach(e -> {
                String path = "spec.env." + e.getKey();
                if (e.getValue().isContainerNode()) {
                    problem(path, "must be a plain value, got " + describe(e.getValue()));
                } else {
                    env.put(
                            e.getKey(),
                            e.getValue().isNull() ? "" : e.getValue().asText());
                }
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String path = "spec.env[" + i + "]";
                JsonNode item = node.get(i);
                if (!item.isObject()) {
                    problem(path, "must be a mapping with name and value, got " + describe(item));
                    continue;
                }
                checkFields(item, path, Set.of("name", "value"));
                String n = string(item, "name", path + ".name", true);
                String v =
                        item.has("value") && !item.get("value").isNull() ? scalar(item, "value", path + ".value") : "";
                if (n != null) {
                    env.put(n, v == null ? "" : v);
                }
            }
        } else {
            problem(
                    "spec.env",
                    "must be a list of {name, value} or a mapping of names to values, got " + describe(node));
        }
        return Collections.unmodifiableMap(env);
    }

    /**
     * Walks a mapping of names to entries ({@code spec.triggers}, {@code spec.dataBindings}): reports a bad name
     * or an entry that is not a mapping, and hands every good entry to {@code each} with its path.
     */
    private void namedEntries(JsonNode node, String section, String what, BiConsumer<String, JsonNode> each) {
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            problem(section, "must be a mapping of " + what + " names to " + what + "s, got " + describe(node));
            return;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String path = section + "." + e.getKey();
            if (!NAME.matcher(e.getKey()).matches()) {
                problem(path, "a " + what + " name must be 1 to 63 letters, digits, '-' or '_'");
            } else if (!e.getValue().isObject()) {
                problem(path, "must be a mapping with kind and attributes, got " + describe(e.getValue()));
            } else {
                each.accept(path, e.getValue());
            }
        }
    }

    private Map<String, TriggerSpec> triggers(JsonNode node) {
        Map<String, TriggerSpec> triggers = new LinkedHashMap<>();
        namedEntries(node, "spec.triggers", "trigger", (path, t) -> trigger(path, t, triggers));
        return Collections.unmodifiableMap(triggers);
    }

    private void trigger(String path, JsonNode t, Map<String, TriggerSpec> triggers) {
        String name = path.substring("spec.triggers.".length());
        checkFields(t, path, TRIGGER_FIELDS);
        String kind = string(t, "kind", path + ".kind", true);
        int numWorkers = integer(
                t, "numWorkers", path + ".numWorkers", TriggerSpec.DEFAULT_NUM_WORKERS, 1, TriggerSpec.MAX_NUM_WORKERS);
        int availabilityMs = integer(
                t,
                "workerAvailabilityTimeoutMilliseconds",
                path + ".workerAvailabilityTimeoutMilliseconds",
                (int) TriggerSpec.DEFAULT_WORKER_AVAILABILITY_TIMEOUT.toMillis(),
                0,
                Integer.MAX_VALUE);
        int queueSize = integer(
                t,
                "workerQueueSize",
                path + ".workerQueueSize",
                TriggerSpec.DEFAULT_WORKER_QUEUE_SIZE,
                1,
                TriggerSpec.MAX_WORKER_QUEUE_SIZE);
        WaitStrategyKind waitStrategy = WaitStrategyKind.BLOCKING;
        String ws = string(t, "waitStrategy", path + ".waitStrategy", false);
        if (ws != null) {
            try {
                waitStrategy = WaitStrategyKind.parse(ws);
            } catch (IllegalArgumentException ex) {
                problem(path + ".waitStrategy", ex.getMessage());
            }
        }
        QueueFullPolicy whenQueueFull = TriggerSpec.DEFAULT_WHEN_QUEUE_FULL;
        String wq = string(t, "whenQueueFull", path + ".whenQueueFull", false);
        if (wq != null) {
            try {
                whenQueueFull = QueueFullPolicy.parse(wq);
            } catch (IllegalArgumentException ex) {
                problem(path + ".whenQueueFull", ex.getMessage());
            }
        }
        int waitingListSize = integer(
                t, "waitingListSize", path + ".waitingListSize", queueSize, 1, TriggerSpec.MAX_WORKER_QUEUE_SIZE);
        if (t.has("waitingListSize") && whenQueueFull == QueueFullPolicy.REJECT) {
            problem(path + ".waitingListSize", "applies only with whenQueueFull: wait (with reject nothing waits)");
        }
        int maxAbandoned = integer(
                t, "maxAbandonedWorkers", path + ".maxAbandonedWorkers", numWorkers, 0, TriggerSpec.MAX_NUM_WORKERS);
        boolean disabled = false;
        JsonNode d = t.get("disabled");
        if (d != null && !d.isNull()) {
            if (!d.isBoolean()) {
                problem(path + ".disabled", "must be true or false, got " + describe(d));
            } else {
                disabled = d.booleanValue();
            }
        }
        JsonNode attrs = t.get("attributes");
        ObjectNode attributes = JsonNodeFactory.instance.objectNode();
        if (attrs != null && !attrs.isNull()) {
            if (!attrs.isObject()) {
                problem(path + ".attributes", "must be a mapping, got " + describe(attrs));
            } else {
                attributes = (ObjectNode) attrs;
            }
        }
        if (kind != null && !disabled) {
            triggers.put(
                    name,
                    new TriggerSpec(
                            name,
                            kind,
                            numWorkers,
                            Duration.ofMillis(availabilityMs),
                            queueSize,
                            waitStrategy,
                            attributes,
                            whenQueueFull,
                            waitingListSize,
                            maxAbandoned));
        }
    }

    private Map<String, BindingSpec> dataBindings(JsonNode node) {
        Map<String, BindingSpec> out = new LinkedHashMap<>();
        namedEntries(node, "spec.dataBindings", "binding", (path, b) -> {
            checkFields(b, path, BINDING_FIELDS);
            String kind = string(b, "kind", path + ".kind", true);
            JsonNode attrs = object(b, "attributes", path + ".attributes", false);
            if (kind != null) {
                String name = path.substring("spec.dataBindings.".length());
                out.put(
                        name,
                        new BindingSpec(
                                name, kind, attrs instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode()));
            }
        });
        return Collections.unmodifiableMap(out);
    }

    // ---- field helpers ------------------------------------------------------------------------

    private void checkFields(JsonNode node, String path, Set<String> allowed) {
        node.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                String where = path.isEmpty() ? f : path + "." + f;
                String hint = HINTS.get(f);
                problem(
                        where,
                        "unknown field" + (hint != null ? " (" + hint + ")" : "") + "; allowed here: "
                                + String.join(", ", new TreeSet<>(allowed)));
            }
        });
    }

    private JsonNode object(JsonNode parent, String field, String path, boolean required) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                problem(path, "is required");
            }
            return null;
        }
        if (!n.isObject()) {
            problem(path, "must be a mapping, got " + describe(n));
            return null;
        }
        return n;
    }

    private String string(JsonNode parent, String field, String path, boolean required) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                problem(path, "is required");
            }
            return null;
        }
        if (!n.isTextual()) {
            problem(path, "must be a string, got " + describe(n));
            return null;
        }
        if (required && n.asText().isBlank()) {
            problem(path, "must not be empty");
            return null;
        }
        return n.asText();
    }

    private String scalar(JsonNode parent, String field, String path) {
        JsonNode n = parent.get(field);
        if (n.isContainerNode()) {
            problem(path, "must be a plain value, got " + describe(n));
            return null;
        }
        return n.asText();
    }

    private int integer(JsonNode parent, String field, String path, int dflt, int min, int max) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < min || n.intValue() > max) {
            problem(path, "must be an integer from " + min + " to " + max + ", got " + describe(n));
            return dflt;
        }
        return n.intValue();
    }

    private Duration duration(JsonNode parent, String field, String path, Duration dflt, Duration min) {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isTextual()) {
            problem(path, "must be a duration with a unit such as 250ms, 5s or 1m, got " + describe(n));
            return dflt;
        }
        try {
            Duration d = Durations.parse(n.asText());
            if (d.compareTo(min) < 0) {
                problem(path, "must be at least " + Durations.format(min) + ", got \"" + n.asText() + "\"");
                return dflt;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return dflt;
        }
    }

    private void problem(String path, String message) {
        problems.add(source.problem(path, message));
    }

    private FunctionConfigException failure() {
        problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return new FunctionConfigException(problems);
    }

    /** A short description of a node for error messages: its type and value. */
    public static String describe(JsonNode n) {
        if (n == null || n.isNull()) {
            return "nothing";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isTextual()) {
            return "\"" + n.asText() + "\"";
        }
        return n.asText();
    }

    /**
     * Maps every field path ({@code spec.triggers.web.numWorkers}, {@code spec.env[0].name}) to the
     * line its key is on, by streaming through the YAML once.
     */
    static Map<String, Integer> indexLines(String text) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME || p.getParsingContext().inArray()) {
                    int line = p.currentTokenLocation().getLineNr();
                    lines.putIfAbsent(path(p.getParsingContext()), line);
                }
                if (lines.isEmpty()) {
                    lines.put("", p.currentTokenLocation().getLineNr());
                }
            }
        }
        return lines;
    }

    private static String path(JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.add("[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.add("." + c.getCurrentName());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = parts.size() - 1; i >= 0; i--) {
            sb.append(parts.get(i));
        }
        return sb.length() > 0 && sb.charAt(0) == '.' ? sb.substring(1) : sb.toString();
    }
}
