package io.nucleon.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Durations}: the units, days included, and a format that parse reads back. */
class DurationsTest {

    @Test
    void readsDays() {
        assertEquals(Duration.ofDays(1), Durations.parse("1d"));
        assertEquals(Duration.ofDays(7), Durations.parse("7d"));
        assertEquals(Duration.ofHours(36), Durations.parse("1.5d"));
        assertEquals(Duration.ofDays(1).plusHours(12).plusMinutes(30), Durations.parse("1d12h30m"));
    }

    @Test
    void readsTheSmallUnits() {
        assertEquals(Duration.ofNanos(5), Durations.parse("5ns"));
        assertEquals(Duration.ofNanos(5_000), Durations.parse("5us"));
        assertEquals(Duration.ofNanos(5_000), Durations.parse("5µs"));
    }

    @Test
    void anUnknownUnitListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("2w"));
        assertTrue(e.getMessage().endsWith("(use ns, us, ms, s, m, h or d)"), e.getMessage());
    }

    @Test
    void formatsInTheLargestWholeUnitAndParseReadsItBack() {
        assertEquals("1d", Durations.format(Duration.ofDays(1)));
        assertEquals("36h", Durations.format(Duration.ofHours(36)));
        assertEquals("90m", Durations.format(Duration.ofMinutes(90)));
        assertEquals("5s", Durations.format(Duration.ofSeconds(5)));
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("0ms", Durations.format(Duration.ZERO));
        for (Duration d : List.of(
                Duration.ofDays(3),
                Duration.ofHours(25),
                Duration.ofMinutes(1441),
                Duration.ofSeconds(86_401),
                Duration.ofMillis(86_400_001),
                Duration.ofMillis(1))) {
            assertEquals(d, Durations.parse(Durations.format(d)), d.toString());
        }
    }
}
