package io.nucleon.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each command's {@code --help}, and the command lines the runner refuses with exit code 2. */
class CommandLineIT {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} --help")
    @CsvSource({
        "run,   usage: java -jar nucleon.jar run <dir or function.yaml> [options]",
        "check, usage: java -jar nucleon.jar check <dir or function.yaml> [options]",
        "init,  usage: java -jar nucleon.jar init --runtime python|nodejs|java <name>",
    })
    void eachCommandDescribesItselfAndItsExitCodes(String command, String firstLine) {
        RunnerCli.Result r = RunnerCli.exec(dir, command, "--help");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith(firstLine + "\n"), r.toString());
        assertTrue(r.out().contains("exit codes: 0 "), r.toString());
        assertEquals("", r.err());
    }

    @Test
    void theRunnerListsItsCommandsAndExitCodes() {
        RunnerCli.Result r = RunnerCli.exec(dir, "--help");
        assertEquals(0, r.exitCode(), r.toString());
        for (String expected : new String[] {
            "usage: java -jar nucleon.jar <command> [options]",
            "  run <dir or function.yaml>",
            "  check <dir or function.yaml>",
            "  init --runtime python|nodejs|java <name>",
            "exit codes: 0 done or stopped, 1 could not start, 2 bad configuration or command line"
        }) {
            assertTrue(r.out().contains(expected), expected + " in\n" + r);
        }
    }

    @Test
    void runDescribesEveryFlag() {
        String help = RunnerCli.exec(dir, "run", "--help").out();
        for (String flag : new String[] {
            "--watch",
            "--runtime",
            "--handler",
            "--env NAME=VALUE",
            "--port",
            "--classpath",
            "--nuclio",
            "--control-host",
            "--control-port",
            "--control-token-file",
            "--no-control",
            "--log-format"
        }) {
            assertTrue(help.contains("  " + flag), flag + " in\n" + help);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "no command at all                 |                                      | a command is needed",
                "an unknown command                | deploy .                             | unknown command 'deploy'",
                "run without a function            | run                                  | the function's directory or function.yaml is needed",
                "run with an unknown option        | run . --replicas 3                   | unknown option '--replicas'",
                "run with two functions            | run a b                              | unexpected argument 'b'",
                "run with a port that is no number | run . --port http                     | --port must be a number from 1 to 65535, got 'http'",
                "run with --env not NAME=VALUE     | run . --env TOKEN                    | --env needs NAME=VALUE, got 'TOKEN'",
                "run with a flag's value missing   | run . --handler                      | --handler needs a value",
                "run with a bad log format         | run . --log-format xml               | log format must be text or json, got 'xml'",
                "run with a missing directory      | run missing                          | missing: no such directory or file",
                "check with a missing file         | check missing/function.yaml          | missing/function.yaml: no such directory or file",
                "check with a control flag         | check . --no-control                 | unknown option '--no-control'",
                "init without a runtime            | init fn                              | --runtime is needed: python, nodejs or java",
                "init with an unknown runtime      | init --runtime golang fn             | --runtime must be python, nodejs or java, got 'golang'",
                "init without a name               | init --runtime python                | the new function's name (its directory) is needed",
                "init with a name Nucleon refuses  | init --runtime python 'my fn'        | 'my fn' cannot name a function",
            })
    void aBadCommandLineExitsWith2AndSaysWhatIsWrong(String what, String args, String message) {
        String[] argv = args == null ? new String[0] : split(args);
        RunnerCli.Result r = RunnerCli.exec(dir, argv);
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("nucleon: " + message), r.toString());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
    }

    @Test
    void initRefusesADirectoryThatIsNotEmpty() throws Exception {
        Files.createDirectories(dir.resolve("taken"));
        Files.writeString(dir.resolve("taken/notes.txt"), "mine");
        RunnerCli.Result r = RunnerCli.exec(dir, "init", "--runtime", "python", "taken");
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals("nucleon: taken already exists and is not an empty directory: choose another name\n", r.err());
        assertEquals("mine", Files.readString(dir.resolve("taken/notes.txt")));
        try (var left = Files.list(dir.resolve("taken"))) {
            assertEquals(1, left.count(), "nothing written next to what was there");
        }
    }

    /** Splits on spaces, keeping 'quoted words' together. */
    private static String[] split(String args) {
        java.util.List<String> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("'([^']*)'|(\\S+)").matcher(args);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out.toArray(String[]::new);
    }
}
