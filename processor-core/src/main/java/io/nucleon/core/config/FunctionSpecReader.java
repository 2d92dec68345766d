package io.nucleon.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code function.yaml} into a {@link FunctionSpec}: Nucleon's format, and Nuclio's
 * as Nuclio writes it. The builder goes through the same checks, so a rule is written once.
 *
 * <p>Every problem is collected, not just the first, and each names the file, the line, the field
 * path and what is allowed. In Nucleon's format an unknown field is an error. A file in Nuclio's format
 * ({@code apiVersion: nuclio.io/...}, {@code kind: NuclioFunction}, {@link ReadOptions#nuclio()}) is read
 * as Nuclio reads it: a key Nuclio would ignore is a warning, Nuclio's platform fields (replicas,
 * resources, build, ...) are accepted and listed in {@link FunctionSpec#notApplied()}, the fields that
 * mean something to a processor are mapped onto Nucleon's ({@code maxWorkers}, a trigger's {@code url},
 * a data binding's {@code class}), and those Nucleon cannot honour are errors. The facts about Nuclio's
 * fields live in {@link NuclioFormat}.
 *
 * <p>A function with no {@code http} trigger gets Nuclio's default one ({@code default-http}, port 8080,
 * one worker) unless {@code spec.disableDefaultHTTPTrigger} is true: always in Nuclio's format, and in
 * Nucleon's when the file declares no trigger at all (never for the builder). {@link ReadOptions} flags
 * win over the file.
 */
public final class FunctionSpecReader {
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(YAML);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9_-]{0,62})");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String DISABLE_DEFAULT_HTTP = "disableDefaultHTTPTrigger";
    /** The spelling of Nuclio's documentation (Go's JSON decoding takes either). */
    private static final String DISABLE_DEFAULT_HTTP_DOCUMENTED = "disableDefaultHttpTrigger";

    private static final Fields TOP = new Fields(
            Set.of("apiVersion", "kind", "metadata", "spec"), Set.of(), NuclioFormat.TOP_NOT_APPLIED, Set.of());
    private static final Fields METADATA = new Fields(
            Set.of("name"), Set.of("namespace", "labels", "annotations"), Set.of("resourceVersion"), Set.of());
    private static final Fields SPEC = new Fields(
            Set.of(
                    "runtime",
                    "runtimeAttributes",
                    "dataBindings",
                    "handler",
                    "description",
                    "env",
                    "eventTimeout",
                    "drainTimeout",
                    "triggers",
                    DISABLE_DEFAULT_HTTP,
                    DISABLE_DEFAULT_HTTP_DOCUMENTED),
            Set.of(),
            NuclioFormat.SPEC_PLATFORM,
            Set.of("envFrom"));
    private static final Fields TRIGGER = new Fields(
            Set.of(
                    "kind",
                    "numWorkers",
                    "workerAvailabilityTimeoutMilliseconds",
                    "workerQueueSize",
                    "waitStrategy",
                    "whenQueueFull",
                    "waitingListSize",
                    "maxAbandonedWorkers",
                    "minWorkers",
                    "workerIdleTimeout",
                    "attributes",
                    "disabled"),
            Set.of(),
            NuclioFormat.TRIGGER_PLATFORM,
            union(
                    Set.of(
                            "name",
                            "maxWorkers",
                            "url",
                            "username",
                            "password",
                            "secret",
                            "partitions",
                            "explicitAckMode",
                            "mode",
                            "batch"),
                    NuclioFormat.TRIGGER_IGNORED.keySet()));
    private static final Fields BINDING = new Fields(
            Set.of("kind", "attributes"),
            Set.of(),
            Set.of(),
            Set.of("name", "class", "url", "path", "query", "secret"));
    private static final Fields ENV_ENTRY =
            new Fields(Set.of("name", "value", "valueFrom"), Set.of(), Set.of(), Set.of());

    private static final Map<String, String> HINTS = Map.of(
            "maxWorkers", "use numWorkers",
            "workerAllocatorName", "Nucleon gives every trigger its own pool; remove it",
            "resources", "a platform field that a processor does not use; remove it",
            "minReplicas", "a platform field; scale out by running more processors",
            "maxReplicas", "a platform field; scale out by running more processors",
            "build", "Nucleon builds functions with Maven; remove it",
            "class", "Nucleon names a binding's type with kind",
            "url", "put it under attributes");
    private static final String NUCLIO_HINT =
            "; a file in Nuclio's format (apiVersion: nuclio.io/v1, or --nuclio) accepts Nuclio's fields";

    /**
     * The keys of one level of the file: Nucleon's own ({@code known}), those accepted without effect in
     * either format ({@code accepted}), Nuclio's platform fields ({@code nuclioPlatform}) and Nuclio's fields
     * that the reader maps or refuses one by one ({@code nuclioHandled}); the last two only in Nuclio's format.
     */
    private record Fields(
            Set<String> known, Set<String> accepted, Set<String> nuclioPlatform, Set<String> nuclioHandled) {
        Set<String> all(boolean nuclio) {
            Set<String> all = new TreeSet<>(known);
            all.addAll(accepted);
            if (nuclio) {
                all.addAll(nuclioPlatform);
                all.addAll(nuclioHandled);
            }
            all.remove(DISABLE_DEFAULT_HTTP_DOCUMENTED);
            return all;
        }
    }

    private final SpecSource source;
    private final ReadOptions options;
    private final boolean mayAddDefaultTrigger;
    private final boolean forceNuclio;
    private boolean nuclio;
    private final Map<String, String> flags = new LinkedHashMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<ConfigProblem> warnings = new ArrayList<>();
    private final List<String> notApplied = new ArrayList<>();
    /** Trigger names and kinds as declared, disabled ones included (Nuclio counts them when it looks for http). */
    private final Map<String, String> declaredTriggers = new LinkedHashMap<>();

    private FunctionSpecReader(
            SpecSource source, ReadOptions options, boolean mayAddDefaultTrigger, boolean forceNuclio) {
        this.source = source;
        this.options = options;
        this.mayAddDefaultTrigger = mayAddDefaultTrigger;
        this.forceNuclio = forceNuclio;
    }

    /** Reads {@code file}; the file name in errors is the path as given. */
    public static FunctionSpec read(Path file) {
        return read(file, ReadOptions.DEFAULT);
    }

    /**
     * Reads {@code file} with {@code options} over it (Nuclio's format, flags over the file). The function's
     * directory is {@link ReadOptions#baseDirectory()}, else the file's.
     *
     * @throws FunctionConfigException listing every problem found
     */
    public static FunctionSpec read(Path file, ReadOptions options) {
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
        Path base = options.baseDirectory() != null
                ? options.baseDirectory()
                : file.toAbsolutePath().getParent();
        return read(name, text, options.withBaseDirectory(base));
    }

    /**
     * Reads the function in {@code dir}: its {@code function.yaml} (or {@code function.yml}) when there is one,
     * with the options over it; else the function the options describe alone, as {@code nuctl deploy --path dir
     * --runtime ... --handler ...} does, in Nuclio's format ({@code runtime} and {@code handler} are then
     * required). Relative paths resolve against {@code dir} (or {@link ReadOptions#baseDirectory()}).
     *
     * @throws FunctionConfigException listing every problem found, or naming each missing flag
     */
    public static FunctionSpec readDirectory(Path dir, ReadOptions options) {
        Path base = options.baseDirectory() != null ? options.baseDirectory() : dir.toAbsolutePath();
        for (String name : List.of("function.yaml", "function.yml")) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                return read(file, options.withBaseDirectory(base));
            }
        }
        if (!Files.isDirectory(dir)) {
            throw new FunctionConfigException(
                    List.of(new ConfigProblem(dir.toString(), 0, "", "is neither a directory nor a function.yaml")));
        }
        List<ConfigProblem> missing = new ArrayList<>();
        if (options.runtime() == null || options.runtime().isBlank()) {
            missing.add(new ConfigProblem(
                    null,
                    0,
                    "spec.runtime",
                    dir + " has no function.yaml: give the runtime with --runtime (python, nodejs or java)"));
        }
        if (options.handler() == null || options.handler().isBlank()) {
            missing.add(new ConfigProblem(
                    null,
                    0,
                    "spec.handler",
                    dir + " has no function.yaml: give the handler with --handler (e.g. main:handler)"));
        }
        if (!missing.isEmpty()) {
            throw new FunctionConfigException(missing);
        }
        ObjectNode root = NODES.objectNode();
        root.putObject("spec");
        return new FunctionSpecReader(new SpecSource(null, Map.of(), base, Map.of()), options, true, true)
                .readRoot(root);
    }

    /** Reads YAML {@code text} that came from {@code fileName}. */
    public static FunctionSpec read(String fileName, String text) {
        return read(fileName, text, ReadOptions.DEFAULT);
    }

    /**
     * Reads YAML {@code text} that came from {@code fileName}, with {@code options} over it. The function's
     * directory is {@link ReadOptions#baseDirectory()}, else the directory of {@code fileName} when that names
     * a file, else none (a packaged function).
     */
    public static FunctionSpec read(String fileName, String text, ReadOptions options) {
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
        Path base = options.baseDirectory() != null ? options.baseDirectory() : directoryOf(fileName);
        return new FunctionSpecReader(new SpecSource(fileName, lines, base, Map.of()), options, true, false)
                .readRoot(tree);
    }

    /**
     * Validates a tree in the shape of {@code function.yaml}; the builder's entry point. A function made in
     * code gets no default trigger: it says which triggers it has.
     */
    public static FunctionSpec read(JsonNode tree, SpecSource source) {
        return new FunctionSpecReader(source, ReadOptions.DEFAULT, false, false).readRoot(tree);
    }

    private static Path directoryOf(String fileName) {
        try {
            Path p = Path.of(fileName).toAbsolutePath();
            return Files.isRegularFile(p) ? p.getParent() : null;
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** Whether the file declares itself Nuclio's: {@code apiVersion: nuclio.io/...} or {@code kind: NuclioFunction}. */
    static boolean declaresNuclio(JsonNode root) {
        JsonNode api = root.get("apiVersion");
        JsonNode kind = root.get("kind");
        return (api != null && api.isTextual() && api.asText().startsWith(NuclioFormat.API_VERSION_PREFIX))
                || (kind != null && kind.isTextual() && kind.asText().equals(NuclioFormat.KIND));
    }

    private FunctionSpec readRoot(JsonNode root) {
        if (!root.isObject()) {
            problem("", "must be a mapping with metadata and spec, got " + describe(root));
            throw failure();
        }
        nuclio = forceNuclio || options.nuclio() || declaresNuclio(root);
        checkFields(root, "", TOP);
        boolean flagsGiveFunction = options.handler() != null || options.runtime() != null;
        JsonNode metadata = object(root, "metadata", "metadata", false);
        String name = null;
        if (metadata != null) {
            checkFields(metadata, "metadata", METADATA);
            name = string(metadata, "name", "metadata.name", false);
            if (nuclio && name != null && name.isEmpty()) {
                name = null; // Nuclio's omitempty: an empty name is no name
            }
            if (name != null && !NAME.matcher(name).matches()) {
                problem("metadata.name", "must be " + NAME_RULE + ", got \"" + name + "\"");
            }
        }
        if (name == null) {
            name = defaultName(metadata == null && root.get("metadata") == null);
        }
        JsonNode spec = object(root, "spec", "spec", !flagsGiveFunction);
        if (spec == null) {
            spec = NODES.objectNode();
        }
        checkFields(spec, "spec", SPEC);
        String fileRuntime = string(spec, "runtime", "spec.runtime", false);
        String runtime;
        if (options.runtime() != null) {
            flags.put("spec.runtime", "--runtime");
            runtime = runtime(options.runtime().trim(), "spec.runtime");
        } else {
            runtime = runtime(fileRuntime, "spec.runtime");
        }
        if (runtime == null) {
            runtime = FunctionSpec.DEFAULT_RUNTIME;
        }
        String handler = string(spec, "handler", "spec.handler", false);
        if (options.handler() != null) {
            flags.put("spec.handler", "--handler");
            handler = options.handler().trim();
        }
        string(spec, "description", "spec.description", false);
        boolean noDefaultHttp = disableDefaultHttp(spec);
        Map<String, String> env = env(spec.get("env"));
        if (!options.env().isEmpty()) {
            Map<String, String> merged = new LinkedHashMap<>(env);
            merged.putAll(options.env());
            env = Collections.unmodifiableMap(merged);
        }
        if (nuclio && present(spec.get("envFrom"))) {
            problem(
                    "spec.envFrom",
                    "not supported: Nucleon reads no Kubernetes config maps or secrets; list the variables in"
                            + " spec.env with their values, or set them in the processor's environment");
        }
        Duration eventTimeout = duration(
                spec, "eventTimeout", "spec.eventTimeout", FunctionSpec.DEFAULT_EVENT_TIMEOUT, Duration.ofMillis(1));
        Duration drainTimeout =
                duration(spec, "drainTimeout", "spec.drainTimeout", FunctionSpec.DEFAULT_DRAIN_TIMEOUT, Duration.ZERO);
        Map<String, TriggerSpec> triggers = new LinkedHashMap<>(triggers(spec.get("triggers")));
        ObjectNode runtimeAttributes = NODES.objectNode();
        JsonNode ra = object(spec, "runtimeAttributes", "spec.runtimeAttributes", false);
        if (ra instanceof ObjectNode o) {
            runtimeAttributes = o.deepCopy();
        }
        Map<String, BindingSpec> dataBindings = dataBindings(spec.get("dataBindings"));

        if (nuclio && runtime.equals("python") && !runtimeAttributes.has("decodeJsonBody")) {
            // Nuclio's Python wrapper hands a handler a JSON body already decoded
            runtimeAttributes.put("decodeJsonBody", true);
        }
        if (!options.classpath().isEmpty()) {
            if (runtime.equals("java")) {
                ArrayNode cp = runtimeAttributes.putArray("classpath");
                options.classpath().forEach(cp::add);
                flags.put("spec.runtimeAttributes.classpath", "--classpath");
            } else {
                problem("spec.runtime", "--classpath applies to a java function; this one's runtime is " + runtime);
            }
        }
        if (mayAddDefaultTrigger
                && !noDefaultHttp
                && (nuclio || declaredTriggers.isEmpty())
                && !declaredTriggers.containsValue("http")) {
            addDefaultHttpTrigger(triggers);
        } else if (options.httpPort() != null) {
            portOfTheHttpTrigger(triggers);
        }
        if (!problems.isEmpty()) {
            throw failure();
        }
        warnings.sort(Comparator.comparingInt(ConfigProblem::line));
        notApplied.sort(Comparator.comparingInt(source::lineOf));
        return new FunctionSpec(
                name,
                runtime,
                handler,
                env,
                eventTimeout,
                drainTimeout,
                Collections.unmodifiableMap(triggers),
                runtimeAttributes,
                dataBindings,
                flags.isEmpty() ? source : source.withFlags(flags),
                nuclio,
                warnings,
                notApplied);
    }

    private static final String NAME_RULE = "1 to 63 letters, digits, '-' or '_', starting with a letter or digit";

    /**
     * The name of a function whose file gives none: the options' default name, else its directory's name made
     * to fit the rule ({@code my.fn} becomes {@code my-fn}).
     */
    private String defaultName(boolean noMetadata) {
        String given = options.defaultName();
        if (given != null) {
            if (!NAME.matcher(given).matches()) {
                problem("metadata.name", "the default name must be " + NAME_RULE + ", got \"" + given + "\"");
            }
            return given;
        }
        Path dir = source.baseDirectory();
        Path last = dir == null ? null : dir.getFileName();
        if (last == null) {
            problem(noMetadata ? "metadata" : "metadata.name", "is required");
            return null;
        }
        String name = sanitisedName(last.toString());
        if (name.isEmpty()) {
            problem(
                    noMetadata ? "metadata" : "metadata.name",
                    "is required here: the directory name \"" + last
                            + "\" has no letter or digit to name the function after");
            return null;
        }
        return name;
    }

    /** {@code dirName} made to fit the name rule: other characters become '-', leading ones are dropped, 63 at most. */
    static String sanitisedName(String dirName) {
        String s = dirName.replaceAll("[^A-Za-z0-9_-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    /** {@code spec.runtime} without its version; Nuclio's runtimes that Nucleon lacks are an error. */
    private String runtime(String r, String path) {
        if (r == null) {
            return null;
        }
        int colon = r.indexOf(':');
        String kind = colon >= 0 ? r.substring(0, colon) : r;
        if (NuclioFormat.RUNTIMES_NOT_SUPPORTED.contains(kind)) {
            problem(
                    path,
                    "Nuclio's " + kind + " runtime has no Nucleon counterpart; Nucleon runs "
                            + NuclioFormat.RUNTIMES_SUPPORTED + " handlers");
        }
        return kind;
    }

    /** {@code spec.disableDefaultHTTPTrigger}, in either of Nuclio's spellings. */
    private boolean disableDefaultHttp(JsonNode spec) {
        Boolean value = null;
        for (String f : List.of(DISABLE_DEFAULT_HTTP, DISABLE_DEFAULT_HTTP_DOCUMENTED)) {
            JsonNode n = spec.get(f);
            if (n == null || n.isNull()) {
                continue;
            }
            if (!n.isBoolean()) {
                problem("spec." + f, "must be true or false, got " + describe(n));
            } else if (value != null && value != n.booleanValue()) {
                problem("spec." + f, "contradicts spec." + DISABLE_DEFAULT_HTTP + "; give one of the two");
            } else {
                value = n.booleanValue();
            }
        }
        return value != null && value;
    }

    private void addDefaultHttpTrigger(Map<String, TriggerSpec> triggers) {
        String name = FunctionSpec.DEFAULT_HTTP_TRIGGER;
        if (declaredTriggers.containsKey(name)) {
            problem(
                    "spec.triggers." + name,
                    "is the name of the default HTTP trigger, added because the function has no http trigger;"
                            + " rename this trigger, or set spec.disableDefaultHTTPTrigger: true");
            return;
        }
        int port = FunctionSpec.DEFAULT_HTTP_PORT;
        if (options.httpPort() != null) {
            port = options.httpPort();
            checkPort(port);
        }
        ObjectNode attributes = NODES.objectNode();
        attributes.put("port", port);
        triggers.put(
                name,
                new TriggerSpec(
                        name,
                        "http",
                        TriggerSpec.DEFAULT_NUM_WORKERS,
                        TriggerSpec.DEFAULT_WORKER_AVAILABILITY_TIMEOUT,
                        TriggerSpec.DEFAULT_WORKER_QUEUE_SIZE,
                        WaitStrategyKind.BLOCKING,
                        attributes));
    }

    /** {@code --port} over the file: the port of the function's one http trigger. */
    private void portOfTheHttpTrigger(Map<String, TriggerSpec> triggers) {
        int port = options.httpPort();
        List<String> http = new ArrayList<>();
        triggers.values().stream().filter(t -> t.kind().equals("http")).forEach(t -> http.add(t.name()));
        if (http.size() != 1) {
            problem(
                    "spec.triggers",
                    "--port sets the port of the function's http trigger, and it has "
                            + (http.isEmpty() ? "none" : http.size() + " (" + String.join(", ", http) + ")")
                            + (http.isEmpty() ? "" : "; set each one's attributes.port in the file instead"));
            return;
        }
        checkPort(port);
        TriggerSpec t = triggers.get(http.get(0));
        ObjectNode attributes = t.attributes().deepCopy();
        attributes.put("port", port);
        triggers.put(t.name(), t.withAttributes(attributes));
        flags.put("spec.triggers." + t.name() + ".attributes.port", "--port");
    }

    private void checkPort(int port) {
        if (port < 0 || port > 65535) {
            problems.add(new ConfigProblem(
                    source.file(), 0, "spec.triggers", "--port must be from 0 to 65535, got " + port));
        }
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
                checkFields(item, path, ENV_ENTRY);
                String n = string(item, "name", path + ".name", true);
                if (present(item.get("valueFrom"))) {
                    problem(
                            path + ".valueFrom",
                            "not supported: Nucleon reads no Kubernetes secrets, config maps or pod fields; give"
                                    + " the variable a value here, or leave it out of spec.env and set "
                                    + (n == null ? "it" : n) + " in the processor's environment");
                    continue;
                }
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
        checkFields(t, path, TRIGGER);
        String kind = string(t, "kind", path + ".kind", true);
        declaredTriggers.put(name, kind == null ? "" : kind);
        int numWorkers = integer(
                t, "numWorkers", path + ".numWorkers", TriggerSpec.DEFAULT_NUM_WORKERS, 1, TriggerSpec.MAX_NUM_WORKERS);
        JsonNode attrs = t.get("attributes");
        ObjectNode attributes = NODES.objectNode();
        if (attrs != null && !attrs.isNull()) {
            if (!attrs.isObject()) {
                problem(path + ".attributes", "must be a mapping, got " + describe(attrs));
            } else {
                attributes = (ObjectNode) attrs;
            }
        }
        if (nuclio) {
            numWorkers = nuclioWorkers(t, path, numWorkers);
            attributes = nuclioTriggerFields(t, path, name, attributes);
        }
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
        int minWorkers = minWorkers(t, path, numWorkers);
        Duration idleTimeout = duration(
                t,
                "workerIdleTimeout",
                path + ".workerIdleTimeout",
                TriggerSpec.DEFAULT_WORKER_IDLE_TIMEOUT,
                Duration.ofMillis(1));
        if (present(t.get("workerIdleTimeout")) && minWorkers >= numWorkers) {
            warn(
                    path + ".workerIdleTimeout",
                    "has no effect: the pool is fixed at numWorkers (" + numWorkers
                            + "); set minWorkers below it to let idle workers retire");
        }
        boolean disabled = false;
        JsonNode d = t.get("disabled");
        if (d != null && !d.isNull()) {
            if (!d.isBoolean()) {
                problem(path + ".disabled", "must be true or false, got " + describe(d));
            } else {
                disabled = d.booleanValue();
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
                            maxAbandoned,
                            minWorkers,
                            idleTimeout));
        }
    }

    /**
     * {@code minWorkers}: the size an elastic pool shrinks back to, from 0 to {@code numWorkers}; by
     * default {@code numWorkers}, a fixed pool.
     */
    private int minWorkers(JsonNode t, String path, int numWorkers) {
        JsonNode n = t.get("minWorkers");
        if (n == null || n.isNull()) {
            return numWorkers;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0 || n.intValue() > numWorkers) {
            problem(
                    path + ".minWorkers",
                    "must be an integer from 0 to numWorkers (" + numWorkers + "), got " + describe(n)
                            + "; the pool grows from minWorkers to numWorkers under load");
            return numWorkers;
        }
        return n.intValue();
    }

    /** Nuclio's worker count: {@code numWorkers}, else its older {@code maxWorkers}. */
    private int nuclioWorkers(JsonNode t, String path, int numWorkers) {
        if (!present(t.get("maxWorkers"))) {
            return numWorkers;
        }
        int max = integer(t, "maxWorkers", path + ".maxWorkers", numWorkers, 1, TriggerSpec.MAX_NUM_WORKERS);
        if (!present(t.get("numWorkers"))) {
            return max;
        }
        if (max != numWorkers) {
            warn(path + ".maxWorkers", "ignored: numWorkers is given too and wins, as in Nuclio");
        }
        return numWorkers;
    }

    /**
     * The trigger fields of Nuclio's that Nucleon's own trigger fields do not have: mapped ({@code url} into
     * the attributes), refused when honouring them would change how events are delivered, else recorded as
     * not applied or warned about with the reason. Returns the attributes, with {@code url} when it moved.
     */
    private ObjectNode nuclioTriggerFields(JsonNode t, String path, String name, ObjectNode attributes) {
        JsonNode n = t.get("name");
        if (present(n) && !n.asText().equals(name)) {
            warn(path + ".name", "ignored: the key under spec.triggers, '" + name + "', names the trigger");
        }
        String url = string(t, "url", path + ".url", false);
        if (url != null && !url.isEmpty()) {
            JsonNode own = attributes.get("url");
            if (own == null || own.isNull()) {
                attributes = attributes.deepCopy();
                attributes.put("url", url);
            } else if (!own.asText().equals(url)) {
                problem(path + ".url", "differs from attributes.url; give the address once");
            }
        }
        for (String credential : List.of("username", "password", "secret")) {
            if (present(t.get(credential))) {
                problem(
                        path + "." + credential,
                        "not read by Nucleon's triggers, so the trigger would connect without it; give the"
                                + " credentials in the trigger's attributes (a rabbit-mq trigger in its url, a"
                                + " kafka-cluster trigger under sasl)");
            }
        }
        if (present(t.get("partitions"))) {
            problem(
                    path + ".partitions",
                    "not supported: partitions are not assigned by hand in Nucleon; a Kafka trigger is given"
                            + " its partitions by its consumer group");
        }
        String ack = string(t, "explicitAckMode", path + ".explicitAckMode", false);
        if (ack != null && !ack.isEmpty() && !ack.equals("disable")) {
            problem(
                    path + ".explicitAckMode",
                    ack.equals("enable") || ack.equals("explicitOnly")
                            ? "'" + ack + "' is not supported: Nucleon acknowledges an event when its handler"
                                    + " finishes (offsets are committed in order); remove it or set disable"
                            : "must be enable, disable or explicitOnly (of which Nucleon supports disable), got \""
                                    + ack + "\"");
        }
        String mode = string(t, "mode", path + ".mode", false);
        if (mode != null && mode.equals("async")) {
            warn(
                    path + ".mode",
                    "ignored: Nucleon runs one event at a time per worker (async handlers too); raise numWorkers"
                            + " to run more at once");
        } else if (mode != null && !mode.isEmpty() && !mode.equals("sync")) {
            problem(path + ".mode", "must be sync or async, got \"" + mode + "\"");
        }
        JsonNode batch = t.get("batch");
        if (present(batch)) {
            JsonNode bm = batch.isObject() ? batch.get("mode") : null;
            if (bm != null && bm.isTextual() && bm.asText().equals("enable")) {
                problem(
                        path + ".batch.mode",
                        "batching is not supported: a Nucleon handler is given one event at a time; remove batch");
            }
        }
        for (Map.Entry<String, String> ignored : NuclioFormat.TRIGGER_IGNORED.entrySet()) {
            if (present(t.get(ignored.getKey()))) {
                warn(path + "." + ignored.getKey(), "ignored: " + ignored.getValue());
            }
        }
        return attributes;
    }

    private Map<String, BindingSpec> dataBindings(JsonNode node) {
        Map<String, BindingSpec> out = new LinkedHashMap<>();
        namedEntries(node, "spec.dataBindings", "binding", (path, b) -> {
            checkFields(b, path, BINDING);
            String name = path.substring("spec.dataBindings.".length());
            JsonNode attrs = object(b, "attributes", path + ".attributes", false);
            ObjectNode attributes = attrs instanceof ObjectNode o ? o : NODES.objectNode();
            String kind;
            if (nuclio && !present(b.get("kind")) && present(b.get("class"))) {
                kind = string(b, "class", path + ".class", true);
            } else {
                kind = string(b, "kind", path + ".kind", true);
            }
            if (nuclio) {
                attributes = nuclioBindingFields(b, path, name, attributes);
            }
            if (kind != null) {
                out.put(name, new BindingSpec(name, kind, attributes));
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** A Nuclio data binding's own fields: {@code url} moves into the attributes; {@code path}, {@code query}, {@code secret} are refused. */
    private ObjectNode nuclioBindingFields(JsonNode b, String path, String name, ObjectNode attributes) {
        JsonNode n = b.get("name");
        if (present(n) && !n.asText().equals(name)) {
            warn(path + ".name", "ignored: the key under spec.dataBindings, '" + name + "', names the binding");
        }
        JsonNode cls = b.get("class");
        JsonNode kind = b.get("kind");
        if (present(cls) && present(kind) && !cls.asText().equals(kind.asText())) {
            warn(path + ".class", "ignored: kind names the binding's type");
        }
        String url = string(b, "url", path + ".url", false);
        if (url != null && !url.isEmpty()) {
            JsonNode own = attributes.get("url");
            if (own == null || own.isNull()) {
                attributes = attributes.deepCopy();
                attributes.put("url", url);
            } else if (!own.asText().equals(url)) {
                problem(path + ".url", "differs from attributes.url; give the address once");
            }
        }
        for (String f : List.of("path", "query", "secret")) {
            if (present(b.get(f))) {
                problem(
                        path + "." + f,
                        "not supported by Nucleon's data bindings (kafka, rabbitmq, http), which take their"
                                + " settings in attributes");
            }
        }
        return attributes;
    }

    // ---- field helpers ------------------------------------------------------------------------

    /**
     * Checks the keys of {@code node} against {@code fields}: Nucleon's own pass; accepted ones and, in Nuclio's
     * format, Nuclio's platform fields are recorded as not applied; Nuclio's handled fields are left to their
     * reader; anything else is an error, or in Nuclio's format a warning (Nuclio ignores keys it does not know).
     */
    private void checkFields(JsonNode node, String path, Fields fields) {
        node.fieldNames().forEachRemaining(f -> {
            String where = path.isEmpty() ? f : path + "." + f;
            if (fields.known().contains(f)) {
                return;
            }
            if (fields.accepted().contains(f)
                    || (nuclio && fields.nuclioPlatform().contains(f))) {
                notApplied.add(where);
                return;
            }
            if (nuclio && fields.nuclioHandled().contains(f)) {
                return;
            }
            String guess = closest(f, fields.all(nuclio));
            if (nuclio) {
                Set<String> known = fields.all(true);
                warn(
                        where,
                        "unknown field, ignored as Nuclio ignores it"
                                + (guess != null ? " (did you mean " + guess + "?)" : "")
                                + (known.size() <= 20 ? "; known here: " + String.join(", ", known) : ""));
                return;
            }
            String hint = HINTS.get(f);
            if (hint == null && guess != null) {
                hint = "did you mean " + guess + "?";
            }
            boolean nuclioField = fields.nuclioPlatform().contains(f)
                    || fields.nuclioHandled().contains(f);
            problem(
                    where,
                    "unknown field" + (hint != null ? " (" + hint + ")" : "") + "; allowed here: "
                            + String.join(", ", fields.all(false)) + (nuclioField ? NUCLIO_HINT : ""));
        });
    }

    /** The allowed name {@code f} is most likely a misspelling of (at most two edits, or its start), or {@code null}. */
    static String closest(String f, Set<String> allowed) {
        String lf = f.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Math.min(3, lf.length());
        for (String a : allowed) {
            int d = distance(lf, a.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = a;
                bestDistance = d;
            }
        }
        if (best == null && lf.length() >= 3) {
            for (String a : allowed) {
                if (a.toLowerCase(Locale.ROOT).startsWith(lf)) {
                    return a;
                }
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Whether a Nuclio-only field holds a setting: Go's {@code omitempty} treats null, "" and empty containers as unset. */
    private static boolean present(JsonNode n) {
        if (n == null || n.isNull()) {
            return false;
        }
        if (n.isTextual()) {
            return !n.asText().isEmpty();
        }
        return !n.isContainerNode() || n.size() > 0;
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
        if (n == null || n.isNull() || (nuclio && n.isTextual() && n.asText().isEmpty())) {
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
        problems.add(located(path, message));
    }

    private void warn(String path, String message) {
        warnings.add(located(path, message));
    }

    private ConfigProblem located(String path, String message) {
        return (flags.isEmpty() ? source : source.withFlags(flags)).problem(path, message);
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private FunctionConfigException failure() {
        problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
        warnings.sort(Comparator.comparingInt(ConfigProblem::line));
        notApplied.sort(Comparator.comparingInt(source::lineOf));
        return new InvalidFunction(problems, warnings, notApplied);
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
