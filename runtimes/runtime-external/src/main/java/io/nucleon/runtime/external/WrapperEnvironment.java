package io.nucleon.runtime.external;

import io.nucleon.spi.RuntimeContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Which of the processor's environment variables a wrapper inherits. The processor's environment
 * often holds credentials (cloud keys, database passwords, tokens) that a handler has no business
 * seeing, so by default a wrapper gets only {@link #INHERITED_BY_DEFAULT}; {@code spec.env} and the
 * runtime's own {@code NUCLEON_*} variables are added on top of that by {@link WrapperProcess}.
 * {@code runtimeAttributes.inheritEnvNames} adds names or prefixes, {@code inheritEnv: true} passes
 * everything. Immutable and thread-safe.
 */
final class WrapperEnvironment {
    /**
     * The processor's variables every wrapper inherits: what an interpreter needs to find programs and
     * the user's packages ({@code PATH}, {@code HOME}), to pick its locale and time zone ({@code LANG},
     * {@code LANGUAGE}, {@code LC_*}, {@code TZ}), where to put temporary files ({@code TMPDIR}), and the
     * interpreters' own settings ({@code PYTHON*}, e.g. {@code PYTHONPATH}; {@code NODE*}, e.g.
     * {@code NODE_OPTIONS}, {@code NODE_EXTRA_CA_CERTS}). A name ending in {@code *} is a prefix.
     * This list is the one source of truth; {@code docs/configuration.md} cites it.
     */
    static final List<String> INHERITED_BY_DEFAULT =
            List.of("PATH", "HOME", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR", "PYTHON*", "NODE*");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\*?");

    private final boolean inheritAll;
    private final List<String> names = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();

    private WrapperEnvironment(boolean inheritAll, List<String> patterns) {
        this.inheritAll = inheritAll;
        for (String p : patterns) {
            if (p.endsWith("*")) {
                prefixes.add(p.substring(0, p.length() - 1));
            } else {
                names.add(p);
            }
        }
    }

    /**
     * The rule of {@code runtimeAttributes.inheritEnv} and {@code inheritEnvNames}.
     *
     * @throws io.nucleon.api.FunctionConfigException naming the entry of {@code inheritEnvNames} that is not a
     *                                                 variable name or a prefix ending in {@code *}
     */
    static WrapperEnvironment of(ExternalRuntimeConfig config, RuntimeContext context) {
        List<String> patterns = new ArrayList<>(INHERITED_BY_DEFAULT);
        List<String> extra = config.inheritEnvNames == null ? List.of() : config.inheritEnvNames;
        for (int i = 0; i < extra.size(); i++) {
            String n = extra.get(i) == null ? "" : extra.get(i).trim();
            if (!NAME.matcher(n).matches()) {
                throw context.attributeError("inheritEnvNames", "entry " + i + " (\"" + UntrustedText.oneLine(n)
                        + "\") must be a variable name, or a prefix ending in * such as MYAPP_*; letters, digits and _"
                        + " only (inheritEnv: true passes the whole environment)");
            }
            patterns.add(n);
        }
        return new WrapperEnvironment(config.inheritEnv, patterns);
    }

    /** Whether a wrapper inherits the processor's variable {@code name}. */
    boolean inherits(String name) {
        if (inheritAll || names.contains(name)) {
            return true;
        }
        for (String p : prefixes) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The part of {@code processorEnv} a wrapper inherits, sorted by name. */
    Map<String, String> select(Map<String, String> processorEnv) {
        Map<String, String> out = new TreeMap<>();
        processorEnv.forEach((k, v) -> {
            if (inherits(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    boolean inheritsAll() {
        return inheritAll;
    }
}
