package io.nucleon.async.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A directory nobody can write into, for tests, made the strongest way this process can: as root
 * (whom chmod does not stop) a read-only tmpfs mounted on it; otherwise mode 0500. {@link #close()}
 * undoes it. Fails the test (never skips it) when neither works.
 */
final class ReadOnlyDirectory implements AutoCloseable {
    private final Path dir;
    private final boolean mounted;

    private ReadOnlyDirectory(Path dir, boolean mounted) {
        this.dir = dir;
        this.mounted = mounted;
    }

    static ReadOnlyDirectory make(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        if (!writable(dir)) {
            return new ReadOnlyDirectory(dir, false);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        // root: chmod is not enough, a read-only file system is
        run("mount", "-t", "tmpfs", "-o", "ro,size=1m,mode=0700", "nucleon-ro-test", dir.toString());
        ReadOnlyDirectory ro = new ReadOnlyDirectory(dir, true);
        if (writable(dir)) {
            ro.close();
            throw new AssertionError("could not make " + dir + " read-only (neither chmod nor a read-only mount)");
        }
        return ro;
    }

    /**
     * A read-only file system (tmpfs) mounted on {@code dir} whose root has {@code mode} (such as
     * {@code 0755}): its mode cannot be changed, not even by root. Needs root, as mounting does.
     */
    static ReadOnlyDirectory mountedWithMode(Path dir, String mode) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        run("mount", "-t", "tmpfs", "-o", "ro,size=1m,mode=" + mode, "nucleon-ro-test", dir.toString());
        return new ReadOnlyDirectory(dir, true);
    }

    private static boolean writable(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " failed: "
                    + new String(p.getInputStream().readAllBytes()));
        }
    }

    @Override
    public void close() throws IOException {
        if (mounted) {
            try {
                run("umount", dir.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
