package io.nucleon.runner;

import io.nucleon.core.Launcher.UsageException;
import io.nucleon.core.config.ReadOptions;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flags that say which function to read and what to put over its {@code function.yaml}, as
 * {@code nuctl deploy} takes them: shared by {@code run} and {@code check}. Without a
 * {@code function.yaml} the flags alone describe the function.
 */
final class FunctionFlags {
    static final String USAGE = String.join(
            "\n",
            "  --runtime NAME          spec.runtime: python, nodejs or java (with a function.yaml: replaces it)",
            "  --handler NAME          spec.handler, e.g. main:handler (python), handler:handler (nodejs),",
            "                          com.example.Reverser (java)",
            "  --env NAME=VALUE        adds to spec.env, replacing an entry of that name; repeatable",
            "  --port PORT             the port of the default HTTP trigger (or of the function's only http trigger)",
            "  --classpath PATHS       jars and class directories of a java function, separated by '"
                    + File.pathSeparator + "'; repeatable",
            "                          (else runtimeAttributes.classpath; else the directory's .java files, compiled)",
            "  --nuclio                read function.yaml in Nuclio's format even when it does not declare itself",
            "                          Nuclio's: keys Nuclio ignores are warnings, not errors");

    private String location;
    private boolean nuclio;
    private String runtime;
    private String handler;
    private final Map<String, String> env = new LinkedHashMap<>();
    private Integer port;
    private final List<String> classpath = new ArrayList<>();

    /**
     * Takes {@code args[i]} when it is one of these flags (with its value) or the function's location.
     *
     * @return the index of the last argument used, or -1 when {@code args[i]} is not one of them
     * @throws UsageException when a value is missing or wrong
     */
    int accept(String[] args, int i) {
        String a = args[i];
        switch (a) {
            case "--nuclio" -> {
                nuclio = true;
                return i;
            }
            case "--runtime", "--handler", "--env", "--port", "--classpath" -> {
                if (i + 1 >= args.length || args[i + 1].isBlank()) {
                    throw new UsageException(a + " needs a value");
                }
                String v = args[i + 1];
                switch (a) {
                    case "--runtime" -> runtime = v.trim();
                    case "--handler" -> handler = v.trim();
                    case "--env" -> env(v);
                    case "--port" -> port = port(v);
                    default -> {
                        for (String entry : v.split(File.pathSeparator)) {
                            if (!entry.isBlank()) {
                                classpath.add(Path.of(entry.trim())
                                        .toAbsolutePath()
                                        .normalize()
                                        .toString());
                            }
                        }
                    }
                }
                return i + 1;
            }
            default -> {
                if (a.startsWith("-")) {
                    return -1;
                }
                if (location != null) {
                    throw new UsageException(
                            "unexpected argument '" + a + "': the function is already given (" + location + ")");
                }
                location = a;
                return i;
            }
        }
    }

    private void env(String v) {
        int eq = v.indexOf('=');
        if (eq <= 0) {
            throw new UsageException("--env needs NAME=VALUE, got '" + v + "'");
        }
        env.put(v.substring(0, eq), v.substring(eq + 1));
    }

    private static int port(String v) {
        try {
            int p = Integer.parseInt(v.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException("--port must be a number from 1 to 65535, got '" + v + "'");
    }

    /** The function's directory or {@code function.yaml} as given; {@code null} when none was. */
    String location() {
        return location;
    }

    /** The jars and directories given with {@code --classpath}, absolute. */
    List<String> classpath() {
        return List.copyOf(classpath);
    }

    /**
     * The options that read the function in {@code dir}, with {@code classpath} as the java runtime's (the
     * flag's, or the one the runner compiled the directory's sources into).
     */
    ReadOptions options(Path dir, List<String> classpath) {
        return new ReadOptions(nuclio, null, dir, runtime, handler, env, port, classpath);
    }
}
