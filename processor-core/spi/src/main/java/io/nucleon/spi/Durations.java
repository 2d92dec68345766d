package io.nucleon.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Reads durations as written in configuration: {@code 250ms}, {@code 5s}, {@code 1m}, {@code 2h},
 * {@code 1d} (24 hours), a combination such as {@code 1m30s}, or ISO-8601 ({@code PT5S}). The one parser for every
 * duration in {@code function.yaml}.
 */
public final class Durations {
    private Durations() {}

    /** Parses {@code text}; throws {@link IllegalArgumentException} saying what is allowed. */
    public static Duration parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration (use e.g. 250ms, 5s, 1m, 1h)");
        }
        if (s.startsWith("P") || s.startsWith("p")) {
            try {
                return nonNegative(Duration.parse(s), text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(
                        "not a duration: '" + text + "' (use e.g. 250ms, 5s, 1m, 1h or ISO-8601 PT5S)");
            }
        }
        Duration total = Duration.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            int unitStart = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            if (start == unitStart || unitStart == i) {
                throw new IllegalArgumentException(
                        "not a duration: '" + text + "' (use e.g. 250ms, 5s, 1m, 1h; a unit is required)");
            }
            double amount;
            try {
                amount = Double.parseDouble(s.substring(start, unitStart));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a duration: '" + text + "'");
            }
            long nanosPerUnit = switch (s.substring(unitStart, i)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "d" -> 86_400_000_000_000L;
                default ->
                    throw new IllegalArgumentException("unknown unit '" + s.substring(unitStart, i) + "' in duration '"
                            + text + "' (use ns, us, ms, s, m, h or d)");
            };
            total = total.plusNanos(Math.round(amount * nanosPerUnit));
        }
        return total;
    }

    private static Duration nonNegative(Duration d, String text) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a duration cannot be negative: '" + text + "'");
        }
        return d;
    }

    /**
     * Formats a duration the way configuration writes it, in its largest whole unit: {@code 250ms},
     * {@code 5s}, {@code 90m}, {@code 1d}; {@link #parse} reads it back (below a millisecond is dropped).
     */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0 && ms != 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms != 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /**
     * The delay before retry number {@code attempt} (1 for the first retry): {@code first}, doubled
     * for each further retry, never more than {@code max}. Shared by the triggers that retry.
     */
    public static Duration backoff(Duration first, Duration max, int attempt) {
        Duration d = first;
        for (int i = 1; i < attempt && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
