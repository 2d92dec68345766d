package io.nucleon.runtime.external;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PyenvShim} on a pyenv tree laid out on disk as pyenv lays it out, with a shim as pyenv writes it. */
class PyenvShimTest {
    @TempDir
    Path tmp;

    private Path root;
    private Path shim;
    private Path real;
    private Path work;

    @BeforeEach
    void pyenv() throws Exception {
        root = tmp.resolve("pyenv");
        Files.createDirectories(root.resolve("shims"));
        shim = executable(
                root.resolve("shims/python3"),
                String.join(
                        "\n",
                        "#!/usr/bin/env bash",
                        "set -e",
                        "[ -n \"$PYENV_DEBUG\" ] && set -x",
                        "",
                        "program=\"${0##*/}\"",
                        "",
                        "export PYENV_ROOT=\"" + root + "\"",
                        "exec \"" + root + "/libexec/pyenv\" exec \"$program\" \"$@\"",
                        ""));
        Files.createDirectories(root.resolve("versions/3.11.7/bin"));
        real = executable(root.resolve("versions/3.11.7/bin/python3"), "#!/bin/sh\n");
        Files.writeString(root.resolve("version"), "3.11.7\n");
        work = Files.createDirectories(tmp.resolve("work/code"));
    }

    private static Path executable(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private Path resolve(Map<String, String> env, Map<String, String> spec) {
        return PyenvShim.resolve(shim, env, spec, Arrays.asList(work, null));
    }

    @Test
    void theGlobalVersionsInterpreterIsUsedDirectly() {
        assertEquals(real, resolve(Map.of(), Map.of()));
    }

    @Test
    void theShimIsKeptWheneverPyenvsChoiceCouldDiffer() throws Exception {
        assertEquals(shim, resolve(Map.of("PYENV_VERSION", "3.11.7"), Map.of()), "a shell version");
        assertEquals(shim, resolve(Map.of(), Map.of("PYENV_VERSION", "3.12.1")), "a version in spec.env");
        Files.writeString(tmp.resolve("work/.python-version"), "3.12.1\n");
        assertEquals(shim, resolve(Map.of(), Map.of()), "a local version above the code directory");
        Files.delete(tmp.resolve("work/.python-version"));

        Files.writeString(root.resolve("version"), "system\n");
        assertEquals(shim, resolve(Map.of(), Map.of()), "the system's Python");
        Files.writeString(root.resolve("version"), "3.10.0\n");
        assertEquals(shim, resolve(Map.of(), Map.of()), "a version that is not installed");
        Files.writeString(root.resolve("version"), "../../bin\n");
        assertEquals(shim, resolve(Map.of(), Map.of()), "a version that leaves versions/");
        Files.writeString(root.resolve("version"), "3.11.7\n");
        assertEquals(real, resolve(Map.of(), Map.of()));
    }

    @Test
    void anythingButPyenvsShimIsLeftAlone() throws Exception {
        Path other = executable(tmp.resolve("python3"), "#!/usr/bin/env bash\nexec /usr/bin/python3 \"$@\"\n");
        assertEquals(other, PyenvShim.resolve(other, Map.of(), Map.of(), List.of(work)));
        Path binary = executable(tmp.resolve("python3-bin"), "\u007fELF not a script");
        assertEquals(binary, PyenvShim.resolve(binary, Map.of(), Map.of(), List.of(work)));
        Path missing = tmp.resolve("nowhere/python3");
        assertEquals(missing, PyenvShim.resolve(missing, Map.of(), Map.of(), List.of(work)));
    }
}
