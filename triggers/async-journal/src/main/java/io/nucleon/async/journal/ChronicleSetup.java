package io.nucleon.async.journal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * What Chronicle Queue needs from the JVM, and the settings this module makes before any Chronicle
 * class is loaded.
 *
 * <p>Embedded users must start the JVM with {@link #requiredJvmFlags()} (a fat jar built by Nucleon
 * carries them as {@code Add-Opens}/{@code Add-Exports} manifest entries). {@link #missingJvmFlags()}
 * tells which of them the running JVM lacks.
 */
public final class ChronicleSetup {

    /** Chronicle sends usage analytics to an outside host unless this is true. */
    public static final String ANALYTICS_DISABLE = "chronicle.analytics.disable";
    /** Chronicle prints a banner (with a marketing link) on first use unless this is true. */
    public static final String ANNOUNCER_DISABLE = "chronicle.announcer.disable";

    private static final List<String> FLAGS = loadFlags();

    private ChronicleSetup() {}

    /**
     * Disables Chronicle's analytics and banner (unless the user set these properties explicitly).
     * Called by {@link AsyncJournal} before it touches a Chronicle class; Chronicle reads the
     * analytics property when it first builds a queue. The chronicle-analytics jar is also excluded
     * from this module's dependencies, which makes Chronicle's analytics a no-op on its own.
     */
    public static void prepare() {
        if (System.getProperty(ANALYTICS_DISABLE) == null) {
            System.setProperty(ANALYTICS_DISABLE, "true");
        }
        if (System.getProperty(ANNOUNCER_DISABLE) == null) {
            System.setProperty(ANNOUNCER_DISABLE, "true");
        }
    }

    /** The JVM options Chronicle Queue needs on JDK 17 and later, as command-line flags. */
    public static List<String> requiredJvmFlags() {
        return FLAGS;
    }

    /** The flags of {@link #requiredJvmFlags()} that this JVM lacks (modules it does not have are ignored). */
    public static List<String> missingJvmFlags() {
        Module unnamed = ChronicleSetup.class.getClassLoader().getUnnamedModule();
        List<String> missing = new ArrayList<>();
        for (String flag : FLAGS) {
            boolean opens = flag.startsWith("--add-opens=");
            String spec = flag.substring(flag.indexOf('=') + 1); // module/package=ALL-UNNAMED
            String modPkg = spec.substring(0, spec.indexOf('='));
            String module = modPkg.substring(0, modPkg.indexOf('/'));
            String pkg = modPkg.substring(modPkg.indexOf('/') + 1);
            Optional<Module> m = ModuleLayer.boot().findModule(module);
            if (m.isEmpty()) {
                continue;
            }
            boolean ok = opens ? m.get().isOpen(pkg, unnamed) : m.get().isExported(pkg, unnamed);
            if (!ok) {
                missing.add(flag);
            }
        }
        return missing;
    }

    private static List<String> loadFlags() {
        Properties p = new Properties();
        try (InputStream in = ChronicleSetup.class.getResourceAsStream("chronicle-jvm-flags.properties")) {
            if (in == null) {
                throw new IllegalStateException("chronicle-jvm-flags.properties is missing from the jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(Arrays.asList(p.getProperty("flags").trim().split("\\s+")));
    }
}
