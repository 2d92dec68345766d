package io.nucleon.runner;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What {@code run --watch} watches: the function's directory (recursively) and its class path (a class
 * directory recursively, a jar as one file). {@link #awaitChanges} blocks until something changed and
 * then stayed quiet for the debounce time, so that an editor's save (often several writes and a rename)
 * or a build's burst of files makes one restart.
 *
 * <p>What tools write next to the code is not a change: hidden files and directories, Python's
 * {@code __pycache__} and {@code .pyc}, {@code node_modules}, editors' backup and swap files.
 */
final class WatchedPaths implements AutoCloseable {
    private static final Set<String> IGNORED_DIRECTORIES = Set.of("__pycache__", "node_modules");

    private final WatchService service;
    private final Map<WatchKey, Path> directories = new HashMap<>();
    /** Directories watched with all they hold. */
    private final Set<Path> trees = new HashSet<>();
    /** Single files (jars) watched through their directory. */
    private final Set<Path> files = new HashSet<>();

    WatchedPaths() throws IOException {
        this.service = FileSystems.getDefault().newWatchService();
    }

    /** Whether a change to {@code path} is the tools' and not the code's. */
    static boolean ignored(Path path) {
        Path name = path.getFileName();
        if (name == null) {
            return false;
        }
        String n = name.toString();
        return n.startsWith(".")
                || IGNORED_DIRECTORIES.contains(n)
                || n.endsWith("~")
                || n.endsWith(".pyc")
                || n.endsWith(".swp")
                || n.endsWith(".swx")
                || n.endsWith(".tmp")
                || n.equals("4913"); // vim's probe of whether it may write the directory
    }

    /** Watches {@code path}: a directory with all it holds, or one file. Missing paths are skipped. */
    synchronized void watch(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        if (Files.isDirectory(p)) {
            if (trees.add(p)) {
                registerTree(p);
            }
        } else if (p.getParent() != null && Files.isDirectory(p.getParent()) && files.add(p)) {
            register(p.getParent());
        }
    }

    private void registerTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(root) && ignored(d)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                register(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void register(Path dir) throws IOException {
        if (!directories.containsValue(dir)) {
            WatchKey key = dir.register(
                    service,
                    StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            directories.put(key, dir);
        }
    }

    /**
     * Waits for a change, then until nothing more changes for {@code quiet}.
     *
     * @return the changed paths, relative to {@code base} where they are under it; empty when closed
     */
    Set<String> awaitChanges(Duration quiet, Path base) throws InterruptedException {
        Map<Path, Boolean> changed = new HashMap<>(); // path -> created within this wait
        try {
            while (changed.isEmpty()) {
                collect(service.take(), changed);
            }
            for (WatchKey key = service.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
                    key != null;
                    key = service.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) {
                collect(key, changed);
            }
        } catch (ClosedWatchServiceException e) {
            return Set.of();
        }
        Set<String> names = new TreeSet<>();
        changed.forEach((p, created) -> {
            // a file made and removed again within the wait (an editor's or sed's temporary file) changed nothing
            if (!created || Files.exists(p)) {
                names.add(p.startsWith(base) ? base.relativize(p).toString() : p.toString());
            }
        });
        if (names.isEmpty()) {
            return awaitChanges(quiet, base);
        }
        return names;
    }

    private synchronized void collect(WatchKey key, Map<Path, Boolean> changed) {
        Path dir = directories.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
            if (dir == null) {
                continue; // a directory no longer watched
            }
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                changed.putIfAbsent(dir, false); // events were lost: something in it changed
                continue;
            }
            Path p = dir.resolve((Path) event.context());
            if (!relevant(p)) {
                continue;
            }
            if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(p) && underTree(p)) {
                try {
                    registerTree(p);
                } catch (IOException e) {
                    // gone again already: its deletion is another event
                }
            }
            changed.merge(p, event.kind() == StandardWatchEventKinds.ENTRY_CREATE, (was, now) -> was);
        }
        if (!key.reset()) {
            directories.remove(key);
        }
    }

    private boolean relevant(Path p) {
        if (files.contains(p)) {
            return true;
        }
        if (!underTree(p)) {
            return false;
        }
        for (Path root : trees) {
            if (p.startsWith(root)) {
                for (Path part : root.relativize(p)) {
                    if (ignored(part)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private boolean underTree(Path p) {
        for (Path root : trees) {
            if (p.startsWith(root)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        service.close();
    }
}
