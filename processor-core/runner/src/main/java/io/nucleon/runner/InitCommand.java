package io.nucleon.runner;

import io.nucleon.core.Launcher.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code init --runtime python|nodejs|java <name>}: makes the directory {@code <name>} with a
 * {@code function.yaml} in Nuclio's format (no trigger: {@code run} gives it the default HTTP trigger)
 * and a handler in the runtime's Nuclio style, which {@code run <name>} serves at once.
 *
 * <p>The Java handler is written on Nucleon's own API ({@code io.nucleon.api.Handler}), not on Nuclio's
 * Java SDK: a new function should start on the API that reaches everything (data bindings, asynchronous
 * results, init and close hooks); Nuclio's SDK is there to run existing handlers unmodified.
 */
final class InitCommand {
    static final String USAGE = String.join(
            "\n",
            "usage: java -jar nucleon.jar init --runtime python|nodejs|java <name>",
            "",
            "Makes the directory <name> (which must not exist or be empty) with a function.yaml in Nuclio's format",
            "and a handler: main.py (python), handler.js (nodejs) or <Name>.java (java, on Nucleon's API,",
            "compiled by `run`). The function's name is the directory's.",
            "",
            "options:",
            "  --runtime python|nodejs|java  the handler's language",
            "  --help                        this text",
            "",
            "exit codes: 0 made, 1 could not write the files, 2 bad command line or a non-empty directory");

    /** Nucleon's function names (metadata.name). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");

    private static final Map<String, List<String>> FILES = Map.of(
            "python", List.of("function.yaml", "main.py"),
            "nodejs", List.of("function.yaml", "handler.js"),
            "java", List.of("function.yaml", "Handler.java.template"));

    private final PrintStream out;
    private final PrintStream err;

    InitCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) {
        String runtime = null;
        String given = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    out.println(USAGE);
                    return Runner.OK;
                }
                if (a.equals("--runtime")) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--runtime needs a value: python, nodejs or java");
                    }
                    runtime = args[++i].trim().toLowerCase(Locale.ROOT);
                } else if (a.startsWith("-")) {
                    throw new UsageException("unknown option '" + a + "'");
                } else if (given != null) {
                    throw new UsageException(
                            "unexpected argument '" + a + "': the name is already given (" + given + ")");
                } else {
                    given = a;
                }
            }
            if (runtime == null) {
                throw new UsageException("--runtime is needed: python, nodejs or java");
            }
            if (!FILES.containsKey(runtime)) {
                throw new UsageException("--runtime must be python, nodejs or java, got '" + runtime + "'");
            }
            if (given == null) {
                throw new UsageException("the new function's name (its directory) is needed");
            }
        } catch (UsageException e) {
            err.println("nucleon: " + e.getMessage() + "\n" + USAGE);
            return Runner.BAD_INPUT;
        }

        Path dir = Path.of(given);
        Path fileName = dir.toAbsolutePath().normalize().getFileName();
        String name = fileName == null ? "" : fileName.toString();
        if (!NAME.matcher(name).matches()) {
            err.println("nucleon: '" + name + "' cannot name a function: letters, digits, '-' and '_', starting with a"
                    + " letter or digit, at most 63 characters");
            return Runner.BAD_INPUT;
        }
        try {
            if (Files.exists(dir) && !isEmptyDirectory(dir)) {
                err.println("nucleon: " + given + " already exists and is not an empty directory: choose another name");
                return Runner.BAD_INPUT;
            }
            Files.createDirectories(dir);
            Map<String, String> values = Map.of("name", name, "class", className(name));
            Map<Path, String> made = new LinkedHashMap<>();
            for (String template : FILES.get(runtime)) {
                String target = template.equals("Handler.java.template") ? className(name) + ".java" : template;
                made.put(dir.resolve(target), fill(template(runtime, template), values));
            }
            for (Map.Entry<Path, String> f : made.entrySet()) {
                Files.writeString(f.getKey(), f.getValue(), StandardCharsets.UTF_8);
                out.println("created " + f.getKey());
            }
        } catch (IOException e) {
            err.println("nucleon: cannot write the function into " + given + ": " + e.getMessage());
            return Runner.COULD_NOT_START;
        }
        out.println();
        out.println("run it:  java -jar " + jarPath() + " run " + given);
        out.println("call it: curl 'http://127.0.0.1:8080/?name=Ada'");
        return Runner.OK;
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /** A Java class name from a function name: {@code hello-java} is {@code HelloJava}. */
    static String className(String name) {
        StringBuilder sb = new StringBuilder();
        boolean upper = true;
        for (char c : name.toCharArray()) {
            if (c == '-' || c == '_') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        if (sb.length() == 0 || !Character.isJavaIdentifierStart(sb.charAt(0))) {
            sb.insert(0, "Fn");
        }
        return sb.toString();
    }

    private static String template(String runtime, String file) throws IOException {
        String resource = "init/" + runtime + "/" + file;
        try (InputStream in = InitCommand.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("the template " + resource + " is missing from the runner");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String fill(String template, Map<String, String> values) {
        String s = template;
        for (Map.Entry<String, String> v : values.entrySet()) {
            s = s.replace("{{" + v.getKey() + "}}", v.getValue());
        }
        return s;
    }

    /** This jar's path, relative to the working directory when under it; {@code nucleon.jar} when unknown. */
    private static String jarPath() {
        try {
            Path jar = Path.of(InitCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (!Files.isRegularFile(jar)) {
                return "nucleon.jar";
            }
            Path cwd = Path.of("").toAbsolutePath();
            return jar.startsWith(cwd) ? cwd.relativize(jar).toString() : jar.toString();
        } catch (URISyntaxException | RuntimeException e) {
            return "nucleon.jar";
        }
    }
}
