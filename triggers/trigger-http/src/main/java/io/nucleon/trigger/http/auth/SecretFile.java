package io.nucleon.trigger.http.auth;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Objects;

/**
 * A file {@code auth} reads credentials, tokens or keys from, named by one attribute. Read whole
 * (it is small: at most {@link #MAX_BYTES}) when the credentials are loaded, never per request.
 * Its {@linkplain #stamp stamp} (modification time, size and file key, following symbolic links
 * as Kubernetes' secret volumes need) tells the reloader whether it changed.
 */
final class SecretFile {
    /** The largest file read: far above any credentials file, far below a memory problem. */
    static final int MAX_BYTES = 1 << 20;

    private final String attribute;
    private final Path path;

    SecretFile(String attribute, String path) {
        this.attribute = attribute;
        this.path = Path.of(path);
    }

    String attribute() {
        return attribute;
    }

    Path path() {
        return path;
    }

    /** The file's bytes. The caller clears them once used. */
    byte[] read() throws AuthConfigException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                throw problem("is not a regular file");
            }
            if (a.size() > MAX_BYTES) {
                throw problem("is larger than 1MiB (" + a.size() + " bytes)");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw problem("does not exist");
        } catch (AccessDeniedException e) {
            throw problem("cannot be read (permission denied)");
        } catch (IOException e) {
            throw problem("cannot be read: " + e.getClass().getSimpleName());
        }
    }

    /** What changes when the file does; a missing or unreadable file has a stamp of its own. */
    Object stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return Arrays.asList(a.lastModifiedTime().toMillis(), a.size(), Objects.toString(a.fileKey()));
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    /** A problem with this file, naming the attribute and the path. */
    AuthConfigException problem(String what) {
        return new AuthConfigException(attribute, path + " " + what);
    }

    /** A problem with one line of this file, by number (the line itself is never shown). */
    AuthConfigException problem(int line, String what) {
        return new AuthConfigException(attribute, path + ", line " + line + ": " + what);
    }

    /** {@code bytes} without one trailing line ending ({@code \n} or {@code \r\n}), as secrets written by {@code echo} have. */
    static int lengthWithoutNewline(byte[] bytes) {
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\n') {
            n--;
            if (n > 0 && bytes[n - 1] == '\r') {
                n--;
            }
        }
        return n;
    }
}
