package io.nucleon.core.testing;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The counts of one test, for the objects the engine makes itself (a handler named by class, a
 * binding from a factory found by ServiceLoader), to which a test cannot hand anything. The test opens
 * a tally and names it in the function (an env value, an attribute); the object finds it by that id.
 * Each test has its own, so counts never mix between tests, in whatever order or number they run.
 * Thread-safe.
 */
public final class Tally implements AutoCloseable {
    /** The open tallies by id: only the way from an id to its tally, never counts of its own. */
    private static final Map<String, Tally> OPEN = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    private Tally() {}

    /** A new, empty tally; close it at the end of the test. */
    public static Tally open() {
        Tally t = new Tally();
        OPEN.put(t.id, t);
        return t;
    }

    /** The open tally {@code id}. */
    public static Tally of(String id) {
        Tally t = OPEN.get(id);
        if (t == null) {
            throw new IllegalStateException(
                    "no open tally '" + id + "': the test must open it and keep it open while the function runs");
        }
        return t;
    }

    public String id() {
        return id;
    }

    /** Counts one {@code what}. */
    public void add(String what) {
        counts.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }

    /** How many {@code what} were counted. */
    public int count(String what) {
        AtomicInteger n = counts.get(what);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        OPEN.remove(id);
    }
}
