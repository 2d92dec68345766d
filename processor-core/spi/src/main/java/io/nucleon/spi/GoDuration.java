package io.nucleon.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * Reads a duration as Nuclio's {@code function.yaml} writes one: the form of Go's
 * {@code time.ParseDuration}, a sequence of decimal numbers each with a unit ({@code ns}, {@code us}
 * or {@code µs}, {@code ms}, {@code s}, {@code m}, {@code h}), such as {@code 300ms} or
 * {@code 1h15m30.5s}, or a lone {@code 0}.
 */
final class GoDuration {
    private static final String ALLOWED = "a duration such as 30s, 1m30s, 250ms or 1.5h";

    private GoDuration() {}

    /**
     * Parses {@code value}, a text node.
     *
     * @throws IllegalArgumentException saying what is allowed, for anything else or a negative duration
     */
    static Duration parse(JsonNode value) {
        if (!value.isTextual()) {
            throw new IllegalArgumentException("must be " + ALLOWED + " (text with a unit), got " + value);
        }
        String text = value.asText().trim();
        String s = text.startsWith("+") ? text.substring(1) : text;
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("must not be negative, got \"" + text + "\"");
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("must be " + ALLOWED + ", got \"" + text + "\"");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String number = s.substring(start, unitStart);
            long unit = unitNanos(s.substring(unitStart, i));
            if (number.isEmpty() || number.equals(".") || unit == 0 || number.indexOf('.') != number.lastIndexOf('.')) {
                throw new IllegalArgumentException(
                        "must be " + ALLOWED + " (units ns, us, ms, s, m, h), got \"" + text + "\"");
            }
            nanos = nanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(unit)));
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 0L;
        };
    }
}
