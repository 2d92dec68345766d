package io.nucleon.runner;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code java -jar nucleon.jar <command> ...}: runs, checks and scaffolds a function's directory, as
 * {@code nuctl deploy} does for Nuclio, with every trigger, runtime and binding in the one jar.
 *
 * <p>Exit codes, the same for every command: {@value #OK} when done (or stopped by SIGTERM or SIGINT),
 * {@value #COULD_NOT_START} when the function could not start, {@value #BAD_INPUT} for a bad
 * configuration or command line. Messages start with {@code nucleon:} and carry no stack trace.
 */
public final class Runner {
    /** Done; or, for {@code run}, stopped by a signal after draining. */
    public static final int OK = 0;
    /** The function could not start (a port in use, an init hook that failed, no compiler). */
    public static final int COULD_NOT_START = 1;
    /** A bad configuration (every problem printed) or command line. */
    public static final int BAD_INPUT = 2;

    static final String USAGE = String.join(
            "\n",
            "usage: java -jar nucleon.jar <command> [options]",
            "",
            "commands:",
            "  run <dir or function.yaml>   run a function (add --watch to restart it when its code changes)",
            "  check <dir or function.yaml> validate a function: every problem and warning, one per line",
            "  init --runtime python|nodejs|java <name>",
            "                               make a new function directory that `run <name>` serves",
            "",
            "`java -jar nucleon.jar <command> --help` describes a command.",
            "exit codes: 0 done or stopped, 1 could not start, 2 bad configuration or command line");

    private Runner() {}

    /** Runs the command in {@code args} and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command in {@code args}; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("nucleon: a command is needed\n" + USAGE);
            return BAD_INPUT;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "run" -> new RunCommand(out, err).run(rest);
            case "check" -> new CheckCommand(out, err).run(rest);
            case "init" -> new InitCommand(out, err).run(rest);
            case "--help", "-h", "help" -> {
                out.println(USAGE);
                yield OK;
            }
            default -> {
                err.println("nucleon: unknown command '" + args[0] + "'\n" + USAGE);
                yield BAD_INPUT;
            }
        };
    }
}
