package io.nucleon.spi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A size in bytes, written in configuration as a number of bytes or with a unit:
 * {@code 512}, {@code 64KiB}, {@code 4MiB}, {@code 1GiB} (powers of 1024), or {@code 4MB} (powers of 1000).
 */
public record ByteSize(long bytes) {

    /** A size of {@code bytes} bytes; refuses a negative one. */
    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative: " + bytes);
        }
    }

    /** The same as {@code new ByteSize(bytes)}. */
    public static ByteSize ofBytes(long bytes) {
        return new ByteSize(bytes);
    }

    /** Parses {@code 4MiB}, {@code 512KiB}, {@code 100} and the like. */
    @JsonCreator
    public static ByteSize parse(Object value) {
        if (value instanceof Number n) {
            return new ByteSize(n.longValue());
        }
        String text = String.valueOf(value).trim();
        int i = 0;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException(
                    "not a size: '" + text + "' (use bytes or a unit: 512KiB, 4MiB, 1GiB, 4MB)");
        }
        long number = Long.parseLong(text.substring(0, i));
        String unit = text.substring(i).trim().toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "", "b" -> 1L;
            case "kib", "ki" -> 1L << 10;
            case "mib", "mi" -> 1L << 20;
            case "gib", "gi" -> 1L << 30;
            case "kb", "k" -> 1_000L;
            case "mb", "m" -> 1_000_000L;
            case "gb", "g" -> 1_000_000_000L;
            default ->
                throw new IllegalArgumentException("unknown size unit '"
                        + text.substring(i).trim() + "' in '" + text + "' (use B, KiB, MiB, GiB, KB, MB or GB)");
        };
        return new ByteSize(Math.multiplyExact(number, factor));
    }

    /** The size as an int, for APIs that take one; fails when it does not fit. */
    public int toIntExact() {
        return Math.toIntExact(bytes);
    }

    @JsonValue
    @Override
    public String toString() {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return bytes / (1L << 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
