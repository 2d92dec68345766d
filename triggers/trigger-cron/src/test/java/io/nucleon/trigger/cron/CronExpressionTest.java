package io.nucleon.trigger.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class CronExpressionTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    private static ZonedDateTime at(String iso) {
        return ZonedDateTime.parse(iso + "Z[UTC]");
    }

    private static String next(String expr, String after) {
        return CronExpression.parse(expr).next(at(after), UTC).toLocalDateTime().toString();
    }

    @Test
    void fiveFieldsFireOnTheMinute() {
        assertEquals("2026-11-22T10:05", next("*/5 * * * *", "2026-11-22T10:01:30"));
        assertEquals("2026-11-22T10:10", next("*/5 * * * *", "2026-11-22T10:05:00"));
        assertEquals("2026-11-23T00:00", next("0 0 * * *", "2026-11-22T10:01:30"));
    }

    @Test
    void sixFieldsHaveSecondsFirst() {
        assertEquals("2026-11-22T10:01:31", next("* * * * * *", "2026-11-22T10:01:30"));
        assertEquals("2026-11-22T10:01:45", next("*/15 * * * * *", "2026-11-22T10:01:30"));
        assertEquals("2026-11-22T10:02", next("0 * * * * *", "2026-11-22T10:01:30"));
    }

    @Test
    void readsRangesListsStepsAndNames() {
        assertEquals("2026-11-23T09:00", next("0 9-17/4 * * MON-FRI", "2026-11-21T12:00:00")); // a Saturday
        assertEquals("2026-12-01T00:00", next("0 0 1 JAN,dec *", "2026-11-22T00:00:00"));
        assertEquals("2026-11-22T10:30", next("30/10 * * * *", "2026-11-22T10:20:00"));
        assertEquals("2026-11-29T00:00", next("0 0 * * 7", "2026-11-22T00:00:00")); // 7 is Sunday too
    }

    @Test
    void eitherRestrictedDayFieldMatchesAsInCrontab() {
        // the 15th, or any Monday: Monday 23 November comes first
        assertEquals("2026-11-23T00:00", next("0 0 15 * MON", "2026-11-22T01:00:00"));
        assertEquals("2026-12-15T00:00", next("0 0 15 * *", "2026-11-22T01:00:00"));
    }

    @Test
    void expandsMacros() {
        assertEquals("2026-11-22T11:00", next("@hourly", "2026-11-22T10:01:30"));
        assertEquals("2027-01-01T00:00", next("@yearly", "2026-11-22T10:01:30"));
    }

    @Test
    void leapDayFiresInTheNextLeapYear() {
        assertEquals("2028-02-29T12:00", next("0 12 29 2 *", "2026-11-22T00:00:00"));
    }

    @Test
    void badExpressionsSayWhichFieldIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("* * *"))
                .getMessage()
                .contains("has 3 fields; expected 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("61 * * * *"))
                .getMessage()
                .startsWith("minute field \"61\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("* * * FOO *"))
                .getMessage()
                .contains("\"FOO\" is not a number nor a name such as JAN"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("*/0 * * * *"))
                .getMessage()
                .contains("a step must be at least 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CronExpression.parse("@often"))
                .getMessage()
                .contains("unknown macro"));
        assertThrows(
                IllegalStateException.class,
                () -> CronExpression.parse("0 0 30 2 *").next(at("2026-01-01T00:00:00"), UTC));
    }
}
