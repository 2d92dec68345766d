package io.nucleon.core.control;

import io.nucleon.api.Response;
import io.nucleon.spi.AdminEndpoint;
import io.nucleon.spi.AdminRequest;
import io.nucleon.spi.ErrorResponses;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * The triggers' admin operations ({@link AdminEndpoint}s), served by the control server under
 * {@value #PREFIX}{@code <trigger>/…}. Filled while triggers are made and started, read by the control
 * server's endpoint threads: thread-safe.
 */
public final class AdminEndpoints {
    /** Where the admin endpoints live on the control server. */
    public static final String PREFIX = "/triggers/";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~-]+");
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+/?");

    private record Entry(String path, Set<String> methods, AdminEndpoint endpoint) {
        boolean prefix() {
            return path.endsWith("/");
        }

        boolean allows(String method) {
            return methods.contains(method) || (method.equals("HEAD") && methods.contains("GET"));
        }

        String allowHeader() {
            Set<String> all = new LinkedHashSet<>(methods);
            if (all.contains("GET")) {
                all.add("HEAD");
            }
            return String.join(", ", all);
        }
    }

    private final ConcurrentHashMap<String, Entry> exact = new ConcurrentHashMap<>();
    /** Longest first. */
    private final List<Entry> prefixes = new CopyOnWriteArrayList<>();

    /**
     * Adds {@code endpoint} at {@value #PREFIX}{@code <trigger><path>}.
     *
     * @throws IllegalArgumentException when the trigger name or path is not made of URL-safe segments,
     *                                  or the place is taken
     */
    public synchronized void add(String trigger, String path, Set<String> methods, AdminEndpoint endpoint) {
        if (trigger == null || !SEGMENT.matcher(trigger).matches()) {
            throw new IllegalArgumentException(
                    "an admin endpoint's trigger name must be a URL-safe path segment, got " + trigger);
        }
        if (path == null
                || !PATH.matcher(path).matches()
                || path.contains("/./")
                || path.contains("/../")
                || path.endsWith("/.")
                || path.endsWith("/..")) {
            throw new IllegalArgumentException(
                    "an admin endpoint's path is one or more '/segment's (letters, digits, . _ ~ -; not . or ..), got "
                            + path);
        }
        if (methods == null || methods.isEmpty()) {
            throw new IllegalArgumentException("an admin endpoint answers at least one method");
        }
        Set<String> upper = new java.util.TreeSet<>(); // one order, whatever set was given: Allow is stable
        methods.forEach(m -> upper.add(m.toUpperCase(Locale.ROOT)));
        Entry e = new Entry(PREFIX + trigger + path, Collections.unmodifiableSet(upper), endpoint);
        if (exact.containsKey(e.path())
                || prefixes.stream().anyMatch(p -> p.path().equals(e.path()))) {
            throw new IllegalArgumentException("admin endpoint " + e.path() + " is already defined");
        }
        if (e.prefix()) {
            List<Entry> all = new ArrayList<>(prefixes);
            all.add(e);
            all.sort((a, b) -> Integer.compare(b.path().length(), a.path().length()));
            prefixes.clear();
            prefixes.addAll(all);
        } else {
            exact.put(e.path(), e);
        }
    }

    /** The paths served, sorted; for {@code /status} and the 404's hint. */
    public List<String> paths() {
        List<String> all = new ArrayList<>(exact.keySet());
        prefixes.forEach(p -> all.add(p.path() + "…"));
        Collections.sort(all);
        return all;
    }

    /**
     * Answers a request under {@value #PREFIX}: called on an endpoint thread, which it leaves at once;
     * the control server writes the answer when the stage completes (503 when that takes longer than
     * its endpoint timeout, 500 with an error id when the stage fails).
     */
    CompletionStage<Response> answer(ControlRequest request) {
        Entry e = exact.get(request.path());
        String below = "/";
        if (e == null) {
            for (Entry p : prefixes) {
                if (request.path().startsWith(p.path())) {
                    e = p;
                    below = request.path().substring(p.path().length() - 1);
                    break;
                }
                if (request.path().equals(p.path().substring(0, p.path().length() - 1))) {
                    e = p;
                    break;
                }
            }
        }
        if (e == null) {
            return CompletableFuture.completedFuture(
                    ErrorResponses.error(404, "not found", null, "no admin endpoint at " + request.path()));
        }
        if (!e.allows(request.method())) {
            return CompletableFuture.completedFuture(Response.status(405)
                    .contentType(Response.APPLICATION_JSON)
                    .header("Allow", e.allowHeader())
                    .body(ErrorResponses.body(
                            "method not allowed",
                            null,
                            request.path() + " accepts " + e.allowHeader() + ", not " + request.method()))
                    .build());
        }
        String method = request.method().equals("HEAD") ? "GET" : request.method();
        return e.endpoint()
                .answer(new AdminRequest(
                        method, below, request.query().isEmpty() ? null : request.query(), request.body()));
    }
}
