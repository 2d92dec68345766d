package io.nucleon.runtime.external.supervision;

/**
 * Makes text that comes from a wrapper (its log frames, its stdout and stderr, its error reports)
 * safe to put in the processor's log: a handler must not be able to start a line of its own that
 * reads like one of the processor's, nor send terminal escape sequences to whoever reads the log.
 *
 * <p>{@link #oneLine} escapes every control character but tab: CR as {@code \r}, LF as {@code \n},
 * the others (C0, DEL, C1, and the Unicode line and paragraph separators U+2028/U+2029) as
 * {@code \}{@code uXXXX}. Backslashes are left alone, so a Windows path stays readable; a literal
 * backslash-n in the text is therefore indistinguishable from an escaped line feed, which is
 * harmless since it cannot end the log line. {@link #block} keeps the line breaks of multi-line
 * text (a traceback) but starts every line after the first with a tab, as a Java stack trace does,
 * so no line of it begins where a log record would. Stateless and thread-safe.
 */
public final class UntrustedText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private UntrustedText() {}

    /** {@code text} with its control characters escaped; the same instance when there are none. */
    public static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        int first = firstUnsafe(text, 0, text.length());
        if (first < 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        escapeInto(sb, text, 0, text.length(), first);
        return sb.toString();
    }

    /**
     * Multi-line {@code text} with every line escaped as by {@link #oneLine} and every line after the
     * first indented by a tab. CRLF and lone CR count as line breaks too.
     */
    static String block(String text) {
        if (text == null) {
            return null;
        }
        if (firstUnsafe(text, 0, text.length()) < 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 32);
        int start = 0;
        int n = text.length();
        while (start <= n) {
            int end = start;
            while (end < n && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
                end++;
            }
            if (start > 0) {
                sb.append("\n\t");
            }
            int unsafe = firstUnsafe(text, start, end);
            escapeInto(sb, text, start, end, unsafe < 0 ? end : unsafe);
            if (end == n) {
                break;
            }
            start = end + (text.charAt(end) == '\r' && end + 1 < n && text.charAt(end + 1) == '\n' ? 2 : 1);
            if (start == n) {
                break; // a trailing line break ends the text; it does not start an empty line
            }
        }
        return sb.toString();
    }

    /** Whether {@code c} must not reach the log as it is. */
    public static boolean unsafe(char c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }

    private static int firstUnsafe(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (unsafe(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Appends {@code s[from, to)}, whose characters before {@code firstUnsafe} are known to be safe. */
    private static void escapeInto(StringBuilder sb, String s, int from, int to, int firstUnsafe) {
        sb.append(s, from, firstUnsafe);
        for (int i = firstUnsafe; i < to; i++) {
            char c = s.charAt(i);
            if (!unsafe(c)) {
                sb.append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else {
                sb.append("\\u")
                        .append(HEX[c >> 12])
                        .append(HEX[(c >> 8) & 15])
                        .append(HEX[(c >> 4) & 15])
                        .append(HEX[c & 15]);
            }
        }
    }
}
