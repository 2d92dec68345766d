package io.nucleon.runner;

import io.nucleon.api.FunctionConfigException;
import io.nucleon.api.FunctionConfigException.ConfigProblem;
import io.nucleon.core.ControlOptions;
import io.nucleon.core.FunctionProcessor;
import io.nucleon.core.Launcher;
import io.nucleon.core.Launcher.UsageException;
import io.nucleon.core.config.InvalidFunction;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code check <dir or function.yaml>}: reads the function and constructs its processor, which resolves
 * its runtime, triggers and bindings and checks their attributes, without starting anything. Prints the
 * platform fields Nucleon does not apply, then every problem and every warning, one per line
 * ({@code file:line: path: message}), then a summary line.
 */
final class CheckCommand {
    static final String USAGE = String.join(
            "\n",
            "usage: java -jar nucleon.jar check <dir or function.yaml> [options]",
            "",
            "Validates a function as `run` would start it (its runtime, triggers and bindings are resolved and",
            "their attributes checked; nothing is started or connected) and prints, one per line:",
            "  not applied by Nucleon: ...        Nuclio's platform fields the file sets, which a processor ignores",
            "  file:line: path: message           each problem",
            "  file:line: path: warning: message  each warning (keys Nuclio would ignore, ...)",
            "then a summary line. A java function's .java files are compiled (compile errors are problems).",
            "",
            "options (the same as run's, to check a function as it would be run):",
            FunctionFlags.USAGE,
            "  --help                  this text",
            "",
            "exit codes: 0 valid (even with warnings), 2 invalid or a bad command line");

    private final PrintStream out;
    private final PrintStream err;

    CheckCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) {
        FunctionFlags flags = new FunctionFlags();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    out.println(USAGE);
                    return Runner.OK;
                }
                int used = flags.accept(args, i);
                if (used < 0) {
                    throw new UsageException("unknown option '" + a + "'");
                }
                i = used;
            }
            if (flags.location() == null) {
                throw new UsageException("the function's directory or function.yaml is needed");
            }
        } catch (UsageException e) {
            err.println("nucleon: " + e.getMessage() + "\n" + USAGE);
            return Runner.BAD_INPUT;
        }
        // what check finds, it prints; the engine's own log would only repeat it
        if (System.getProperty("NUCLEON_LOG_LEVEL") == null && System.getenv("NUCLEON_LOG_LEVEL") == null) {
            System.setProperty("NUCLEON_LOG_LEVEL", "OFF");
        }
        Launcher.configureLogging("text");

        String name;
        try {
            name = LoadedFunction.Location.of(flags.location()).name(flags.location());
        } catch (UsageException e) {
            err.println("nucleon: " + e.getMessage());
            return Runner.BAD_INPUT;
        }
        List<ConfigProblem> problems = new ArrayList<>();
        List<ConfigProblem> warnings = new ArrayList<>();
        List<String> notApplied = List.of();
        try (LoadedFunction function = LoadedFunction.load(flags)) {
            warnings.addAll(function.spec().warnings());
            notApplied = function.spec().notApplied();
            FunctionProcessor processor = function.newProcessor(ControlOptions.DEFAULT);
            warnings.clear();
            warnings.addAll(processor.warnings());
        } catch (InvalidFunction e) { // the file itself: its warnings were found too
            problems.addAll(e.problems());
            warnings.clear();
            warnings.addAll(e.warnings());
            notApplied = e.notApplied();
        } catch (FunctionConfigException e) {
            problems.addAll(e.problems());
        } catch (JavaSources.CompileFailure e) {
            for (String error : e.errors()) {
                problems.add(new ConfigProblem(null, 0, "", error));
            }
        } catch (JavaSources.NoCompiler e) {
            problems.add(new ConfigProblem(null, 0, "", e.getMessage()));
        }

        if (!notApplied.isEmpty()) {
            out.println("not applied by Nucleon: " + String.join(", ", notApplied));
        }
        for (ConfigProblem p : problems) {
            out.println(p);
        }
        for (ConfigProblem w : warnings) {
            out.println(new ConfigProblem(w.file(), w.line(), w.path(), "warning: " + w.message()));
        }
        out.println(name + ": " + (problems.isEmpty() ? "valid" : count(problems.size(), "problem")) + ", "
                + count(warnings.size(), "warning"));
        return problems.isEmpty() ? Runner.OK : Runner.BAD_INPUT;
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
