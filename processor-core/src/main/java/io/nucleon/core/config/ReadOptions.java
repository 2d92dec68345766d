package io.nucleon.core.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a function is read: from its {@code function.yaml}, from command-line flags alone (a directory
 * with no {@code function.yaml}, as {@code nuctl deploy --path . --runtime python --handler main:handler}),
 * or from a file with flags over it. Flags win over the file.
 *
 * @param nuclio        read the file in Nuclio's format even when it does not declare itself Nuclio's
 *                      ({@code --nuclio}); a file with {@code apiVersion: nuclio.io/...} or
 *                      {@code kind: NuclioFunction} is read so anyway
 * @param defaultName   {@code metadata.name} when the file has none; {@code null}: the name of the
 *                      function's directory
 * @param baseDirectory the function's directory, against which relative paths resolve; {@code null}:
 *                      the directory of the file
 * @param runtime       {@code --runtime}: replaces {@code spec.runtime}; {@code null} keeps it
 * @param handler       {@code --handler}: replaces {@code spec.handler}; {@code null} keeps it
 * @param env           {@code --env NAME=VALUE}: added to {@code spec.env}, replacing entries of the same name;
 *                      kept in the order given
 * @param httpPort      {@code --port}: the port of the default HTTP trigger (and of the function's only
 *                      {@code http} trigger when it has one); {@code null} keeps 8080 or the file's
 * @param classpath     {@code --classpath}: jars and class directories of a {@code java} function, set as
 *                      the java runtime's {@code runtimeAttributes.classpath} (replacing the file's);
 *                      empty keeps the file's
 */
public record ReadOptions(
        boolean nuclio,
        String defaultName,
        Path baseDirectory,
        String runtime,
        String handler,
        Map<String, String> env,
        Integer httpPort,
        List<String> classpath) {

    /** Read as the file says, with nothing over it. */
    public static final ReadOptions DEFAULT = new ReadOptions(false, null, null, null, null, Map.of(), null, List.of());

    public ReadOptions {
        env = env == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(env));
        classpath = classpath == null ? List.of() : List.copyOf(classpath);
    }

    /** These options with {@code baseDirectory} as the function's directory. */
    public ReadOptions withBaseDirectory(Path dir) {
        return new ReadOptions(nuclio, defaultName, dir, runtime, handler, env, httpPort, classpath);
    }
}
