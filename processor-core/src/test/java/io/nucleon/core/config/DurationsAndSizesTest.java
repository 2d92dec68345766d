package io.nucleon.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nucleon.spi.ByteSize;
import io.nucleon.spi.Durations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsAndSizesTest {

    @Test
    void readsDurationsWithUnits() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("5s"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("1m30s"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofHours(2), Durations.parse("2h"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("PT5S"));
    }

    @Test
    void refusesDurationsWithoutAUnit() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse("5"))
                .getMessage()
                .contains("a unit is required"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse("5w"))
                .getMessage()
                .contains("unknown unit"));
    }

    @Test
    void readsSizes() {
        assertEquals(4L << 20, ByteSize.parse("4MiB").bytes());
        assertEquals(512L << 10, ByteSize.parse("512KiB").bytes());
        assertEquals(4_000_000L, ByteSize.parse("4MB").bytes());
        assertEquals(100, ByteSize.parse(100).bytes());
        assertEquals("4MiB", ByteSize.parse("4MiB").toString());
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("lots"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("4PB"));
    }

    @Test
    void backoffDoublesPerRetryUpToTheCap() {
        java.time.Duration first = java.time.Duration.ofMillis(100);
        java.time.Duration max = java.time.Duration.ofMillis(500);
        assertEquals(java.time.Duration.ofMillis(100), io.nucleon.spi.Durations.backoff(first, max, 1));
        assertEquals(java.time.Duration.ofMillis(200), io.nucleon.spi.Durations.backoff(first, max, 2));
        assertEquals(java.time.Duration.ofMillis(400), io.nucleon.spi.Durations.backoff(first, max, 3));
        assertEquals(max, io.nucleon.spi.Durations.backoff(first, max, 4));
        assertEquals(max, io.nucleon.spi.Durations.backoff(first, max, 1000));
    }
}
