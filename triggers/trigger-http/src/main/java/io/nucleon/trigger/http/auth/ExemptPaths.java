package io.nucleon.trigger.http.auth;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The paths {@code auth.exemptPaths} lets in without credentials: exact paths, and prefixes (the
 * entries ending with {@code /}). Matched against the request target's path as sent, never a
 * decoded or normalised one, and a path that could be read as another one (a {@code .} or
 * {@code ..} segment, an encoded {@code .}, {@code /} or {@code \}, or a backslash) is never exempt:
 * an exemption of {@code /public/} must not let {@code /public/../admin} through to a handler that
 * normalises paths. Immutable and thread-safe; allocation-free.
 */
final class ExemptPaths {
    private final Set<String> exact;
    private final String[] prefixes;

    private ExemptPaths(Set<String> exact, String[] prefixes) {
        this.exact = exact;
        this.prefixes = prefixes;
    }

    /** The matcher of {@code entries}, each already checked by {@link #problem}. */
    static ExemptPaths of(List<String> entries) {
        Set<String> exact = new HashSet<>();
        List<String> prefixes = new ArrayList<>();
        for (String e : entries) {
            if (e.endsWith("/")) {
                prefixes.add(e);
            } else {
                exact.add(e);
            }
        }
        return new ExemptPaths(Set.copyOf(exact), prefixes.toArray(String[]::new));
    }

    /** What is wrong with one entry, or null when it is fine. */
    static String problem(String entry) {
        if (entry == null || !entry.startsWith("/")) {
            return "must start with / (e.g. /healthz, or /public/ for everything under it), got "
                    + (entry == null ? "null" : "\"" + entry + "\"");
        }
        if (entry.indexOf('?') >= 0 || entry.indexOf('#') >= 0 || entry.indexOf('*') >= 0) {
            return "must be a path without ?, # or * (an entry ending with / is a prefix), got \"" + entry + "\"";
        }
        if (ambiguous(entry, 0, entry.length())) {
            return "must not hold . or .. segments or encoded ., / or \\, got \"" + entry + "\"";
        }
        return null;
    }

    boolean isEmpty() {
        return exact.isEmpty() && prefixes.length == 0;
    }

    /** Whether the request target {@code uri} (path and query) is exempt. */
    boolean matches(String uri) {
        if (isEmpty()) {
            return false;
        }
        int q = uri.indexOf('?');
        int end = q < 0 ? uri.length() : q;
        boolean candidate = false;
        if (!exact.isEmpty()) {
            candidate = exact.contains(q < 0 ? uri : uri.substring(0, end));
        }
        for (int i = 0; !candidate && i < prefixes.length; i++) {
            candidate = uri.startsWith(prefixes[i]) && prefixes[i].length() <= end;
        }
        return candidate && !ambiguous(uri, 0, end);
    }

    /** Whether {@code s[from, to)} holds a dot segment, a backslash, or an encoded ., / or \. */
    private static boolean ambiguous(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                return true;
            }
            if (c == '%' && i + 2 < to) {
                char hi = s.charAt(i + 1);
                char lo = Character.toLowerCase(s.charAt(i + 2));
                if (hi == '2' && (lo == 'e' || lo == 'f') || hi == '5' && lo == 'c') {
                    return true;
                }
            }
            if (c == '.' && (i == from || s.charAt(i - 1) == '/')) {
                int j = i + 1;
                if (j < to && s.charAt(j) == '.') {
                    j++;
                }
                if (j == to || s.charAt(j) == '/') {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(exact);
        all.addAll(List.of(prefixes));
        return all.toString();
    }
}
