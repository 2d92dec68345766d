package io.nucleon.core.control;

import io.nucleon.api.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The control server's routing table: each row is a set of methods, a path (exact, or a prefix
 * when it ends with {@code /}) and the endpoint that answers it, with where it runs. An exact
 * path wins over a prefix, and a longer prefix over a shorter one. A route that allows
 * {@code GET} allows {@code HEAD} too (answered without the body). Built once before the server
 * starts, then only read: safe to share between threads after that.
 */
final class ControlRoutes {

    /** Where an endpoint runs. */
    enum Runs {
        /**
         * On the selector thread itself, in the middle of reading: only for endpoints that answer
         * at once from what they hold (never I/O, locks or anything that may wait).
         */
        ON_SELECTOR,
        /** On one of the server's endpoint threads: for anything that may take time. */
        ON_WORKER
    }

    /** Answers one request. Thrown exceptions become a 500 (and a log line). */
    @FunctionalInterface
    interface Endpoint {
        Response answer(ControlRequest request) throws Exception;
    }

    /**
     * Answers one request later: called on an endpoint thread, which it returns at once, and the
     * answer is written when the stage completes (a stage not complete within the endpoint timeout
     * gets 503). Only {@link Runs#ON_WORKER}. A thrown exception or a failed stage becomes a 500.
     */
    @FunctionalInterface
    interface StagedEndpoint {
        java.util.concurrent.CompletionStage<Response> answer(ControlRequest request) throws Exception;
    }

    /** One row of the table: {@code endpoint} answers at once, or {@code staged} (never both). */
    record Route(Set<String> methods, String path, Runs runs, Endpoint endpoint, StagedEndpoint staged) {
        Route {
            methods = Collections.unmodifiableSet(new LinkedHashSet<>(methods));
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("a control route's path starts with '/', got " + path);
            }
        }

        boolean prefix() {
            return path.length() > 1 && path.endsWith("/");
        }

        /** Whether {@code method} is allowed here ({@code HEAD} wherever {@code GET} is). */
        boolean allows(String method) {
            return methods.contains(method) || (method.equals("HEAD") && methods.contains("GET"));
        }

        /** The value of an {@code Allow} header for this route. */
        String allowHeader() {
            Set<String> all = new LinkedHashSet<>(methods);
            if (all.contains("GET")) {
                all.add("HEAD");
            }
            return String.join(", ", all);
        }
    }

    private final Map<String, Route> exact = new LinkedHashMap<>();
    private final List<Route> prefixes = new ArrayList<>();

    /** Adds a row; a path ending with {@code /} (other than {@code /} itself) is a prefix. */
    ControlRoutes add(Set<String> methods, String path, Runs runs, Endpoint endpoint) {
        return add(new Route(methods, path, runs, endpoint, null));
    }

    /** Adds a row answered through a stage, on an endpoint thread; a prefix as for {@link #add(Set, String, Runs, Endpoint)}. */
    ControlRoutes addStaged(Set<String> methods, String path, StagedEndpoint endpoint) {
        return add(new Route(methods, path, Runs.ON_WORKER, null, endpoint));
    }

    private ControlRoutes add(Route route) {
        String path = route.path();
        if (route.prefix()) {
            if (prefixes.stream().anyMatch(r -> r.path().equals(path))) {
                throw new IllegalArgumentException("control route " + path + " is already defined");
            }
            prefixes.add(route);
            prefixes.sort((a, b) -> Integer.compare(b.path().length(), a.path().length()));
        } else if (exact.putIfAbsent(path, route) != null) {
            throw new IllegalArgumentException("control route " + path + " is already defined");
        }
        return this;
    }

    /** Adds a {@code GET} (and so {@code HEAD}) row. */
    ControlRoutes get(String path, Runs runs, Endpoint endpoint) {
        return add(Set.of("GET"), path, runs, endpoint);
    }

    /** The route for {@code path}, or {@code null}. */
    Route find(String path) {
        Route r = exact.get(path);
        if (r != null) {
            return r;
        }
        for (Route p : prefixes) {
            if (path.startsWith(p.path())) {
                return p;
            }
        }
        return null;
    }

    /** The paths served, in words: "/a, /b and /c". */
    String describe() {
        List<String> paths = new ArrayList<>(exact.keySet());
        prefixes.forEach(r -> paths.add(r.path() + "…"));
        if (paths.size() <= 1) {
            return String.join("", paths);
        }
        return String.join(", ", paths.subList(0, paths.size() - 1)) + " and " + paths.get(paths.size() - 1);
    }
}
