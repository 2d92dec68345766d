package io.nucleon.runtime.external.supervision;

import io.nucleon.spi.AttributeProblems;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which of the processor's environment variables a wrapper inherits. The processor's environment
 * often holds credentials (cloud keys, database passwords, tokens) that a handler has no business
 * seeing, so by default a wrapper gets only {@link #INHERITED_BY_DEFAULT}; {@code spec.env} and the
 * runtime's own {@code NUCLEON_*} variables are added on top of that by {@link WrapperLauncher}.
 * {@code runtimeAttributes.inheritEnvNames} adds names or prefixes, {@code inheritEnv: true} passes
 * everything. Chosen once, when the function is built (a JVM's environment does not change).
 * Immutable and thread-safe.
 */
public final class WrapperEnvironment {
    /**
     * The processor's variables every wrapper inherits: what an interpreter needs to find programs and
     * the user's packages ({@code PATH}, {@code HOME}), to pick its locale and time zone ({@code LANG},
     * {@code LANGUAGE}, {@code LC_*}, {@code TZ}), where to put temporary files ({@code TMPDIR}), and the
     * interpreters' own settings ({@code PYTHON*}, e.g. {@code PYTHONPATH}; {@code NODE*}, e.g.
     * {@code NODE_OPTIONS}, {@code NODE_EXTRA_CA_CERTS}). A name ending in {@code *} is a prefix.
     * This list is the one source of truth; {@code docs/configuration.md} cites it.
     */
    public static final List<String> INHERITED_BY_DEFAULT =
            List.of("PATH", "HOME", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR", "PYTHON*", "NODE*");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\*?");

    private final boolean inheritAll;
    private final SortedMap<String, String> inherited;
    private final SortedSet<String> withheld;

    private WrapperEnvironment(boolean inheritAll, SortedMap<String, String> inherited, SortedSet<String> withheld) {
        this.inheritAll = inheritAll;
        this.inherited = Collections.unmodifiableSortedMap(inherited);
        this.withheld = Collections.unmodifiableSortedSet(withheld);
    }

    /**
     * The part of {@code processorEnv} the wrappers inherit under {@code runtimeAttributes.inheritEnv}
     * and {@code inheritEnvNames}. Every entry of {@code inheritEnvNames} that is not a variable name
     * or a prefix ending in {@code *} is added to {@code problems} (and left out).
     */
    public static WrapperEnvironment of(
            boolean inheritEnv,
            List<String> inheritEnvNames,
            Map<String, String> processorEnv,
            AttributeProblems problems) {
        List<String> patterns = new ArrayList<>(INHERITED_BY_DEFAULT);
        List<String> extra = inheritEnvNames == null ? List.of() : inheritEnvNames;
        for (int i = 0; i < extra.size(); i++) {
            String n = extra.get(i) == null ? "" : extra.get(i).trim();
            if (problems.check(
                    NAME.matcher(n).matches(),
                    "inheritEnvNames",
                    "entry " + i + " (\"" + UntrustedText.oneLine(n)
                            + "\") must be a variable name, or a prefix ending in * such as MYAPP_*; letters, digits and _"
                            + " only (inheritEnv: true passes the whole environment)")) {
                patterns.add(n);
            }
        }
        SortedMap<String, String> inherited = new TreeMap<>();
        SortedSet<String> withheld = new TreeSet<>();
        processorEnv.forEach((name, value) -> {
            if (inheritEnv || matches(patterns, name)) {
                inherited.put(name, value);
            } else {
                withheld.add(name);
            }
        });
        return new WrapperEnvironment(inheritEnv, inherited, withheld);
    }

    private static boolean matches(List<String> patterns, String name) {
        for (String p : patterns) {
            if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** The processor's variables a wrapper inherits, by name. */
    public Map<String, String> inherited() {
        return inherited;
    }

    /** The names (never the values) of the processor's variables a wrapper does not inherit. */
    public SortedSet<String> withheldNames() {
        return withheld;
    }

    /** Whether {@code runtimeAttributes.inheritEnv} passes the whole environment. */
    public boolean inheritsAll() {
        return inheritAll;
    }
}
