package io.nucleon.runtime.external;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sees through a pyenv shim. An interpreter found on {@code PATH} is often pyenv's shim, a bash script
 * that runs {@code pyenv exec}, which works out the Python version before it starts the interpreter:
 * about 60 ms on this project's machines, paid by every wrapper start (the interpreter itself starts
 * in about 30). When the version is the one pyenv would pick from its global {@code version} file (no
 * {@code PYENV_VERSION} in the processor's or the function's environment, no {@code .python-version}
 * where the wrapper runs or above it) and that version's interpreter is installed, the wrapper is
 * started with it directly. In every other case (another plugin's shim, a local or shell version, a
 * {@code system} version, anything unexpected) the shim is kept: it is never wrong, only slower.
 */
final class PyenvShim {
    /** The shim's own line {@code export PYENV_ROOT="…"} and its last line {@code exec "…/libexec/pyenv" exec …}. */
    private static final Pattern ROOT = Pattern.compile("(?m)^export PYENV_ROOT=\"([^\"\\n]+)\"$");

    private static final Pattern EXEC =
            Pattern.compile("(?m)^exec \"[^\"\\n]*/libexec/pyenv\" exec \"\\$program\" \"\\$@\"$");

    private PyenvShim() {}

    /**
     * The interpreter pyenv's shim at {@code found} would run, or {@code found} itself.
     *
     * @param env      the processor's environment
     * @param spec     the function's {@code spec.env}
     * @param workDirs where the wrapper may run (its code directory, the run directory's base)
     */
    static Path resolve(Path found, Map<String, String> env, Map<String, String> spec, List<Path> workDirs) {
        String script = head(found);
        if (script == null || !script.startsWith("#!") || !EXEC.matcher(script).find()) {
            return found;
        }
        Matcher root = ROOT.matcher(script);
        if (!root.find() || env.containsKey("PYENV_VERSION") || spec.containsKey("PYENV_VERSION")) {
            return found;
        }
        for (Path dir : workDirs) {
            for (Path d = dir == null ? null : dir.toAbsolutePath(); d != null; d = d.getParent()) {
                if (Files.exists(d.resolve(".python-version"))) {
                    return found; // a local version: pyenv's choice depends on where the wrapper runs
                }
            }
        }
        try {
            Path pyenvRoot = Path.of(root.group(1));
            List<String> lines = Files.readAllLines(pyenvRoot.resolve("version"), StandardCharsets.UTF_8);
            String version = lines.stream()
                    .map(String::trim)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .findFirst()
                    .orElse("");
            if (version.isEmpty() || version.equals("system") || version.contains("/") || version.contains("..")) {
                return found;
            }
            Path real = pyenvRoot
                    .resolve("versions")
                    .resolve(version)
                    .resolve("bin")
                    .resolve(found.getFileName().toString());
            return Files.isRegularFile(real) && Files.isExecutable(real) ? real : found;
        } catch (IOException | RuntimeException e) {
            return found;
        }
    }

    /** The first 4 KiB of {@code file} as text, or {@code null} when it cannot be read. */
    private static String head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
