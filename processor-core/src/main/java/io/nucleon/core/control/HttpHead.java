package io.nucleon.core.control;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request line and headers of one HTTP/1.x request, parsed strictly (RFC 9112): one space
 * between the parts of the request line, header names as tokens with no space before the colon,
 * no obsolete line folding. Lines may end with CRLF or a bare LF. Immutable.
 */
final class HttpHead {
    final String method;
    /** The request target as sent. */
    final String target;
    /** HTTP/1.1 or later (true), or HTTP/1.0 (false). */
    final boolean http11;
    /** By lower-case name, values in the order sent; unmodifiable. */
    final Map<String, List<String>> headers;

    private HttpHead(String method, String target, boolean http11, Map<String, List<String>> headers) {
        this.method = method;
        this.target = target;
        this.http11 = http11;
        this.headers = headers;
    }

    /** The values of the header {@code lowerCaseName}; empty when absent. */
    List<String> values(String lowerCaseName) {
        return headers.getOrDefault(lowerCaseName, List.of());
    }

    /**
     * Whether a comma-separated header (such as {@code Connection}) lists {@code token}, in any
     * case.
     */
    boolean lists(String lowerCaseName, String token) {
        for (String value : values(lowerCaseName)) {
            for (String part : value.split(",")) {
                if (part.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A request the server answers with an error status and then closes the connection (the
     * stream cannot be trusted to be at a request boundary any more). Carries no stack trace.
     */
    static final class Rejection extends Exception {
        final int status;
        final String error;

        Rejection(int status, String error, String message) {
            super(message, null, false, false);
            this.status = status;
            this.error = error;
        }
    }

    /**
     * Finds the end of a request head in a buffer as its bytes arrive, without scanning a byte
     * twice. Skips blank lines before the request line. Not thread-safe.
     */
    static final class Scanner {
        private int pos;
        private int lineStart;
        private int start;
        private int requestLineEnd = -1;

        /** Starts over for a head that begins at index 0. */
        void reset() {
            pos = 0;
            lineStart = 0;
            start = 0;
            requestLineEnd = -1;
        }

        /**
         * Scans {@code buf} up to {@code end}; returns the index just past the blank line that
         * ends the head, or -1 when it has not arrived yet.
         */
        int scan(byte[] buf, int end) {
            for (int i = pos; i < end; i++) {
                if (buf[i] != '\n') {
                    continue;
                }
                int length = i - lineStart;
                if (length > 0 && buf[i - 1] == '\r') {
                    length--;
                }
                if (length == 0 && requestLineEnd < 0) {
                    start = i + 1; // a blank line before the request line: ignored (RFC 9112 §2.2)
                } else if (length == 0) {
                    pos = i + 1;
                    return i + 1;
                } else if (requestLineEnd < 0) {
                    requestLineEnd = i;
                }
                lineStart = i + 1;
            }
            pos = end;
            return -1;
        }

        /** Where the head begins (after any blank lines before it). */
        int start() {
            return start;
        }

        /** Whether the request line has ended (so that a head too long is 431 rather than 414). */
        boolean requestLineSeen() {
            return requestLineEnd >= 0;
        }

        /** Whether anything but blank lines has arrived. */
        boolean started(int end) {
            return end > start;
        }
    }

    /** Parses the head in {@code buf[from, to)}, which ends with its blank line. */
    static HttpHead parse(byte[] buf, int from, int to) throws Rejection {
        String text = new String(buf, from, to - from, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>();
        int lineStart = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                int end = i > lineStart && text.charAt(i - 1) == '\r' ? i - 1 : i;
                lines.add(text.substring(lineStart, end));
                lineStart = i + 1;
            }
        }
        // the last line is the blank one that ends the head
        String requestLine = lines.get(0);
        int sp1 = requestLine.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) {
            throw bad("the request line must be METHOD SP TARGET SP HTTP/1.x, got '" + printable(requestLine) + "'");
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String version = requestLine.substring(sp2 + 1);
        if (!isToken(method)) {
            throw bad("the method '" + printable(method) + "' is not a token");
        }
        if (target.isEmpty() || !isVisible(target)) {
            throw bad("the request target '" + printable(target) + "' is empty or holds spaces or control characters");
        }
        if (version.length() != 8
                || !version.startsWith("HTTP/")
                || !isDigit(version.charAt(5))
                || version.charAt(6) != '.'
                || !isDigit(version.charAt(7))) {
            throw bad("the protocol must be HTTP/1.0 or HTTP/1.1, got '" + printable(version) + "'");
        }
        if (version.charAt(5) != '1') {
            throw new Rejection(
                    505,
                    "http version not supported",
                    "the control server speaks HTTP/1.0 and HTTP/1.1, not " + version);
        }
        boolean http11 = version.charAt(7) != '0';

        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int n = 1; n < lines.size() - 1; n++) {
            String line = lines.get(n);
            char first = line.charAt(0);
            if (first == ' ' || first == '\t') {
                throw bad("obsolete line folding in the headers is not accepted");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.substring(0, colon))) {
                throw bad("malformed header line '" + printable(line) + "'");
            }
            String value = trimWhitespace(line.substring(colon + 1));
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw bad("the header " + line.substring(0, colon) + " holds a control character");
                }
            }
            headers.computeIfAbsent(line.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
                    .add(value);
        }
        headers.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return new HttpHead(method, target, http11, Collections.unmodifiableMap(headers));
    }

    private static Rejection bad(String message) {
        return new Rejection(400, "bad request", message);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** RFC 9110 token characters. */
    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isVisible(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static String trimWhitespace(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    /** {@code s} cut to 80 characters with control characters shown as '?', for messages. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 80));
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 80 ? sb.append('…').toString() : sb.toString();
    }
}
