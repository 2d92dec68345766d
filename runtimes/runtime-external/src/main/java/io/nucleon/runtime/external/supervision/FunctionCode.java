package io.nucleon.runtime.external.supervision;

import java.net.URL;
import java.nio.file.Path;

/** Where a function's code is: a directory on disk, or a directory inside a jar, unpacked into the {@link RunDirectory} at start. */
public sealed interface FunctionCode {

    /** Code in a directory on disk, used where it is. */
    record OnDisk(Path directory) implements FunctionCode {}

    /**
     * Code under {@code prefix/} of the jar that holds {@code module} (the URL of the handler's module
     * file found on the class path).
     */
    record InJar(URL module, String prefix) implements FunctionCode {}
}
